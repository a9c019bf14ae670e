#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "session/session_config.h"

namespace emqd::channel {

/// Protocol limits of a zone (EMQ X `mqtt.*` and `zone.<name>.*` keys; defaults are EMQ X
/// 4.x's).
struct channel_config {
    std::uint32_t max_packet_size = 1024 * 1024;  // mqtt.max_packet_size
    std::size_t max_clientid_len = 65535;         // mqtt.max_clientid_len
    std::size_t max_topic_levels = 128;           // mqtt.max_topic_levels (0 = unlimited)
    std::uint8_t max_qos_allowed = 2;             // mqtt.max_qos_allowed
    std::uint16_t max_topic_alias = 65535;        // mqtt.max_topic_alias (inbound)
    bool retain_available = true;                 // mqtt.retain_available
    bool wildcard_subscription = true;            // mqtt.wildcard_subscription
    bool shared_subscription = true;              // mqtt.shared_subscription
    std::size_t max_subscriptions = 0;            // mqtt.max_subscriptions (0 = unlimited)
    /// mqtt.response_information: v5 Response Information for clients that ask (Request
    /// Response Information = 1); `%c` / `%u` levels are replaced. Empty = not sent.
    std::string response_information;
    /// zone.external.mountpoint: prefix of every topic of the zone's clients (channel/
    /// mountpoint.h), with `%c` / `%u` levels replaced per client. Empty = none.
    std::string mountpoint;
    /// broker.redirect_to: while set, every CONNECT is refused with v5 0x9C Use another server
    /// (0x9D Server moved when broker.redirect_permanent) and this Server Reference; 3.x
    /// gets return code 3 Server unavailable. Empty = off.
    std::string redirect_to;
    bool redirect_permanent = false;                 // broker.redirect_permanent
    std::chrono::milliseconds idle_timeout{15'000};  // zone.idle_timeout
    double keepalive_backoff = 0.75;  // zone.keepalive_backoff: timeout = 2 x backoff x keepalive
    std::uint16_t server_keepalive = 0;   // zone.server_keepalive (v5; 0 = client's)
    bool enable_ban = true;               // zone.enable_ban: refuse banned clients
    bool enable_flapping_detect = false;  // zone.enable_flapping_detect
    session::session_config session;
};

}  // namespace emqd::channel
