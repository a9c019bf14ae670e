#pragma once
// Per-listener admission, shared by the listeners every shard opens on the same address
// (SO_REUSEPORT): the access rules and the accept rate, which the transport enforces before
// a connection exists (tcp_listener::policy), and the connection count behind
// listener.tcp.<name>.max_connections.
//
// Past max_connections a client is told why: its connection is *refused* (the channel
// reads the CONNECT, answers CONNACK 3 / v5 0x9F and closes, without a session; see
// channel::refuse). Refusals in progress are bounded by k_max_refusals per listener, and
// each is short-lived (the channel's refusal timeout), so a flood can't turn them into a
// way to hold descriptors or memory: beyond the bound a connection is dropped at once.
//
// THREADING: admit()/release() are lock-free and may run on any shard; the rest is
// immutable after start (bound_port is set before the shards run).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "broker/broker_config.h"
#include "transport/accept_limiter.h"
#include "transport/access_list.h"
#include "transport/tcp_listener.h"

namespace emqd::broker {

class listener_state {
public:
    /// Refusals (CONNACK "server unavailable") in progress per listener, at most.
    static constexpr std::size_t k_max_refusals = 64;

    enum class admission : std::uint8_t { admit, refuse, drop };

    explicit listener_state(listener_spec s);

    /// Counts a new connection: `admit` while under max_connections; past it `refuse` while
    /// fewer than k_max_refusals are in progress; else `drop` (close now). Every `admit` or
    /// `refuse` must be matched by one release().
    admission admit();
    void release(admission a);
    /// Connections admitted and not yet released (relaxed: may lag other shards).
    std::size_t connections() const { return _connections.load(std::memory_order_relaxed); }

    /// What the transport checks before handing a connection over.
    transport::tcp_listener::policy policy();

    const listener_spec spec;
    std::uint16_t bound_port = 0;

private:
    std::atomic<std::size_t> _connections{0};
    std::atomic<std::size_t> _refusals{0};
    transport::access_list _access;
    std::unique_ptr<transport::accept_limiter> _rate;  // null: max_conn_rate = 0
};

}  // namespace emqd::broker
