// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (spec 3.8 - 3.11).
//
// Design note: a topic filter that is well-formed UTF-8 but not a valid filter (misplaced
// wildcard, empty) does NOT fail the decode: it is a per-subscription failure that the
// channel answers with 0x8F in the SUBACK/UNSUBACK slot of that filter, while the other
// filters of the same packet proceed. Bad UTF-8 in a filter is a malformed packet.
// Rules checked here:
//   packet identifier 0                           [MQTT-2.2.1-3]  protocol error
//   no topic filter in the payload                [MQTT-3.8.3-3], [MQTT-3.10.3-2]  protocol error
//   requested QoS 3                               [MQTT-3.8.3-4]  malformed
//   reserved bits in Subscription Options         [MQTT-3.8.3-5]  protocol error
//   Retain Handling 3                             spec 3.8.3.1    protocol error
//   No Local on a shared subscription             [MQTT-3.8.3-4] (v5)  protocol error
//   more than one Subscription Identifier         spec 3.8.2.1.2  protocol error

#include "codec/detail/decoders.h"
#include "codec/detail/properties.h"
#include "codec/detail/reader.h"
#include "codec/detail/writer.h"
#include "codec/packet.h"
#include "core/topic.h"

namespace emqd::codec {
namespace {

using detail::malformed;
using detail::prop_set;
using detail::property;
using detail::protocol_error;
using detail::reader;
namespace prop = detail::prop;

/// Reason String and User Property: the only properties of SUBACK and UNSUBACK.
template <class Packet>
core::status read_ack_properties(reader& r, prop_set set, Packet& p) {
    return detail::read_properties(r, set, [&](const property& pr) {
        if (pr.id == prop::reason_string) {
            p.reason_string.emplace(pr.str);
        } else if (pr.id == prop::user_property) {
            p.user.emplace_back(pr.str, pr.value);
        }
        return core::status{};
    });
}

core::status read_user_only(reader& r, prop_set set, core::user_properties& user) {
    return detail::read_properties(r, set, [&](const property& pr) {
        if (pr.id == prop::user_property)
            user.emplace_back(pr.str, pr.value);
        return core::status{};
    });
}

template <class Sink, class Packet>
void write_ack_properties(Sink& w, const Packet& p) {
    detail::write_properties(w, [&](auto& pw) {
        pw.opt_str(prop::reason_string, p.reason_string);
        detail::write_user_properties(pw, p.user);
    });
}

}  // namespace

namespace detail {

core::result<packet> decode_subscribe(const frame& f, protocol_version v) {
    reader r(f.body);
    subscribe_packet p;
    EMQD_CODEC_TRY(r.packet_id(p.packet_id));
    if (is_v5(v)) {
        EMQD_CODEC_TRY(read_properties(r, prop_set::subscribe, [&](const property& pr) {
            if (pr.id == prop::subscription_identifier) {
                p.subscription_identifier = pr.num;
            } else if (pr.id == prop::user_property) {
                p.user.emplace_back(pr.str, pr.value);
            }
            return core::status{};
        }));
    }
    if (r.empty())
        return protocol_error("SUBSCRIBE without topic filters");
    while (!r.empty()) {
        std::string_view filter;
        std::uint8_t options = 0;
        EMQD_CODEC_TRY(r.utf8(filter));
        EMQD_CODEC_TRY(r.u8(options));
        subscription_request s;
        s.qos = options & 0x03;
        if (s.qos == 3)
            return malformed("subscription QoS 3");
        if (is_v5(v)) {  // spec 3.8.3.1
            s.no_local = options & 0x04;
            s.retain_as_published = options & 0x08;
            s.retain_handling = (options >> 4) & 0x03;
            if (options & 0xC0)
                return protocol_error("reserved subscription option bits");
            if (s.retain_handling == 3)
                return protocol_error("Retain Handling 3");
            if (s.no_local && core::is_shared_filter(filter))  // [MQTT-3.8.3-4]
                return protocol_error("No Local on a shared subscription");
        } else if (options & 0xFC) {  // [MQTT-3-8.3-4] (3.1.1)
            return protocol_error("reserved subscription option bits");
        }
        s.filter.assign(filter);
        p.topics.push_back(std::move(s));
    }
    return packet{std::move(p)};
}

core::result<packet> decode_suback(const frame& f, protocol_version v) {
    reader r(f.body);
    suback_packet p;
    EMQD_CODEC_TRY(r.packet_id(p.packet_id));
    if (is_v5(v))
        EMQD_CODEC_TRY(read_ack_properties(r, prop_set::suback, p));
    if (r.empty())
        return protocol_error("SUBACK without return codes");
    while (!r.empty()) {
        std::uint8_t code = 0;
        EMQD_CODEC_TRY(r.u8(code));
        if (is_v5(v)) {
            EMQD_CODEC_TRY(check_reason(packet_type::suback, code));
        } else if (code > 2 && code != 0x80) {  // [MQTT-3.9.3-2]
            return malformed("invalid SUBACK return code");
        }
        p.reasons.push_back(static_cast<core::reason_code>(code));
    }
    return packet{std::move(p)};
}

core::result<packet> decode_unsubscribe(const frame& f, protocol_version v) {
    reader r(f.body);
    unsubscribe_packet p;
    EMQD_CODEC_TRY(r.packet_id(p.packet_id));
    if (is_v5(v))
        EMQD_CODEC_TRY(read_user_only(r, prop_set::unsubscribe, p.user));
    if (r.empty())
        return protocol_error("UNSUBSCRIBE without topic filters");
    while (!r.empty()) {
        std::string_view filter;
        EMQD_CODEC_TRY(r.utf8(filter));
        p.filters.emplace_back(filter);
    }
    return packet{std::move(p)};
}

core::result<packet> decode_unsuback(const frame& f, protocol_version v) {
    reader r(f.body);
    unsuback_packet p;
    EMQD_CODEC_TRY(r.packet_id(p.packet_id));
    if (is_v5(v)) {
        EMQD_CODEC_TRY(read_ack_properties(r, prop_set::unsuback, p));
        if (r.empty())
            return protocol_error("UNSUBACK without reason codes");
        while (!r.empty()) {
            std::uint8_t code = 0;
            EMQD_CODEC_TRY(r.u8(code));
            EMQD_CODEC_TRY(check_reason(packet_type::unsuback, code));
            p.reasons.push_back(static_cast<core::reason_code>(code));
        }
    }
    if (!r.empty())
        return malformed("trailing bytes in UNSUBACK");  // 3.x: no payload
    return packet{std::move(p)};
}

}  // namespace detail

std::size_t encode(const subscribe_packet& p, protocol_version v, std::string& out) {
    return detail::write_packet(0x82, out, [&](auto& w) {  // [MQTT-3.8.1-1] flags 0b0010
        w.u16(p.packet_id);
        if (is_v5(v)) {
            detail::write_properties(w, [&](auto& pw) {
                pw.opt_vbi(prop::subscription_identifier, p.subscription_identifier);
                detail::write_user_properties(pw, p.user);
            });
        }
        for (const subscription_request& s : p.topics) {
            w.str(s.filter);
            std::uint8_t options = s.qos & 0x03;
            if (is_v5(v)) {
                if (s.no_local)
                    options |= 0x04;
                if (s.retain_as_published)
                    options |= 0x08;
                options |= static_cast<std::uint8_t>((s.retain_handling & 0x03) << 4);
            }
            w.u8(options);
        }
    });
}

std::size_t encode(const suback_packet& p, protocol_version v, std::string& out) {
    return detail::write_packet(0x90, out, [&](auto& w) {
        w.u16(p.packet_id);
        if (is_v5(v))
            write_ack_properties(w, p);
        for (core::reason_code rc : p.reasons) {
            // 3.1.1: every failure is 0x80 [MQTT-3.9.3-2]; 3.1 has none and gets 0x80 too.
            w.u8(!is_v5(v) && core::is_error(rc) ? 0x80 : core::to_byte(rc));
        }
    });
}

std::size_t encode(const unsubscribe_packet& p, protocol_version v, std::string& out) {
    return detail::write_packet(0xA2, out, [&](auto& w) {  // [MQTT-3.10.1-1] flags 0b0010
        w.u16(p.packet_id);
        if (is_v5(v)) {
            detail::write_properties(w,
                                     [&](auto& pw) { detail::write_user_properties(pw, p.user); });
        }
        for (const std::string& filter : p.filters)
            w.str(filter);
    });
}

std::size_t encode(const unsuback_packet& p, protocol_version v, std::string& out) {
    return detail::write_packet(0xB0, out, [&](auto& w) {
        w.u16(p.packet_id);
        if (!is_v5(v))
            return;  // 3.1.1 UNSUBACK has no payload
        write_ack_properties(w, p);
        for (core::reason_code rc : p.reasons)
            w.u8(core::to_byte(rc));
    });
}

}  // namespace emqd::codec
