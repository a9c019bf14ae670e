#pragma once
// How the router knows a subscriber: a handle, never a pointer (style.md §6). The shard
// that owns the session resolves the handle when a delivery batch arrives; a handle whose
// session is gone is simply skipped there.

#include <cstdint>
#include <functional>

namespace emqd::router {

struct subscriber_id {
    std::uint32_t shard = 0;
    std::uint64_t session = 0;  // unique per process, never reused

    friend bool operator==(const subscriber_id&, const subscriber_id&) = default;
};

struct subscriber_id_hash {
    std::size_t operator()(const subscriber_id& s) const noexcept {
        return std::hash<std::uint64_t>{}(s.session * 31 + s.shard);
    }
};

/// Options of one subscription (v5 Subscription Options, spec 3.8.3.1, plus the v5
/// Subscription Identifier). For 3.1/3.1.1 only qos is set.
struct subscription_options {
    std::uint8_t qos = 0;
    bool no_local = false;
    bool retain_as_published = false;
    std::uint8_t retain_handling = 0;
    std::uint32_t subscription_id = 0;  // 0 = none
    /// EMQ `$fastlane/<filter>`: QoS 0 written straight to the connection, bypassing the
    /// session (no queue, no merge with other subscriptions). Clean sessions only.
    bool fastlane = false;
    /// Set by the router on the routes of a shared subscription ($share/<group>/<filter>):
    /// the id of that group, unique per process and never reused; 0 = not shared. A
    /// delivery that carries it can be handed to another member (router::pick_other).
    std::uint64_t shared_group = 0;
    /// Set by a persistent session on its routes: its id in storage (session_store.h), so
    /// the publishing shard can store a QoS 1/2 message for it before acknowledging. 0 =
    /// the session is not persistent.
    std::uint64_t store_id = 0;

    friend bool operator==(const subscription_options&, const subscription_options&) = default;
};

/// One match: a subscriber, the filter it subscribed with, and its options.
struct route {
    subscriber_id subscriber;
    subscription_options options;
};

}  // namespace emqd::router
