// PUBLISH (spec 3.3) and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (3.4 - 3.7).
//
// Design note: this is the hot path. Decoding a PUBLISH returns views of the topic and
// payload into the frame, and checks a plain ASCII topic in a single scan (UTF-8, NUL and
// wildcards at once; the level limit is the channel's, which counts nothing for a topic
// shorter than it); only v5 message properties (owned strings in
// core::message_properties) allocate, and only when present. Decoding fills a packet that
// decode() built in place in its result (decoders.h). Encoding runs the body twice (count,
// then write into space sized once, writer.h), so it needs no temporaries.
// Rules checked here:
//   QoS 3                                     [MQTT-3.3.1-4]  malformed
//   DUP set on a QoS 0 message                [MQTT-3.3.1-2]  malformed
//   topic with wildcards                      [MQTT-3.3.2-2]  topic name invalid
//   empty topic without a v5 Topic Alias      [MQTT-3.3.2-1], spec 3.3.2.3.4  topic name invalid
//   packet identifier 0                       [MQTT-2.2.1-3]  protocol error
//   PUBREL fixed-header flags 0b0010          [MQTT-3.6.1-1]  malformed (checked in packet.cpp)

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

}  // namespace

namespace detail {

core::status decode_publish(const frame& f, protocol_version v, publish_packet& p) {
    const std::uint8_t flags = f.flags();
    p.retain = flags & 0x01;
    p.qos = (flags >> 1) & 0x03;
    p.dup = flags & 0x08;
    if (p.qos == 3)
        return malformed("PUBLISH QoS 3");
    if (p.dup && p.qos == 0)
        return malformed("DUP set on QoS 0 PUBLISH");

    reader r(f.body);
    // One scan of the topic in the common case: plain ASCII is valid UTF-8 and, if not
    // empty, a valid name. Any other topic takes both exact checks, each where it always
    // was, so the error reported for a packet with several faults is unchanged.
    EMQD_CODEC_TRY(r.binary(p.topic));
    const bool plain_topic = core::is_plain_topic_name(p.topic);
    if (!plain_topic && !detail::valid_mqtt_utf8(p.topic))
        return malformed("invalid UTF-8 string");  // [MQTT-3.3.2-1], as reader::utf8
    if (p.qos > 0)
        EMQD_CODEC_TRY(r.packet_id(p.packet_id));
    if (is_v5(v)) {
        EMQD_CODEC_TRY(read_properties(r, prop_set::publish, [&](const property& pr) {
            if (pr.id == prop::topic_alias) {
                p.topic_alias = static_cast<std::uint16_t>(pr.num);
            } else if (pr.id == prop::subscription_identifier) {
                p.subscription_identifiers.push_back(pr.num);
            } else {
                store_message_property(pr, p.props);
            }
            return core::status{};
        }));
    }
    if (p.topic.empty()) {
        if (!p.topic_alias)
            return core::fail(core::reason_code::topic_name_invalid, "empty topic");
    } else if (!plain_topic) {
        EMQD_CODEC_TRY(core::validate_topic_name(p.topic));
    }
    p.payload = r.rest();
    return {};
}

core::status decode_ack(const frame& f, protocol_version v, ack_packet& p) {
    reader r(f.body);
    p.type = f.type();
    EMQD_CODEC_TRY(r.packet_id(p.packet_id));
    if (is_v5(v) && !r.empty()) {  // spec 3.4.2.1: reason and properties may be omitted
        std::uint8_t code = 0;
        EMQD_CODEC_TRY(r.u8(code));
        EMQD_CODEC_TRY(check_reason(p.type, code));
        p.reason = static_cast<core::reason_code>(code);
        if (!r.empty()) {
            EMQD_CODEC_TRY(read_properties(r, prop_set::puback, [&](const property& pr) {
                if (pr.id == prop::reason_string) {
                    p.reason_string.emplace(pr.str);
                } else if (pr.id == prop::user_property) {
                    p.user.emplace_back(pr.str, pr.value);
                }
                return core::status{};
            }));
        }
    }
    if (!r.empty())
        return malformed("trailing bytes in acknowledgement");
    return {};
}

}  // namespace detail

namespace {

std::size_t encode_publish(const publish_view& p, protocol_version v, std::string& out,
                           bool with_payload) {
    std::uint8_t header = 0x30 | static_cast<std::uint8_t>((p.qos & 0x03) << 1);
    if (p.dup)
        header |= 0x08;
    if (p.retain)
        header |= 0x01;
    static const core::message_properties none;
    const core::message_properties& mp = p.props ? *p.props : none;
    const std::optional<std::uint32_t> expiry =
        p.message_expiry_override ? p.message_expiry_override : mp.message_expiry_interval;
    return detail::write_packet(
        header, out,
        [&](auto& w) {
            w.str(p.topic);
            if (p.qos > 0)
                w.u16(p.packet_id);
            if (is_v5(v)) {
                detail::write_properties(w, [&](auto& pw) {
                    pw.opt_u16(prop::topic_alias, p.topic_alias);
                    for (std::uint32_t id : p.subscription_identifiers)
                        pw.prop_vbi(prop::subscription_identifier, id);
                    detail::write_message_properties(pw, mp, expiry);
                });
            }
            if (with_payload)
                w.bytes(p.payload);
        },
        with_payload ? 0 : p.payload.size());
}

}  // namespace

std::size_t encode(const publish_packet& p, protocol_version v, std::string& out) {
    publish_view view;
    view.qos = p.qos;
    view.retain = p.retain;
    view.dup = p.dup;
    view.topic = p.topic;
    view.packet_id = p.packet_id;
    view.payload = p.payload;
    view.topic_alias = p.topic_alias;
    view.subscription_identifiers = p.subscription_identifiers;
    view.props = &p.props;
    return encode_publish(view, v, out, true);
}

std::size_t encode(const publish_view& p, protocol_version v, std::string& out) {
    return encode_publish(p, v, out, true);
}

std::size_t encode_publish_header(const publish_view& p, protocol_version v, std::string& out) {
    return encode_publish(p, v, out, false);
}

std::size_t encode(const ack_packet& p, protocol_version v, std::string& out) {
    // [MQTT-3.6.1-1]: PUBREL has flags 0b0010; the others 0.
    const std::uint8_t header = static_cast<std::uint8_t>(
        (static_cast<std::uint8_t>(p.type) << 4) | (p.type == packet_type::pubrel ? 0x02 : 0x00));
    return detail::write_packet(header, out, [&](auto& w) {
        w.u16(p.packet_id);
        if (!is_v5(v))
            return;
        const bool has_props = p.reason_string || !p.user.empty();
        if (p.reason == core::reason_code::success && !has_props)
            return;  // spec 3.4.2.1
        w.u8(core::to_byte(p.reason));
        if (!has_props)
            return;  // spec 3.4.2.2.1: property length may be omitted
        detail::write_properties(w, [&](auto& pw) {
            pw.opt_str(prop::reason_string, p.reason_string);
            detail::write_user_properties(pw, p.user);
        });
    });
}

}  // namespace emqd::codec
