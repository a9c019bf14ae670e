#pragma once
#include <cstdint>

namespace emqd::router {

/// How a shared subscription group picks the one member that gets a message
/// (broker.shared_subscription_strategy; EMQ X names, EMQ X 4's default).
enum class shared_strategy : std::uint8_t {
    random,         // uniformly among the members
    round_robin,    // each member in turn
    sticky,         // the same member until it leaves the group or becomes unavailable
    hash_clientid,  // by a hash of the publisher's client id
    hash_topic,     // by a hash of the topic
};

}  // namespace emqd::router
