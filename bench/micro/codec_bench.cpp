// Micro-benchmarks of the codec and of the core steps a PUBLISH takes through a channel
// (publish_handler.cpp, delivery.cpp): cut the frame (stream_parser), decode it, validate
// the topic, build the core::message, and, towards each subscriber, encode the PUBLISH or
// only its header (payload by reference). Also the other packets of a QoS 1 flow and of a
// connection's start (PUBACK, SUBSCRIBE, CONNECT). router::match is in router_bench.cpp, the
// whole path through channel and session in path_bench.cpp.
//
// One iteration is one packet (items_per_second = packets per second), except
// stream_parser_cut, whose iteration is one 4 KB socket read's worth of frames (items are
// frames). Run from a Release build: build/bench/micro/codec_bench, or bench/micro/run.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"
#include "codec/detail/utf8.h"
#include "codec/packet.h"
#include "codec/stream_parser.h"
#include "core/guid.h"
#include "core/message.h"
#include "core/topic.h"

namespace {

using emqd::bench::measure_start;
using emqd::bench::measure_stop;
using namespace emqd;
using codec::protocol_version;

constexpr std::string_view k_topic = "dev/42/room/temp";
const std::string k_payload(64, 'x');
constexpr auto v4 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

codec::publish_packet make_publish(std::uint8_t qos, std::uint16_t id = 1) {
    codec::publish_packet p;
    p.qos = qos;
    p.topic = k_topic;
    p.packet_id = qos ? id : 0;
    p.payload = k_payload;
    return p;
}

// The same as the broker encodes it for a delivery (channel/delivery.cpp).
codec::publish_view make_publish_view(std::uint8_t qos) {
    codec::publish_view p;
    p.qos = qos;
    p.topic = k_topic;
    p.packet_id = qos ? 1 : 0;
    p.payload = k_payload;
    return p;
}

// A v5 message with what a v5 publisher commonly adds: an expiry, a content type and one
// user property.
core::message_properties typical_v5_properties() {
    core::message_properties props;
    props.message_expiry_interval = 3600;
    props.content_type = "application/json";
    props.user.emplace_back("trace", "a1b2c3");
    return props;
}

template <class P>
std::string wire(const P& p, protocol_version v) {
    std::string out;
    codec::encode(p, v, out);
    return out;
}

// The frame of one encoded packet, as stream_parser would cut it: header byte, then the
// body after the Remaining Length. Views into `w`.
codec::frame frame_of(const std::string& w) {
    std::size_t i = 1;
    while (static_cast<std::uint8_t>(w[i]) & 0x80)
        ++i;
    codec::frame f;
    f.header = static_cast<std::uint8_t>(w[0]);
    f.body = std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(w.data()) + i + 1,
                                           w.size() - i - 1);
    return f;
}

void decode_loop(benchmark::State& state, const std::string& w, protocol_version v) {
    const codec::frame f = frame_of(w);
    measure_start(state);
    for (auto _ : state) {
        auto r = codec::decode(f, v);
        benchmark::DoNotOptimize(r);
        if (!r) {
            state.SkipWithError("decode failed");
            break;
        }
    }
    measure_stop(state);
}

// --- stream_parser ---------------------------------------------------------------------------

// 1,000 PUBLISHes (64-byte payloads, QoS 1) back to back, delivered in 4 KB reads as a socket
// would: each read is copied into the parser's buffer and every complete frame cut from it,
// so frames straddle reads and the buffer compacts.
void stream_parser_cut(benchmark::State& state, protocol_version v) {
    std::string stream;
    for (std::uint16_t i = 1; i <= 1000; ++i)
        codec::encode(make_publish(1, i), v, stream);
    constexpr std::size_t read_size = 4096;
    codec::stream_parser parser;
    std::size_t pos = 0;
    std::int64_t frames = 0;
    measure_start(state);
    for (auto _ : state) {
        const std::size_t n = std::min(read_size, stream.size() - pos);
        auto space = parser.prepare(n);
        std::memcpy(space.data(), stream.data() + pos, n);
        parser.commit(n);
        pos = pos + n == stream.size() ? 0 : pos + n;
        while (true) {
            auto f = parser.next();
            if (!f || !*f)
                break;
            benchmark::DoNotOptimize(f->value().body.data());
            ++frames;
        }
    }
    measure_stop(state, frames);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * read_size));
}
BENCHMARK_CAPTURE(stream_parser_cut, v3_1_1, v4);
BENCHMARK_CAPTURE(stream_parser_cut, v5, v5);

// --- decode ----------------------------------------------------------------------------------

void decode_publish(benchmark::State& state, protocol_version v, std::uint8_t qos, bool props) {
    codec::publish_packet p = make_publish(qos);
    if (props)
        p.props = typical_v5_properties();
    decode_loop(state, wire(p, v), v);
}
BENCHMARK_CAPTURE(decode_publish, v3_1_1_qos0, v4, 0, false);
BENCHMARK_CAPTURE(decode_publish, v3_1_1_qos1, v4, 1, false);
BENCHMARK_CAPTURE(decode_publish, v5_qos1, v5, 1, false);
BENCHMARK_CAPTURE(decode_publish, v5_qos1_properties, v5, 1, true);

void decode_puback(benchmark::State& state, protocol_version v) {
    codec::ack_packet a;
    a.packet_id = 7;
    decode_loop(state, wire(a, v), v);
}
BENCHMARK_CAPTURE(decode_puback, v3_1_1, v4);
BENCHMARK_CAPTURE(decode_puback, v5, v5);

void decode_subscribe(benchmark::State& state, protocol_version v) {
    codec::subscribe_packet s;
    s.packet_id = 3;
    for (const char* f : {"dev/42/room/temp", "dev/+/status", "site/7/#"})
        s.topics.push_back(codec::subscription_request{f, 1});
    if (codec::is_v5(v))
        s.subscription_identifier = 12;
    decode_loop(state, wire(s, v), v);
}
BENCHMARK_CAPTURE(decode_subscribe, v3_1_1, v4);
BENCHMARK_CAPTURE(decode_subscribe, v5, v5);

void decode_connect(benchmark::State& state, protocol_version v) {
    codec::connect_packet c;
    c.version = v;
    c.client_id = "bench-12345-000042";
    c.keep_alive = 300;
    c.username = "device";
    c.password = "secret";
    if (codec::is_v5(v)) {
        c.props.session_expiry_interval = 3600;
        c.props.receive_maximum = 100;
    }
    decode_loop(state, wire(c, v), v);
}
BENCHMARK_CAPTURE(decode_connect, v3_1_1, v4);
BENCHMARK_CAPTURE(decode_connect, v5, v5);

// --- the steps between decode and routing ----------------------------------------------------

void utf8_topic(benchmark::State& state) {
    measure_start(state);
    for (auto _ : state)
        benchmark::DoNotOptimize(codec::detail::valid_mqtt_utf8(k_topic));
    measure_stop(state);
}
BENCHMARK(utf8_topic);

// As the channel calls it: with mqtt.max_topic_levels (128 by default).
void validate_topic_name(benchmark::State& state) {
    const core::topic_limits limits{128};
    measure_start(state);
    for (auto _ : state)
        benchmark::DoNotOptimize(core::validate_topic_name(k_topic, limits));
    measure_stop(state);
}
BENCHMARK(validate_topic_name);

// The message a PUBLISH becomes (publish_handler.cpp): one allocation for the shared
// message, plus its copies of topic, payload and publisher id.
void make_message(benchmark::State& state) {
    core::guid_generator ids(1, 0);
    const std::string client_id = "bench-12345-000042";
    const auto now = core::message::clock::now();
    measure_start(state);
    for (auto _ : state) {
        auto msg = std::make_shared<core::message>();
        msg->id = ids.next();
        msg->topic = k_topic;
        msg->payload.assign(k_payload);
        msg->qos = 1;
        msg->from_client_id = client_id;
        msg->received_at = now;
        core::message_ptr shared = std::move(msg);
        benchmark::DoNotOptimize(shared.get());
    }
    measure_stop(state);
}
BENCHMARK(make_message);

// --- encode ----------------------------------------------------------------------------------

// Into a reused output buffer, as a connection's output string is reused between flushes.
void encode_publish(benchmark::State& state, protocol_version v, std::uint8_t qos, bool props) {
    codec::publish_view p = make_publish_view(qos);
    const core::message_properties mp = typical_v5_properties();
    if (props)
        p.props = &mp;
    std::string out;
    measure_start(state);
    for (auto _ : state) {
        out.clear();
        benchmark::DoNotOptimize(codec::encode(p, v, out));
    }
    measure_stop(state);
}
BENCHMARK_CAPTURE(encode_publish, v3_1_1_qos0, v4, 0, false);
BENCHMARK_CAPTURE(encode_publish, v3_1_1_qos1, v4, 1, false);
BENCHMARK_CAPTURE(encode_publish, v5_qos1, v5, 1, false);
BENCHMARK_CAPTURE(encode_publish, v5_qos1_properties, v5, 1, true);

// The header of a PUBLISH whose payload follows by reference (delivery.cpp write_publish).
void encode_publish_header(benchmark::State& state, protocol_version v, bool props) {
    codec::publish_view p = make_publish_view(1);
    const core::message_properties mp = typical_v5_properties();
    if (props)
        p.props = &mp;
    std::string out;
    measure_start(state);
    for (auto _ : state) {
        out.clear();
        benchmark::DoNotOptimize(codec::encode_publish_header(p, v, out));
    }
    measure_stop(state);
}
BENCHMARK_CAPTURE(encode_publish_header, v3_1_1, v4, false);
BENCHMARK_CAPTURE(encode_publish_header, v5_properties, v5, true);

void encode_puback(benchmark::State& state, protocol_version v) {
    codec::ack_packet a;
    a.packet_id = 7;
    std::string out;
    measure_start(state);
    for (auto _ : state) {
        out.clear();
        benchmark::DoNotOptimize(codec::encode(a, v, out));
    }
    measure_stop(state);
}
BENCHMARK_CAPTURE(encode_puback, v3_1_1, v4);
BENCHMARK_CAPTURE(encode_puback, v5, v5);

}  // namespace

EMQD_MICRO_BENCH_MAIN()
