// CONNECT and CONNACK (spec 3.1, 3.2) for MQTT 3.1 ("MQIsdp"/3), 3.1.1 ("MQTT"/4) and
// 5.0 ("MQTT"/5).
//
// Design note: CONNECT is decoded in wire order -- protocol name and level, flags, keep
// alive, v5 properties, then the payload fields the flags announce (client id, will
// properties/topic/payload, user name, password). The protocol level decides every later
// rule, so an unknown name/level stops decoding with unsupported_protocol_version before
// anything else is looked at. Rules checked here, with their spec references:
//   reserved flag bit 0 must be 0                        [MQTT-3.1.2-3]   malformed
//   will flag 0 => will QoS 0 and will retain 0          [MQTT-3.1.2-11,13,15] malformed
//   will QoS 3                                           [MQTT-3.1.2-14]  malformed
//   3.1/3.1.1: password flag needs the user name flag   [MQTT-3.1.2-22]  malformed
//   Authentication Data without Authentication Method    spec 3.1.2.11.10 protocol error

#include <cstring>

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

constexpr std::uint8_t k_flag_username = 0x80;
constexpr std::uint8_t k_flag_password = 0x40;
constexpr std::uint8_t k_flag_will_retain = 0x20;
constexpr std::uint8_t k_flag_will = 0x04;
constexpr std::uint8_t k_flag_clean = 0x02;
constexpr std::uint8_t k_flag_reserved = 0x01;

core::status read_version(reader& r, protocol_version& v) {
    std::string_view name;
    std::uint8_t level = 0;
    EMQD_CODEC_TRY(r.utf8(name));
    EMQD_CODEC_TRY(r.u8(level));
    if (name == "MQTT" && (level == 4 || level == 5)) {
        v = static_cast<protocol_version>(level);
    } else if (name == "MQIsdp" && level == 3) {
        v = protocol_version::v3_1;
    } else {  // [MQTT-3.1.2-1], [MQTT-3.1.2-2]
        return core::fail(core::reason_code::unsupported_protocol_version,
                          "unsupported protocol name or level");
    }
    return {};
}

core::status check_auth_props(const std::optional<std::string>& method,
                              const std::optional<std::string>& data) {
    if (data && !method)
        return protocol_error("Authentication Data without Method");
    return {};
}

core::status read_connect_properties(reader& r, connect_properties& cp) {
    EMQD_CODEC_TRY(detail::read_properties(r, prop_set::connect, [&](const property& p) {
        switch (p.id) {
            case prop::session_expiry_interval:
                cp.session_expiry_interval = p.num;
                break;
            case prop::receive_maximum:
                cp.receive_maximum = static_cast<std::uint16_t>(p.num);
                break;
            case prop::maximum_packet_size:
                cp.maximum_packet_size = p.num;
                break;
            case prop::topic_alias_maximum:
                cp.topic_alias_maximum = static_cast<std::uint16_t>(p.num);
                break;
            case prop::request_response_information:
                cp.request_response_information = static_cast<std::uint8_t>(p.num);
                break;
            case prop::request_problem_information:
                cp.request_problem_information = static_cast<std::uint8_t>(p.num);
                break;
            case prop::user_property:
                cp.user.emplace_back(p.str, p.value);
                break;
            case prop::authentication_method:
                cp.authentication_method.emplace(p.str);
                break;
            case prop::authentication_data:
                cp.authentication_data.emplace(p.str);
                break;
            default:
                break;
        }
        return core::status{};
    }));
    return check_auth_props(cp.authentication_method, cp.authentication_data);
}

core::status read_will(reader& r, protocol_version v, will_message& w) {
    if (is_v5(v)) {  // Will Properties, spec 3.1.3.2
        EMQD_CODEC_TRY(detail::read_properties(r, prop_set::will, [&](const property& p) {
            if (p.id == prop::will_delay_interval) {
                w.will_delay_interval = p.num;
            } else {
                detail::store_message_property(p, w.props);
            }
            return core::status{};
        }));
    }
    std::string_view topic, payload;
    EMQD_CODEC_TRY(r.utf8(topic));  // [MQTT-3.1.3-11]
    EMQD_CODEC_TRY(core::validate_topic_name(topic));
    EMQD_CODEC_TRY(r.binary(payload));
    w.topic.assign(topic);
    w.payload.assign(payload);
    return {};
}

}  // namespace

namespace detail {

core::result<protocol_version> decode_connect_version(const frame& f) {
    reader r(f.body);
    protocol_version v{};
    EMQD_CODEC_TRY(read_version(r, v));
    return v;
}

core::result<packet> decode_connect(const frame& f) {
    reader r(f.body);
    connect_packet p;
    EMQD_CODEC_TRY(read_version(r, p.version));
    std::uint8_t flags = 0;
    EMQD_CODEC_TRY(r.u8(flags));
    EMQD_CODEC_TRY(r.u16(p.keep_alive));
    if (flags & k_flag_reserved)
        return malformed("CONNECT reserved flag set");
    const bool will = flags & k_flag_will;
    const std::uint8_t will_qos = (flags >> 3) & 0x03;
    const bool will_retain = flags & k_flag_will_retain;
    if (!will && (will_qos != 0 || will_retain))
        return malformed("will QoS/retain without will");
    if (will_qos == 3)
        return malformed("will QoS 3");
    const bool has_user = flags & k_flag_username;
    const bool has_pass = flags & k_flag_password;
    if (!is_v5(p.version) && has_pass && !has_user)
        return malformed("password without user name");
    p.clean_start = flags & k_flag_clean;
    if (is_v5(p.version))
        EMQD_CODEC_TRY(read_connect_properties(r, p.props));

    std::string_view client_id;
    EMQD_CODEC_TRY(r.utf8(client_id));  // [MQTT-3.1.3-4]
    p.client_id.assign(client_id);
    if (will) {
        will_message& w = p.will.emplace();
        w.qos = will_qos;
        w.retain = will_retain;
        EMQD_CODEC_TRY(read_will(r, p.version, w));
    }
    if (has_user) {
        std::string_view user;
        EMQD_CODEC_TRY(r.utf8(user));  // [MQTT-3.1.3-11]
        p.username.emplace(user);
    }
    if (has_pass) {
        std::string_view pass;
        EMQD_CODEC_TRY(r.binary(pass));
        p.password.emplace(pass);
    }
    if (!r.empty())
        return malformed("trailing bytes in CONNECT");
    return packet{std::move(p)};
}

core::result<packet> decode_connack(const frame& f, protocol_version v) {
    reader r(f.body);
    connack_packet p;
    std::uint8_t flags = 0, code = 0;
    EMQD_CODEC_TRY(r.u8(flags));
    EMQD_CODEC_TRY(r.u8(code));
    if (v == protocol_version::v3_1) {
        flags = 0;  // 3.1: the whole first byte is reserved and ignored
    }
    if (flags & 0xFE)
        return malformed("CONNACK reserved flags set");  // [MQTT-3.2.2-1]
    p.session_present = flags & 0x01;
    if (!is_v5(v)) {
        static constexpr core::reason_code k_v3[] = {
            core::reason_code::success,
            core::reason_code::unsupported_protocol_version,
            core::reason_code::client_identifier_not_valid,
            core::reason_code::server_unavailable,
            core::reason_code::bad_user_name_or_password,
            core::reason_code::not_authorized,
        };
        if (code >= std::size(k_v3))
            return malformed("unknown CONNACK return code");
        p.reason = k_v3[code];
        if (!r.empty())
            return malformed("trailing bytes in CONNACK");
        return packet{std::move(p)};
    }
    EMQD_CODEC_TRY(check_reason(packet_type::connack, code));
    p.reason = static_cast<core::reason_code>(code);
    connack_properties& cp = p.props;
    EMQD_CODEC_TRY(read_properties(r, prop_set::connack, [&](const property& pr) {
        const auto u8 = static_cast<std::uint8_t>(pr.num);
        const auto u16 = static_cast<std::uint16_t>(pr.num);
        switch (pr.id) {
            case prop::session_expiry_interval:
                cp.session_expiry_interval = pr.num;
                break;
            case prop::receive_maximum:
                cp.receive_maximum = u16;
                break;
            case prop::maximum_qos:
                cp.maximum_qos = u8;
                break;
            case prop::retain_available:
                cp.retain_available = u8;
                break;
            case prop::maximum_packet_size:
                cp.maximum_packet_size = pr.num;
                break;
            case prop::assigned_client_identifier:
                cp.assigned_client_identifier.emplace(pr.str);
                break;
            case prop::topic_alias_maximum:
                cp.topic_alias_maximum = u16;
                break;
            case prop::reason_string:
                cp.reason_string.emplace(pr.str);
                break;
            case prop::user_property:
                cp.user.emplace_back(pr.str, pr.value);
                break;
            case prop::wildcard_subscription_available:
                cp.wildcard_subscription_available = u8;
                break;
            case prop::subscription_identifier_available:
                cp.subscription_identifiers_available = u8;
                break;
            case prop::shared_subscription_available:
                cp.shared_subscription_available = u8;
                break;
            case prop::server_keep_alive:
                cp.server_keep_alive = u16;
                break;
            case prop::response_information:
                cp.response_information.emplace(pr.str);
                break;
            case prop::server_reference:
                cp.server_reference.emplace(pr.str);
                break;
            case prop::authentication_method:
                cp.authentication_method.emplace(pr.str);
                break;
            case prop::authentication_data:
                cp.authentication_data.emplace(pr.str);
                break;
            default:
                break;
        }
        return core::status{};
    }));
    EMQD_CODEC_TRY(check_auth_props(cp.authentication_method, cp.authentication_data));
    if (!r.empty())
        return malformed("trailing bytes in CONNACK");
    return packet{std::move(p)};
}

}  // namespace detail

std::size_t encode(const connect_packet& p, std::string& out) {
    const protocol_version v = p.version;
    std::uint8_t flags = 0;
    if (p.username)
        flags |= k_flag_username;
    if (p.password)
        flags |= k_flag_password;
    if (p.will) {
        flags |= k_flag_will | static_cast<std::uint8_t>((p.will->qos & 0x03) << 3);
        if (p.will->retain)
            flags |= k_flag_will_retain;
    }
    if (p.clean_start)
        flags |= k_flag_clean;
    return detail::write_packet(0x10, out, [&](auto& w) {
        w.str(v == protocol_version::v3_1 ? "MQIsdp" : "MQTT");
        w.u8(static_cast<std::uint8_t>(v));
        w.u8(flags);
        w.u16(p.keep_alive);
        if (is_v5(v)) {
            detail::write_properties(w, [&](auto& pw) {
                const connect_properties& cp = p.props;
                pw.opt_u32(prop::session_expiry_interval, cp.session_expiry_interval);
                pw.opt_u16(prop::receive_maximum, cp.receive_maximum);
                pw.opt_u32(prop::maximum_packet_size, cp.maximum_packet_size);
                pw.opt_u16(prop::topic_alias_maximum, cp.topic_alias_maximum);
                pw.opt_u8(prop::request_response_information, cp.request_response_information);
                pw.opt_u8(prop::request_problem_information, cp.request_problem_information);
                detail::write_user_properties(pw, cp.user);
                pw.opt_str(prop::authentication_method, cp.authentication_method);
                pw.opt_str(prop::authentication_data, cp.authentication_data);
            });
        }
        w.str(p.client_id);
        if (p.will) {
            if (is_v5(v)) {
                detail::write_properties(w, [&](auto& pw) {
                    if (p.will->will_delay_interval)
                        pw.prop_u32(prop::will_delay_interval, p.will->will_delay_interval);
                    detail::write_message_properties(pw, p.will->props,
                                                     p.will->props.message_expiry_interval);
                });
            }
            w.str(p.will->topic);
            w.str(p.will->payload);
        }
        if (p.username)
            w.str(*p.username);
        if (p.password)
            w.str(*p.password);
    });
}

std::size_t encode(const connack_packet& p, protocol_version v, std::string& out) {
    return detail::write_packet(0x20, out, [&](auto& w) {
        // 3.1 has no Session Present flag: the byte is reserved.
        w.u8(p.session_present && v != protocol_version::v3_1 ? 0x01 : 0x00);
        if (!is_v5(v)) {
            w.u8(core::to_v3_connack_code(p.reason));  // spec 3.2.2.3 (3.1.1)
            return;
        }
        w.u8(core::to_byte(p.reason));
        detail::write_properties(w, [&](auto& pw) {
            const connack_properties& cp = p.props;
            pw.opt_u32(prop::session_expiry_interval, cp.session_expiry_interval);
            pw.opt_u16(prop::receive_maximum, cp.receive_maximum);
            pw.opt_u8(prop::maximum_qos, cp.maximum_qos);
            pw.opt_u8(prop::retain_available, cp.retain_available);
            pw.opt_u32(prop::maximum_packet_size, cp.maximum_packet_size);
            pw.opt_str(prop::assigned_client_identifier, cp.assigned_client_identifier);
            pw.opt_u16(prop::topic_alias_maximum, cp.topic_alias_maximum);
            pw.opt_str(prop::reason_string, cp.reason_string);
            detail::write_user_properties(pw, cp.user);
            pw.opt_u8(prop::wildcard_subscription_available, cp.wildcard_subscription_available);
            pw.opt_u8(prop::subscription_identifier_available,
                      cp.subscription_identifiers_available);
            pw.opt_u8(prop::shared_subscription_available, cp.shared_subscription_available);
            pw.opt_u16(prop::server_keep_alive, cp.server_keep_alive);
            pw.opt_str(prop::response_information, cp.response_information);
            pw.opt_str(prop::server_reference, cp.server_reference);
            pw.opt_str(prop::authentication_method, cp.authentication_method);
            pw.opt_str(prop::authentication_data, cp.authentication_data);
        });
    });
}

}  // namespace emqd::codec
