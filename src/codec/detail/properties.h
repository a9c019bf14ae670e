#pragma once
// MQTT 5.0 properties (spec 2.2.2): identifiers, value types, the packets allowed to carry
// each one, and a generic reader that enforces those rules.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/detail/reader.h"
#include "codec/detail/writer.h"
#include "core/message.h"
#include "core/result.h"

namespace emqd::codec::detail {

namespace prop {  // identifiers (spec 2.2.2.2, table 2-4)
inline constexpr std::uint8_t payload_format_indicator = 0x01;
inline constexpr std::uint8_t message_expiry_interval = 0x02;
inline constexpr std::uint8_t content_type = 0x03;
inline constexpr std::uint8_t response_topic = 0x08;
inline constexpr std::uint8_t correlation_data = 0x09;
inline constexpr std::uint8_t subscription_identifier = 0x0B;
inline constexpr std::uint8_t session_expiry_interval = 0x11;
inline constexpr std::uint8_t assigned_client_identifier = 0x12;
inline constexpr std::uint8_t server_keep_alive = 0x13;
inline constexpr std::uint8_t authentication_method = 0x15;
inline constexpr std::uint8_t authentication_data = 0x16;
inline constexpr std::uint8_t request_problem_information = 0x17;
inline constexpr std::uint8_t will_delay_interval = 0x18;
inline constexpr std::uint8_t request_response_information = 0x19;
inline constexpr std::uint8_t response_information = 0x1A;
inline constexpr std::uint8_t server_reference = 0x1C;
inline constexpr std::uint8_t reason_string = 0x1F;
inline constexpr std::uint8_t receive_maximum = 0x21;
inline constexpr std::uint8_t topic_alias_maximum = 0x22;
inline constexpr std::uint8_t topic_alias = 0x23;
inline constexpr std::uint8_t maximum_qos = 0x24;
inline constexpr std::uint8_t retain_available = 0x25;
inline constexpr std::uint8_t user_property = 0x26;
inline constexpr std::uint8_t maximum_packet_size = 0x27;
inline constexpr std::uint8_t wildcard_subscription_available = 0x28;
inline constexpr std::uint8_t subscription_identifier_available = 0x29;
inline constexpr std::uint8_t shared_subscription_available = 0x2A;
}  // namespace prop

/// The property sets of the spec: one per packet, plus the Will Properties of CONNECT.
enum class prop_set : std::uint8_t {
    connect,
    will,
    connack,
    publish,
    puback,  // also PUBREC, PUBREL, PUBCOMP
    subscribe,
    suback,
    unsubscribe,
    unsuback,
    disconnect,
    auth,
};

enum class prop_type : std::uint8_t { byte, u16, u32, vbi, utf8, binary, utf8_pair };

/// One decoded property. `num` holds integer values; `str` string and binary values
/// (and the name of a User Property, whose value is in `value`). Views point into the frame.
struct property {
    std::uint8_t id = 0;
    prop_type type = prop_type::byte;
    std::uint32_t num = 0;
    std::string_view str;
    std::string_view value;
};

/// Reads one property of the block `r` (which holds just the property bytes) and checks
/// it: unknown identifier or one not allowed in `set` => malformed_packet (spec 2.2.2.2);
/// a second occurrence of anything but User Property (and Subscription Identifier in
/// PUBLISH) => protocol_error; out-of-range values (Receive Maximum 0, Maximum Packet Size
/// 0, Topic Alias 0, Subscription Identifier 0, 0/1 flags with other values) =>
/// protocol_error. `seen` accumulates a bit per identifier.
core::status read_property(reader& r, prop_set set, std::uint64_t& seen, property& out);

/// Reads a whole property block (length + properties), calling `on(const property&)` for
/// each; `on` returns core::status.
template <class On>
core::status read_properties(reader& r, prop_set set, On&& on) {
    std::uint32_t len = 0;
    EMQD_CODEC_TRY(r.vbi(len));
    reader block;
    EMQD_CODEC_TRY(r.sub(len, block));
    std::uint64_t seen = 0;
    while (!block.empty()) {
        property p;
        EMQD_CODEC_TRY(read_property(block, set, seen, p));
        EMQD_CODEC_TRY(on(p));
    }
    return {};
}

/// Stores the Application Message properties (PUBLISH and Will, spec 3.3.2.3) into `m`.
/// Returns true if `p` was one of them. Copies the strings.
bool store_message_property(const property& p, core::message_properties& m);

inline void write_user_properties(auto& w, const core::user_properties& user) {
    for (const auto& [k, v] : user)
        w.prop_pair(prop::user_property, k, v);
}

/// Writes the Application Message properties, with `expiry` as the Message Expiry Interval
/// (`w`: a counter or a writer, writer.h).
inline void write_message_properties(auto& w, const core::message_properties& m,
                                     std::optional<std::uint32_t> expiry) {
    w.opt_u8(prop::payload_format_indicator, m.payload_format_indicator);
    w.opt_u32(prop::message_expiry_interval, expiry);
    w.opt_str(prop::content_type, m.content_type);
    w.opt_str(prop::response_topic, m.response_topic);
    w.opt_str(prop::correlation_data, m.correlation_data);
    write_user_properties(w, m.user);
}

inline std::string to_string(std::string_view s) {
    return std::string(s);
}

}  // namespace emqd::codec::detail
