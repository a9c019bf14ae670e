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
#include "broker/listener_state.h"
#include "broker/overload_monitor.h"
#include "broker/process_memory.h"
#include "router/retained_store.h"
#include "router/router.h"
#include "storage/store.h"

namespace emqd::broker {

class shard;

struct broker_context {
    explicit broker_context(broker_config cfg)
        : config(std::move(cfg)),
          access(config.access, std::chrono::steady_clock::now()),
          router(config.shared_strategy),
          overload(config.overload, memory_limit()) {}

    broker_config config;
    /// Opened before the shards (each makes its writer from it), closed after their threads
    /// stopped and their writers flushed (broker::stop). Null without storage.
    std::unique_ptr<storage::store> store;
    auth::access_control access;
    router::router router;
    router::retained_store retained;
    client_registry registry;
    std::vector<std::unique_ptr<listener_state>> listeners;
    std::vector<std::unique_ptr<shard>> shards;  // fixed once started
    std::atomic<std::uint64_t> next_session_id{1};
    std::atomic<std::size_t> delayed_messages{0};  // held by all shards' delayed queues
    std::atomic<std::uint64_t> delayed_bytes{0};   // their sizes (delayed_queue::bytes())
    /// Sampled by shard 0 only (shard_overload.cpp).
    overload_monitor overload;
};

}  // namespace emqd::broker
