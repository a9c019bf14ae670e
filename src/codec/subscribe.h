#pragma once
// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (spec 3.8 - 3.11).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/message.h"
#include "core/reason_code.h"

namespace emqd::codec {

struct subscription_request {
    std::string filter;
    std::uint8_t qos = 0;
    // v5 Subscription Options (spec 3.8.3.1); zero for 3.1/3.1.1
    bool no_local = false;
    bool retain_as_published = false;
    std::uint8_t retain_handling = 0;  // 0 send, 1 send if new subscription, 2 don't send
};

struct subscribe_packet {
    std::uint16_t packet_id = 0;
    std::vector<subscription_request> topics;              // at least one
    std::optional<std::uint32_t> subscription_identifier;  // v5, 1..268435455
    core::user_properties user;
};

struct suback_packet {
    std::uint16_t packet_id = 0;
    /// One per requested filter: granted QoS (0x00-0x02) or a failure code. For 3.1.1 every
    /// failure is encoded as 0x80; 3.1 has no failure code and gets 0x80 too.
    std::vector<core::reason_code> reasons;
    std::optional<std::string> reason_string;
    core::user_properties user;
};

struct unsubscribe_packet {
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters;  // at least one
    core::user_properties user;
};

struct unsuback_packet {
    std::uint16_t packet_id = 0;
    std::vector<core::reason_code> reasons;  // v5 only; 3.1.1 UNSUBACK has no payload
    std::optional<std::string> reason_string;
    core::user_properties user;
};

}  // namespace emqd::codec
