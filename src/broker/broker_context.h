#pragma once
// State shared by all shards of one broker. Everything here is either immutable after
// start or internally synchronized.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "auth/access_control.h"
#include "broker/broker_config.h"
#include "broker/client_registry.h"
#include "router/retained_store.h"
#include "router/router.h"

namespace emqd::broker {

class shard;

/// Per-listener connection accounting (listener.tcp.<name>.max_connections).
struct listener_state {
    listener_spec spec;
    std::atomic<std::size_t> connections{0};
    std::uint16_t bound_port = 0;
};

struct broker_context {
    explicit broker_context(broker_config cfg)
        : config(std::move(cfg)), access(config.access, std::chrono::steady_clock::now()) {}

    broker_config config;
    auth::access_control access;
    router::router router;
    router::retained_store retained;
    client_registry registry;
    std::vector<std::unique_ptr<listener_state>> listeners;
    std::vector<std::unique_ptr<shard>> shards;  // fixed once started
    std::atomic<std::uint64_t> next_session_id{1};
};

}  // namespace emqd::broker
