#pragma once
// message_queue: the session's bounded outbound queue (design.md "Session").
//
// Design note. The queue must support, in O(1): append, take the oldest, and, when full,
// drop "a QoS 0 message first, then the oldest". A single FIFO would need a scan (and a
// middle erase) to find the oldest QoS 0. So it is two FIFOs, one for QoS 0 and one for
// QoS 1/2, whose entries carry a sequence number from one counter; the logical queue is
// their merge by sequence:
//
//     qos0:   [3] [4]         [7]          front() = entry with the smaller head seq
//     qos12:  [1] [2] [5] [6]              oldest QoS 0 = qos0.front()
//
// Three bounds apply to a push, each dropping by the same rule (the incoming message if it
// is QoS 0, else the oldest queued QoS 0, else the oldest) until the message fits, each drop
// counted under the bound that caused it:
//   - max_len messages (zone.max_mqueue_len),
//   - max_bytes queued bytes (zone.max_mqueue_bytes),
//   - the shard's queue_budget, its share of broker.max_mqueue_bytes_total: queue_budget.h
//     says why a per-shard budget reconciled once a second rather than a shared counter.
// A message that could not fit even in an empty queue (larger than max_bytes, or than what
// the budget has left once this queue's own bytes are counted free) is dropped alone,
// without evicting anything for nothing.
//
// Size of a message (queued_size): topic + payload + the v5 properties' strings and user
// properties, plus a fixed 64 bytes for the entry and the message's bookkeeping. A message
// shared by N sessions counts N times: each queue is charged what it would cost alone, so
// the caps bound memory conservatively. Only queued messages count; the inflight window is
// bounded by max_inflight.
//
// Cost (bench/micro/queue_bench.cpp, RelWithDebInfo, a shared and busy 2-core VM, median
// CPU time of a push + pop): count cap only 21 ns; count and byte caps with the shard budget
// 22 ns; the rejected design, the same plus one atomic counter shared by all shards, 46 ns
// on one thread and 84 ns (vs 59-62 ns) with two threads hitting it. The budget costs about
// a nanosecond; the shared counter would have doubled the queue's cost before contention.
//
// Invariants: each FIFO is strictly increasing in seq; size() == qos0 + qos12 sizes;
// bytes() == sum of the entries' sizes, and is what this queue has charged to its budget;
// after push(), size() <= max_len (0 = unbounded) and bytes() <= max_bytes (0 = unbounded).
// Expiry sweeps are O(n) and run from the session's tick(), about once a second.
//
// Thread safety: none; owned by one session on its shard (and its budget by that shard).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include "core/message.h"
#include "session/delivery.h"
#include "session/drop_counters.h"
#include "session/queue_budget.h"

namespace emqd::session::detail {

/// Bytes a queued message is charged (see the design note).
std::size_t queued_size(const core::message& m);

/// Sees each delivery a message_queue drops (push, drop_expired) just before it goes.
struct queue_drop_observer {
    void (*fn)(void* context, const delivery& d) = nullptr;
    void* context = nullptr;
    void operator()(const delivery& d) const {
        if (fn)
            fn(context, d);
    }
};

class message_queue {
public:
    using clock = std::chrono::steady_clock;

    struct limits {
        std::size_t max_len = 0;      // messages; 0 = unbounded
        std::uint64_t max_bytes = 0;  // bytes; 0 = unbounded
    };

    message_queue() = default;
    message_queue(const message_queue&) = delete;
    message_queue& operator=(const message_queue&) = delete;
    ~message_queue();  // releases bytes() from the budget

    using drop_observer = queue_drop_observer;

    /// Appends `d` (whose msg is non-null), first dropping what the limits and the budget
    /// require (design note). Returns what was dropped, by reason (`d` included if dropped),
    /// and shows each dropped delivery to `dropping`.
    drop_counters push(delivery&& d, const limits& lim, drop_observer dropping = {});

    bool empty() const { return !_fifos; }
    std::size_t size() const { return _fifos ? _fifos->qos0.size() + _fifos->qos12.size() : 0; }
    /// Bytes queued (queued_size of every entry).
    std::uint64_t bytes() const { return _bytes; }

    /// The oldest message. Precondition: !empty().
    delivery& front();
    /// Removes the oldest message (which may have been moved from). Precondition: !empty().
    void pop_front();

    /// Removes every message whose Message Expiry Interval has passed at `now`; returns how
    /// many.
    std::size_t drop_expired(clock::time_point now, drop_observer dropping = {});

    /// Removes every message for which `pred(delivery&)` returns true (it may move the
    /// delivery out then); returns how many. O(n). `pred` is called once per message: on the
    /// QoS 0 ones in order, then on the QoS 1/2 ones in order. Their bytes leave the queue
    /// and its budget.
    template <class Pred>
    std::size_t erase_if(Pred&& pred) {
        if (!_fifos)
            return 0;
        std::uint64_t freed = 0;
        auto test = [&](entry& e) {
            if (!pred(e.d))
                return false;
            freed += e.bytes;
            return true;
        };
        const auto n = std::erase_if(_fifos->qos0, test) + std::erase_if(_fifos->qos12, test);
        _bytes -= freed;
        if (_budget)
            _budget->release(freed);
        release_if_empty();
        return static_cast<std::size_t>(n);
    }
    /// Moves this queue's bytes from its current budget (if any) to `b` (may be null: no
    /// global cap). Called when the session changes shards.
    void set_budget(queue_budget* b);

private:
    struct entry {
        std::uint64_t seq;
        std::size_t bytes;  // queued_size(*d.msg), kept: d may be moved from before pop
        delivery d;
    };
    /// The two FIFOs exist only while something is queued: an empty std::deque still
    /// allocates a map and a node, which most sessions (connected, keeping up) never need.
    struct fifos {
        std::deque<entry> qos0;
        std::deque<entry> qos12;
    };
    std::deque<entry>& oldest_fifo();
    /// Pops the front of `fifo`, releasing its bytes.
    void pop(std::deque<entry>& fifo);
    void release_if_empty();

    std::unique_ptr<fifos> _fifos;  // null when empty
    std::uint64_t _next_seq = 0;
    std::uint64_t _bytes = 0;
    queue_budget* _budget = nullptr;
};

}  // namespace emqd::session::detail
