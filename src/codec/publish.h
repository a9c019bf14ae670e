#pragma once
// PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (spec 3.3 - 3.7).
//
// publish_packet holds views, not copies: after decode() they point into the frame that was
// decoded (valid until the parser is advanced past it); for encode() they point at the
// message being sent. This keeps the hot path free of payload copies: the channel copies
// topic and payload exactly once, into the core::message it publishes. The broker's own
// deliveries are encoded from a publish_view, which owns nothing at all.

#include <cstdint>
#include <optional>
#include <span>
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
    core::message_properties props;
};

/// An outbound PUBLISH as the broker writes one per delivery (channel/delivery.cpp): only
/// scalars and views, so building one is a few stores and destroying it is free, where a
/// publish_packet would build and destroy its owned v5 members every time. What it points
/// at must outlive the encode() call. encode(publish_packet) encodes through one.
struct publish_view {
    std::uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    std::string_view topic;       // may be empty in v5 when topic_alias is set
    std::uint16_t packet_id = 0;  // written when qos > 0
    std::string_view payload;
    // v5 only (skipped for 3.1/3.1.1):
    std::optional<std::uint16_t> topic_alias;
    std::span<const std::uint32_t> subscription_identifiers;
    const core::message_properties* props = nullptr;  // the message's; null: none
    /// Replaces props->message_expiry_interval: the seconds that remain (spec 3.3.2.3.3).
    std::optional<std::uint32_t> message_expiry_override;
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
