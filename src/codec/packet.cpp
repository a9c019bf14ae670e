// decode() / encode() dispatch and the rules shared by every packet: the fixed-header
// flags (spec 2.1.3) and the v5 Reason Codes each packet may carry (spec 2.4).
//
// Design note: the fixed header is checked once here, before any family decoder runs:
// type 0 is reserved, PUBREL/SUBSCRIBE/UNSUBSCRIBE must carry flags 0b0010 and every other
// packet but PUBLISH 0b0000 [MQTT-2.1.3-1]; a violation is a malformed packet. Reason
// Codes are checked with one 256-bit set per packet type built at compile time.

#include "codec/packet.h"

#include <array>
#include <initializer_list>

#include "codec/detail/decoders.h"
#include "codec/detail/reader.h"
#include "codec/detail/writer.h"

namespace emqd::codec {
namespace {

struct reason_set {
    std::array<std::uint64_t, 4> bits{};
    constexpr reason_set(std::initializer_list<std::uint8_t> codes) {
        for (std::uint8_t c : codes)
            bits[c >> 6] |= std::uint64_t{1} << (c & 63);
    }
    constexpr bool has(std::uint8_t c) const { return (bits[c >> 6] >> (c & 63)) & 1; }
};

// spec 3.2.2.2
constexpr reason_set k_connack{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                               0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
// spec 3.4.2.1, 3.5.2.1
constexpr reason_set k_puback{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
// spec 3.6.2.1, 3.7.2.1
constexpr reason_set k_pubrel{0x00, 0x92};
// spec 3.9.3
constexpr reason_set k_suback{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                              0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
// spec 3.11.3
constexpr reason_set k_unsuback{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
// spec 3.14.2.1
constexpr reason_set k_disconnect{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                  0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                  0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
// spec 3.15.2.1
constexpr reason_set k_auth{0x00, 0x18, 0x19};

// A result holding a P built in place, filled by `fill(P&)` (decoders.h); returned by name
// from one return statement, so the compiler builds it in the caller's result too.
template <class P, class Fill>
core::result<packet> decode_in_place(Fill&& fill) {
    core::result<packet> r(std::in_place, std::in_place_type<P>);
    if (auto st = fill(std::get<P>(r.value())); !st)
        r = st.err();
    return r;
}

}  // namespace

std::size_t frame::wire_size() const {
    return 1 + detail::vbi_size(static_cast<std::uint32_t>(body.size())) + body.size();
}

namespace detail {

core::status check_reason(packet_type t, std::uint8_t code) {
    bool ok = false;
    switch (t) {
        case packet_type::connack:
            ok = k_connack.has(code);
            break;
        case packet_type::puback:
        case packet_type::pubrec:
            ok = k_puback.has(code);
            break;
        case packet_type::pubrel:
        case packet_type::pubcomp:
            ok = k_pubrel.has(code);
            break;
        case packet_type::suback:
            ok = k_suback.has(code);
            break;
        case packet_type::unsuback:
            ok = k_unsuback.has(code);
            break;
        case packet_type::disconnect:
            ok = k_disconnect.has(code);
            break;
        case packet_type::auth:
            ok = k_auth.has(code);
            break;
        default:
            break;
    }
    if (!ok)
        return protocol_error("reason code not allowed in this packet");
    return {};
}

}  // namespace detail

core::result<packet> decode(const frame& f, protocol_version version) {
    const packet_type t = f.type();
    const std::uint8_t expected_flags =
        (t == packet_type::pubrel || t == packet_type::subscribe || t == packet_type::unsubscribe)
            ? 0x02
            : 0x00;
    if (t != packet_type::publish && f.flags() != expected_flags)
        return detail::malformed("reserved fixed-header flags");  // [MQTT-2.1.3-1]
    switch (t) {
        case packet_type::connect:
            return detail::decode_connect(f);
        case packet_type::connack:
            return detail::decode_connack(f, version);
        case packet_type::publish:
            return decode_in_place<publish_packet>(
                [&](publish_packet& p) { return detail::decode_publish(f, version, p); });
        case packet_type::puback:
        case packet_type::pubrec:
        case packet_type::pubrel:
        case packet_type::pubcomp:
            return decode_in_place<ack_packet>(
                [&](ack_packet& p) { return detail::decode_ack(f, version, p); });
        case packet_type::subscribe:
            return detail::decode_subscribe(f, version);
        case packet_type::suback:
            return detail::decode_suback(f, version);
        case packet_type::unsubscribe:
            return detail::decode_unsubscribe(f, version);
        case packet_type::unsuback:
            return detail::decode_unsuback(f, version);
        case packet_type::pingreq:
        case packet_type::pingresp:
            return detail::decode_ping(f);
        case packet_type::disconnect:
            return detail::decode_disconnect(f, version);
        case packet_type::auth:
            return detail::decode_auth(f, version);
    }
    return detail::malformed("reserved packet type 0");  // spec 2.1.2
}

core::result<protocol_version> peek_connect_version(const frame& f) {
    if (f.type() != packet_type::connect)
        return detail::protocol_error("not a CONNECT packet");
    return detail::decode_connect_version(f);
}

std::size_t encode(const packet& p, protocol_version v, std::string& out) {
    return std::visit(
        [&](const auto& pk) -> std::size_t {
            if constexpr (std::is_same_v<std::decay_t<decltype(pk)>, connect_packet>) {
                return encode(pk, out);
            } else {
                return encode(pk, v, out);
            }
        },
        p);
}

}  // namespace emqd::codec
