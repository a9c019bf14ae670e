#pragma once
// PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (spec 3.3 - 3.7).
//
// publish_packet holds views, not copies: after decode() they point into the frame that was
// decoded (valid until the parser is advanced past it); for encode() they point at the
// message being sent. This keeps the hot path free of payload copies: the channel copies
// topic and payload exactly once, into the core::message it publishes.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "codec/protocol_version.h"
#include "core/message.h"
#include "core/reason_code.h"

namespace emqd::codec {

struct publish_packet {
    std::uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    std::string_view topic;       // may be empty in v5 when a Topic Alias is set
    std::uint16_t packet_id = 0;  // present when qos > 0
    std::string_view payload;
    // v5 properties (spec 3.3.2.3)
    std::optional<std::uint16_t> topic_alias;
    std::vector<std::uint32_t> subscription_identifiers;
    /// Decode: the properties as received. Encode: pointer to the message's properties
    /// (with message_expiry_override replacing the expiry interval), may be null.
    core::message_properties props;
    const core::message_properties* props_ref = nullptr;   // encode only; wins over props
    std::optional<std::uint32_t> message_expiry_override;  // encode only: remaining seconds
};

/// PUBACK, PUBREC, PUBREL, PUBCOMP share one shape (spec 3.4 - 3.7).
struct ack_packet {
    packet_type type = packet_type::puback;  // puback | pubrec | pubrel | pubcomp
    std::uint16_t packet_id = 0;
    core::reason_code reason = core::reason_code::success;  // v5 only
    std::optional<std::string> reason_string;               // v5 only
    core::user_properties user;                             // v5 only
};

}  // namespace emqd::codec
