#pragma once
// The hand-over point between the shards' writers and the commit thread (store.h, "Group
// commit"). Internal to src/storage.
//
// A writer hands over its whole op_buffer under one lock and gets back a spare buffer (the
// one the commit thread finished with last time), so that in steady state no buffer is
// allocated. The commit thread takes everything pending at once, in hand-over order.
//
// Thread safety: every member may be called from any thread. on_durable callbacks run on
// the thread that calls durable() (the commit thread), under a lock that remove_writer()
// also takes: once remove_writer() returns, the writer's callback never runs again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "storage/op_buffer.h"

namespace emqd::storage::detail {

class commit_queue {
public:
    using durable_fn = std::function<void(std::uint64_t)>;

    struct handover {
        std::size_t writer = 0;
        op_buffer ops;
        std::uint64_t ticket = 0;  // the writer's ticket once these ops are applied
    };

    /// Registers a writer; returns its index for the other calls.
    std::size_t add_writer(durable_fn on_durable);
    /// No callback of the writer runs after this returns (waits for one that is running).
    void remove_writer(std::size_t writer);
    /// Writers added and not removed.
    std::size_t writers() const;

    /// Queues `ops` (non-empty) and wakes the commit thread; leaves `ops` empty (a recycled
    /// buffer when one is available).
    void hand_over(std::size_t writer, op_buffer& ops, std::uint64_t ticket);

    /// Waits until something is pending, stop() is called or `deadline` passes, then moves
    /// everything pending into `out` (empty on entry), in hand-over order. Returns false
    /// when stop() was called and nothing was pending: the commit thread's cue to end.
    bool take(std::vector<handover>& out, std::chrono::steady_clock::time_point deadline);
    void stop();

    /// After `batch` is durable: calls each writer's on_durable once with its highest ticket
    /// in the batch, then keeps the buffers as spares and empties `batch`.
    void durable(std::vector<handover>& batch);

private:
    struct slot {
        op_buffer spare;
        bool has_spare = false;
        bool live = true;
    };

    mutable std::mutex _mutex;
    std::condition_variable _wake;
    std::vector<handover> _pending;
    std::vector<slot> _slots;
    bool _stopping = false;

    std::mutex _callback_mutex;  // held while callbacks run; never together with _mutex
    std::vector<durable_fn> _callbacks;
    std::vector<std::uint64_t> _highest;  // scratch for durable(), per writer
};

}  // namespace emqd::storage::detail
