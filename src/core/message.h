#pragma once
// An application message as it travels through the broker: immutable once built, shared by
// every subscriber it is delivered to (std::shared_ptr<const message>: one allocation via
// make_shared, one atomic refcount). Per-delivery fields (packet id, DUP, delivered QoS,
// topic alias, subscription identifiers) are NOT here: sessions and the codec add them.
//
// Thread safety: a message is never modified after it is published, so any thread may read
// it. Only the refcount is shared mutable state.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/guid.h"

namespace emqd::core {

using user_properties = std::vector<std::pair<std::string, std::string>>;

/// The MQTT 5.0 PUBLISH properties that belong to the message and are forwarded unchanged
/// (spec 3.3.2.3), except Message Expiry Interval, which is forwarded as what remains.
struct message_properties {
    std::optional<std::uint8_t> payload_format_indicator;
    std::optional<std::uint32_t> message_expiry_interval;  // seconds, as received
    std::optional<std::string> content_type;
    std::optional<std::string> response_topic;
    std::optional<std::string> correlation_data;  // binary
    user_properties user;

    bool empty() const {
        return !payload_format_indicator && !message_expiry_interval && !content_type &&
               !response_topic && !correlation_data && user.empty();
    }
};

struct message {
    using clock = std::chrono::steady_clock;

    message() = default;
    /// What a PUBLISH brings, each string constructed once from its source: the per-message
    /// path (channel/publish_handler.cpp). Cheaper than assigning into default-constructed
    /// members, which goes through std::string's general replace-and-grow path.
    message(std::string topic_, std::string_view payload_, std::string_view from_client_id_)
        : topic(std::move(topic_)), payload(payload_), from_client_id(from_client_id_) {}

    guid id;
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string from_client_id;  // publisher, for No Local and logs; empty for the broker
    clock::time_point received_at{};
    message_properties props;

    /// Seconds of Message Expiry Interval left at `now`; nullopt if the message never
    /// expires, 0 if it has expired (spec 3.3.2.3.3).
    std::optional<std::uint32_t> remaining_expiry(clock::time_point now) const {
        if (!props.message_expiry_interval)
            return std::nullopt;
        const auto age =
            std::chrono::duration_cast<std::chrono::seconds>(now - received_at).count();
        const auto total = static_cast<long long>(*props.message_expiry_interval);
        return age >= total ? 0u : static_cast<std::uint32_t>(total - age);
    }
    bool expired(clock::time_point now) const {
        auto left = remaining_expiry(now);
        return left && *left == 0;
    }
};

using message_ptr = std::shared_ptr<const message>;

}  // namespace emqd::core
