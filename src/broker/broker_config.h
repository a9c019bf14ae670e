#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/access_config.h"
#include "broker/overload_monitor.h"
#include "channel/channel_config.h"
#include "router/shared_strategy.h"
#include "storage/store_options.h"
#include "transport/access_list.h"
#include "transport/token_bucket.h"

namespace emqd::broker {

struct listener_spec {
    std::string name;
    std::string address;
    std::uint16_t port = 0;
    std::size_t max_connections = 1024000;
    std::uint64_t max_conn_rate = 0;               // accepts per second; 0 = unlimited
    std::vector<transport::access_rule> access{};  // in order; first match wins
};

struct broker_config {
    unsigned shards = 1;
    /// broker.max_mqueue_bytes_total: bytes queued by all sessions (0 = unbounded); each
    /// shard enforces its share (session/queue_budget.h).
    std::uint64_t max_mqueue_bytes_total = 0;
    std::uint16_t node_id = 0;  // the node part of message ids
    std::vector<listener_spec> listeners;
    std::size_t max_delayed_messages = 100000;  // mqtt.delayed.max_delayed_messages (0 = no limit)
    std::uint64_t max_delayed_bytes = 0;        // mqtt.delayed.max_delayed_bytes (0 = no limit)
    /// broker.shared_subscription_strategy
    router::shared_strategy shared_strategy = router::shared_strategy::random;
    channel::channel_config zone;
    // zone.<name>.rate_limit.*: per connection, inbound; off unless enabled().
    transport::rate_limit conn_bytes_in;     // bytes per period
    transport::rate_limit conn_messages_in;  // PUBLISH packets per period
    overload_settings overload;
    auth::access_config access;  // static bans, flapping policy
    /// Persistent sessions and retained messages on disk (node.data_dir, storage.*); none:
    /// everything in memory (unit tests).
    std::optional<storage::store_options> storage;
};

}  // namespace emqd::broker
