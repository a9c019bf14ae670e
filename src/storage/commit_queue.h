#pragma once
// The hand-over point between the shards' writers and the commit thread (store.h, "Group
// commit"). Internal to src/storage.
//
// A writer hands over its whole op_buffer under one lock and gets back a spare buffer (the
// one the commit thread finished with last time), so that in steady state no buffer is
// allocated. The commit thread takes everything pending at once, in hand-over order.
//
// Backlog: the bytes of the buffers handed over and not yet written (from hand_over() to
// durable() or drop()), one atomic. behind() says whether it is past the high watermark;
// a caller told "behind" gets every writer's on_caught_up called once it falls below the
// low watermark (a quarter of the high one). No lost wake-up: behind() raises _waiting
// before it reads the backlog a second time; durable() lowers the backlog before it takes
// _waiting. Either the caller sees the low backlog, or durable() sees the flag.
//
// Thread safety: every member may be called from any thread. on_durable and on_caught_up
// callbacks run on the thread that calls durable() (the commit thread), under a lock that
// remove_writer() also takes: once remove_writer() returns, the writer's callbacks never
// run again.

#include <atomic>
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
    using caught_up_fn = std::function<void()>;

    /// `high_watermark`: backlog bytes past which behind() says true (at least 1).
    explicit commit_queue(std::uint64_t high_watermark);

    struct handover {
        std::size_t writer = 0;
        op_buffer ops;
        std::uint64_t ticket = 0;  // the writer's ticket once these ops are applied
    };

    /// Registers a writer; returns its index for the other calls. on_caught_up may be empty.
    std::size_t add_writer(durable_fn on_durable, caught_up_fn on_caught_up);
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

    /// After `batch` is durable: takes it off the backlog, calls every writer's
    /// on_caught_up if the backlog fell below the low watermark while a behind() caller
    /// waits, then each writer's on_durable once with its highest ticket in the batch, then
    /// keeps the buffers as spares and empties `batch`.
    void durable(std::vector<handover>& batch);
    /// `batch` will never be written (shutdown gave up on it): takes it off the backlog and
    /// empties it. No callbacks.
    void drop(std::vector<handover>& batch);

    /// Bytes handed over and not yet written or dropped. Cheap: one atomic load.
    std::uint64_t backlog() const { return _backlog.load(std::memory_order_relaxed); }
    /// Whether the backlog is past the high watermark; if so, the writers' on_caught_up run
    /// once it falls below the low one (see the note on top). Cheap while it is not.
    bool behind();

private:
    /// Takes `batch` off the backlog; true when a behind() caller must be woken.
    bool settle(const std::vector<handover>& batch);

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
    std::vector<caught_up_fn> _caught_up;
    std::vector<std::uint64_t> _highest;  // scratch for durable(), per writer

    const std::uint64_t _high;
    const std::uint64_t _low;
    std::atomic<std::uint64_t> _backlog{0};
    std::atomic<bool> _waiting{false};  // a behind() caller waits for on_caught_up
};

}  // namespace emqd::storage::detail
