#pragma once
// The accept rate of one listener (listener.tcp.<name>.max_conn_rate), shared by the accept
// loops of every shard. With SO_REUSEPORT each shard has its own listening socket and the
// kernel spreads connections over them, but the limit is the listener's: all shards draw
// from this one budget, so the sum of their accepts stays within it however unevenly the
// kernel spreads the load.
//
// Design: GCRA (the virtual-scheduling form of a leaky bucket) on one atomic, the
// "theoretical arrival time" `tat`: each accept moves it one interval (1 s / rate) later,
// and an accept is allowed while `tat` stays within a burst of `rate` intervals (one
// second's worth) of now. Taking a slot is one compare-and-swap, no lock, so shards never
// wait for each other.
//
// Thread safety: try_acquire() may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace emqd::transport {

class accept_limiter {
public:
    using clock = std::chrono::steady_clock;

    /// At most `per_second` accepts per second on average, bursts of up to `per_second`
    /// (must be at least 1).
    explicit accept_limiter(std::uint64_t per_second);

    /// Takes a slot for one accept at `now`: zero if allowed, otherwise how long to wait
    /// before trying again (nothing is taken then).
    clock::duration try_acquire(clock::time_point now);

private:
    std::int64_t _interval_ns;  // 1 s / rate
    std::int64_t _burst_ns;     // rate intervals
    std::atomic<std::int64_t> _tat{std::numeric_limits<std::int64_t>::min() / 2};
};

}  // namespace emqd::transport
