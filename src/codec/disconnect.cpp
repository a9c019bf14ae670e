// DISCONNECT (spec 3.14), AUTH (3.15), PINGREQ and PINGRESP (3.12, 3.13).
//
// Design note: in v5 both DISCONNECT and AUTH may end early: Remaining Length 0 means
// reason 0x00 and no properties, and a lone reason byte means no properties (spec
// 3.14.2.1, 3.15.2.1). The encoders use the shortest such form, so a plain DISCONNECT is
// the same two bytes (E0 00) in every version. In 3.1/3.1.1 DISCONNECT and the PINGs have
// no body, and AUTH does not exist (packet type 15 is reserved there: malformed).

#include "codec/detail/decoders.h"
#include "codec/detail/properties.h"
#include "codec/detail/reader.h"
#include "codec/detail/writer.h"
#include "codec/packet.h"

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

core::result<packet> decode_ping(const frame& f) {
    if (!f.body.empty())
        return malformed("PINGREQ/PINGRESP with a body");
    if (f.type() == packet_type::pingreq)
        return packet{pingreq_packet{}};
    return packet{pingresp_packet{}};
}

core::result<packet> decode_disconnect(const frame& f, protocol_version v) {
    reader r(f.body);
    disconnect_packet p;
    if (is_v5(v) && !r.empty()) {
        std::uint8_t code = 0;
        EMQD_CODEC_TRY(r.u8(code));
        EMQD_CODEC_TRY(check_reason(packet_type::disconnect, code));
        p.reason = static_cast<core::reason_code>(code);
        if (!r.empty()) {
            EMQD_CODEC_TRY(read_properties(r, prop_set::disconnect, [&](const property& pr) {
                switch (pr.id) {
                    case prop::session_expiry_interval:
                        p.session_expiry_interval = pr.num;
                        break;
                    case prop::reason_string:
                        p.reason_string.emplace(pr.str);
                        break;
                    case prop::server_reference:
                        p.server_reference.emplace(pr.str);
                        break;
                    case prop::user_property:
                        p.user.emplace_back(pr.str, pr.value);
                        break;
                    default:
                        break;
                }
                return core::status{};
            }));
        }
    }
    if (!r.empty())
        return malformed("trailing bytes in DISCONNECT");
    return packet{std::move(p)};
}

core::result<packet> decode_auth(const frame& f, protocol_version v) {
    if (!is_v5(v))
        return malformed("AUTH before MQTT 5.0");  // reserved type in 3.1.1
    reader r(f.body);
    auth_packet p;
    if (!r.empty()) {
        std::uint8_t code = 0;
        EMQD_CODEC_TRY(r.u8(code));
        EMQD_CODEC_TRY(check_reason(packet_type::auth, code));
        p.reason = static_cast<core::reason_code>(code);
        if (!r.empty()) {
            EMQD_CODEC_TRY(read_properties(r, prop_set::auth, [&](const property& pr) {
                switch (pr.id) {
                    case prop::authentication_method:
                        p.authentication_method.emplace(pr.str);
                        break;
                    case prop::authentication_data:
                        p.authentication_data.emplace(pr.str);
                        break;
                    case prop::reason_string:
                        p.reason_string.emplace(pr.str);
                        break;
                    case prop::user_property:
                        p.user.emplace_back(pr.str, pr.value);
                        break;
                    default:
                        break;
                }
                return core::status{};
            }));
        }
    }
    if (p.authentication_data && !p.authentication_method)  // spec 3.15.2.2.3
        return protocol_error("Authentication Data without Method");
    if (!r.empty())
        return malformed("trailing bytes in AUTH");
    return packet{std::move(p)};
}

}  // namespace detail

std::size_t encode(const pingreq_packet&, protocol_version, std::string& out) {
    return detail::write_packet(0xC0, out, [](auto&) {});
}

std::size_t encode(const pingresp_packet&, protocol_version, std::string& out) {
    return detail::write_packet(0xD0, out, [](auto&) {});
}

std::size_t encode(const disconnect_packet& p, protocol_version v, std::string& out) {
    return detail::write_packet(0xE0, out, [&](auto& w) {
        if (!is_v5(v))
            return;
        const bool has_props =
            p.session_expiry_interval || p.reason_string || p.server_reference || !p.user.empty();
        if (p.reason == core::reason_code::success && !has_props)
            return;
        w.u8(core::to_byte(p.reason));
        if (!has_props)
            return;
        detail::write_properties(w, [&](auto& pw) {
            pw.opt_u32(prop::session_expiry_interval, p.session_expiry_interval);
            pw.opt_str(prop::reason_string, p.reason_string);
            pw.opt_str(prop::server_reference, p.server_reference);
            detail::write_user_properties(pw, p.user);
        });
    });
}

/// AUTH exists only in v5; it is encoded in its v5 form whatever `v` says.
std::size_t encode(const auth_packet& p, protocol_version, std::string& out) {
    return detail::write_packet(0xF0, out, [&](auto& w) {
        const bool has_props =
            p.authentication_method || p.authentication_data || p.reason_string || !p.user.empty();
        if (p.reason == core::reason_code::success && !has_props)
            return;
        w.u8(core::to_byte(p.reason));
        if (!has_props)
            return;
        detail::write_properties(w, [&](auto& pw) {
            pw.opt_str(prop::authentication_method, p.authentication_method);
            pw.opt_str(prop::authentication_data, p.authentication_data);
            pw.opt_str(prop::reason_string, p.reason_string);
            detail::write_user_properties(pw, p.user);
        });
    });
}

}  // namespace emqd::codec
