// The whole broker-side path of a message without I/O: bytes of PUBLISH frames fed to a
// publisher's channel (parse, decode, topic checks, message, PUBACK), routed through the
// router to subscribers' sessions as a shard does it (shard::publish: match, group by
// session, session::deliver), and written by the subscribers' channels (window, encode or
// shared QoS 0 frame); at QoS 1 the subscribers' PUBACKs are fed back, so the window cycles.
//
// The channels are real (src/channel), driven through their seams as src/channel/test does:
// a connection_io over a string and a broker_services (bench_broker below) that routes like
// broker::shard on one shard. Everything the sockets and the event loop would add is absent.
//
// One iteration is one socket read of k_batch PUBLISHes (items are messages published;
// ns per message = 1e9 / items_per_second). Run from a Release build:
// build/bench/micro/path_bench, or bench/micro/run.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "channel/channel.h"
#include "codec/packet.h"
#include "core/guid.h"
#include "router/retained_store.h"
#include "router/router.h"
#include "session/session.h"

namespace {

using emqd::bench::measure_start;
using emqd::bench::measure_stop;
using namespace emqd;
using channel::clock;
using codec::protocol_version;

constexpr int k_batch = 16;  // PUBLISHes per socket read (<= max_inflight: the window cycles)
const std::string k_topic = "dev/42/room/temp";
const std::string k_payload(64, 'x');

// A connection whose bytes go nowhere: output is dropped after every read.
class null_io final : public channel::connection_io {
public:
    std::string& output() override { return out; }
    void notify_output() override {}
    void append_by_reference(std::shared_ptr<const std::string> bytes) override {
        shared_bytes += bytes->size();
    }
    std::size_t pending_output() const override { return out.size(); }
    std::optional<core::ip_address> peer_address() const override { return std::nullopt; }
    void close() override { closed = true; }

    std::string out;
    std::size_t shared_bytes = 0;
    bool closed = false;
};

// broker_services over one router, routing as broker::shard::publish does on a single shard.
class bench_broker final : public channel::broker_services {
public:
    explicit bench_broker(clock::time_point now) : _access(auth::access_config{}, now) {}

    void open_session(const channel::session_request& req,
                      std::function<void(channel::session_grant)> done) override {
        const std::uint64_t id = _next_session++;
        auto s = std::make_unique<session::session>(_cfg, req.client_id, _router,
                                                    router::subscriber_id{0, id});
        channel::session_grant g;
        g.session = s.get();
        _sessions.emplace(id, std::move(s));
        done(g);
    }
    void session_closed(session::session* s) override { _sessions.erase(s->id().session); }

    void publish(core::message_ptr msg) override {
        _routes.clear();
        _router.match(msg->topic, msg->from_client_id, _routes);
        _frames.expect(*msg, _routes.size() == 1);
        std::sort(_routes.begin(), _routes.end(),
                  [](const router::route& a, const router::route& b) {
                      return a.subscriber.session < b.subscriber.session;
                  });
        for (std::size_t i = 0; i < _routes.size();) {
            const auto who = _routes[i].subscriber;
            _matched.clear();
            for (; i < _routes.size() && _routes[i].subscriber == who; ++i)
                _matched.push_back(_routes[i].options);
            if (auto it = _sessions.find(who.session); it != _sessions.end())
                it->second->deliver(msg, _matched, msg->received_at);
        }
    }
    bool publish_delayed(core::message_ptr, std::uint32_t) override { return false; }
    std::uint64_t storage_ticket() const override { return 0; }  // in memory only
    void notify_when_durable(std::uint64_t) override {}
    auth::access_control& access() override { return _access; }
    const router::retained_store& retained() const override { return _retained; }
    channel::frame_cache& qos0_frames() override { return _frames; }
    core::guid next_guid(clock::time_point now) override { return _guids.next(now); }
    std::string assign_client_id() override { return "auto-" + std::to_string(_next_session); }

private:
    session::session_config _cfg;
    router::router _router;
    router::retained_store _retained;
    auth::access_control _access;
    channel::frame_cache _frames;
    core::guid_generator _guids{1, 0};
    std::map<std::uint64_t, std::unique_ptr<session::session>> _sessions;
    std::uint64_t _next_session = 1;
    std::vector<router::route> _routes;
    std::vector<router::subscription_options> _matched;
};

struct client {
    null_io io;
    std::unique_ptr<channel::channel> ch;

    void feed(std::string_view bytes, clock::time_point now) {
        auto buf = ch->read_buffer(bytes.size());
        std::memcpy(buf.data(), bytes.data(), bytes.size());
        ch->on_read(bytes.size(), now);
    }
};

template <class P>
std::string wire(const P& p, protocol_version v) {
    std::string out;
    codec::encode(p, v, out);
    return out;
}

// One publisher and `subscribers` subscribers of k_topic, all speaking `v`; QoS `qos` on
// both sides.
class scenario {
public:
    scenario(protocol_version v, std::uint8_t qos, int subscribers)
        : _v(v), _qos(qos), _now(clock::now()), _broker(_now) {
        _publisher = &connect("pub");
        for (int i = 0; i < subscribers; ++i) {
            client& s = connect("sub-" + std::to_string(i));
            codec::subscribe_packet sp;
            sp.packet_id = 1;
            sp.topics.push_back(codec::subscription_request{k_topic, qos});
            s.feed(wire(sp, v), _now);
            s.io.out.clear();
            _subscribers.push_back(&s);
        }
        for (int i = 0; i < k_batch; ++i) {
            codec::publish_packet p;
            p.qos = qos;
            p.topic = k_topic;
            p.packet_id = qos ? static_cast<std::uint16_t>(i + 1) : 0;
            p.payload = k_payload;
            codec::encode(p, v, _publishes);
        }
    }

    // One read of k_batch PUBLISHes by the publisher, then (QoS 1) one read of the matching
    // PUBACKs by each subscriber. False if anything closed or a subscriber got nothing.
    bool step() {
        _publisher->feed(_publishes, _now);
        _publisher->io.out.clear();
        if (_qos > 0)
            make_pubacks();
        for (client* s : _subscribers) {
            if (s->io.out.empty() && s->io.shared_bytes == 0)
                return false;
            s->io.out.clear();
            s->io.shared_bytes = 0;
            if (_qos > 0)
                s->feed(_pubacks, _now);
        }
        return !_publisher->io.closed;
    }

private:
    client& connect(std::string id) {
        auto c = std::make_unique<client>();
        c->ch = std::make_unique<channel::channel>(_cfg, _broker, c->io, _now);
        codec::connect_packet cp;
        cp.version = _v;
        cp.client_id = std::move(id);
        cp.keep_alive = 300;
        c->feed(wire(cp, _v), _now);
        c->io.out.clear();
        _clients.push_back(std::move(c));
        return *_clients.back();
    }

    // Every subscriber gets the same packet ids: 1, 2, ... wrapping past 65535 to 1.
    void make_pubacks() {
        _pubacks.clear();
        for (int i = 0; i < k_batch; ++i) {
            codec::ack_packet a;
            a.packet_id = _next_id;
            codec::encode(a, _v, _pubacks);
            _next_id = _next_id == 0xFFFF ? 1 : static_cast<std::uint16_t>(_next_id + 1);
        }
    }

    protocol_version _v;
    std::uint8_t _qos;
    clock::time_point _now;
    channel::channel_config _cfg;
    bench_broker _broker;
    std::vector<std::unique_ptr<client>> _clients;
    client* _publisher = nullptr;
    std::vector<client*> _subscribers;
    std::string _publishes;
    std::string _pubacks;
    std::uint16_t _next_id = 1;
};

void publish_path(benchmark::State& state, protocol_version v, std::uint8_t qos, int subscribers) {
    scenario s(v, qos, subscribers);
    measure_start(state);
    for (auto _ : state) {
        if (!s.step()) {
            state.SkipWithError("a client was closed or received nothing");
            break;
        }
    }
    measure_stop(state, state.iterations() * k_batch);
}
BENCHMARK_CAPTURE(publish_path, v3_1_1_qos0_1_sub, protocol_version::v3_1_1, 0, 1);
BENCHMARK_CAPTURE(publish_path, v3_1_1_qos1_1_sub, protocol_version::v3_1_1, 1, 1);
BENCHMARK_CAPTURE(publish_path, v5_qos0_1_sub, protocol_version::v5, 0, 1);
BENCHMARK_CAPTURE(publish_path, v5_qos1_1_sub, protocol_version::v5, 1, 1);
BENCHMARK_CAPTURE(publish_path, v3_1_1_qos0_10_subs, protocol_version::v3_1_1, 0, 10);
BENCHMARK_CAPTURE(publish_path, v3_1_1_qos1_10_subs, protocol_version::v3_1_1, 1, 10);

}  // namespace

EMQD_MICRO_BENCH_MAIN()
