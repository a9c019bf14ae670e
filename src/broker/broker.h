#pragma once
// The broker: shards (one thread and event loop each), the shared router, retained store
// and client registry, and the listeners. Owns start and graceful stop.

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "broker/broker_config.h"

namespace emqd::storage {
struct recovered_state;
}

namespace emqd::broker {

struct broker_context;

class broker {
public:
    /// Opens the store (cfg.storage) and restores what it holds. Throws
    /// storage::storage_error if the store can't be opened (storage.on_corruption = stop on
    /// a damaged store, permissions).
    explicit broker(broker_config cfg);
    ~broker();  // stops and joins if still running
    broker(const broker&) = delete;
    broker& operator=(const broker&) = delete;

    /// Binds every listener on every shard and starts the shard threads. Throws
    /// std::system_error if a listener can't be bound.
    void start();
    /// Graceful stop (idempotent; call from one thread, like start()): stop accepting, v5
    /// clients get DISCONNECT 0x8B, output flushed, sockets closed, threads joined.
    void stop();

    /// The port each listener is bound to (useful when configured with port 0), in
    /// configuration order.
    std::vector<std::uint16_t> listener_ports() const;

private:
    /// Gives what the store read back to the shards (sessions round robin) and the retained
    /// store.
    void restore(storage::recovered_state&& state);

    std::unique_ptr<broker_context> _ctx;
    std::vector<std::thread> _threads;
    bool _stopped = false;
};

}  // namespace emqd::broker
