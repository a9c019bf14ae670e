// Design note: the fuzz property is "decode never crashes, and decode is a left inverse
// of encode on everything decode accepts". For a frame F decoded into P, encode(P) = E1 must
// itself be one well-framed packet that decodes into P' with encode(P') = E1 again. We
// compare encodings rather than the original bytes because encode() normalises (property
// order, short v5 forms), and rather than packets because the structs have no operator==.

#include "codec_fuzz_target.h"

#include <algorithm>
#include <span>
#include <string_view>

#include "codec/packet.h"
#include "codec/stream_parser.h"

namespace emqd::fuzz {
namespace {

using codec::protocol_version;

std::span<const std::uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string check_round_trip(const codec::packet& p, protocol_version v) {
    std::string first;
    const std::size_t n = codec::encode(p, v, first);
    if (n != first.size())
        return "encode() returned a wrong size";
    codec::stream_parser parser(0xFFFFFFFF);
    parser.feed(bytes_of(first));
    auto cut = parser.next();
    if (!cut)
        return std::string("re-encoded packet does not frame: ") + cut.err().what;
    if (!*cut)
        return "re-encoded packet is incomplete";
    const codec::frame& f = **cut;
    if (f.wire_size() != first.size())
        return "re-encoded packet has trailing bytes";
    auto again = codec::decode(f, v);
    if (!again)
        return std::string("re-encoded packet does not decode: ") + again.err().what;
    if (again->index() != p.index())
        return "re-decoded packet has another type";
    if (const auto* c = std::get_if<codec::connect_packet>(&p)) {
        auto peek = codec::peek_connect_version(f);
        if (!peek || *peek != c->version)
            return "peek_connect_version disagrees";
    }
    std::string second;
    codec::encode(*again, v, second);
    if (second != first)
        return "encode(decode(encode(p))) != encode(p)";
    return {};
}

}  // namespace

std::string run_codec_input(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return {};
    const std::uint8_t control = data[0];
    // High bit clear: generous limit. Set: a small limit, to exercise packet_too_large.
    const std::uint32_t max_size = (control & 0x80) ? 2u + (control & 0x7Fu) * 4u : 1u << 20;
    const std::size_t chunk = 1 + (control * 7u) % 61u;
    codec::stream_parser parser(max_size);
    std::size_t pos = 1;
    while (true) {
        auto r = parser.next();
        if (!r)
            return {};  // a malformed stream is a fine outcome; the connection closes
        if (*r) {
            const codec::frame f = **r;
            if (f.wire_size() > max_size)
                return "frame larger than max_packet_size";
            for (auto v :
                 {protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5}) {
                auto p = codec::decode(f, v);
                if (!p)
                    continue;
                if (auto err = check_round_trip(*p, v); !err.empty())
                    return err;
            }
            continue;
        }
        if (pos >= size)
            break;
        const std::size_t n = std::min(chunk, size - pos);
        parser.feed({data + pos, n});
        pos += n;
    }
    if (parser.buffered() == 0 && parser.capacity() != 0)
        return "drained parser keeps memory";
    return {};
}

}  // namespace emqd::fuzz
