#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "auth/access_config.h"
#include "channel/channel_config.h"

namespace emqd::broker {

struct listener_spec {
    std::string name;
    std::string address;
    std::uint16_t port = 0;
    std::size_t max_connections = 1024000;
};

struct broker_config {
    unsigned shards = 1;
    /// broker.max_mqueue_bytes_total: bytes queued by all sessions (0 = unbounded); each
    /// shard enforces its share (session/queue_budget.h).
    std::uint64_t max_mqueue_bytes_total = 0;
    std::uint16_t node_id = 0;  // the node part of message ids
    std::vector<listener_spec> listeners;
    channel::channel_config zone;
    auth::access_config access;  // static bans, flapping policy
};

}  // namespace emqd::broker
