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
// Invariants: each FIFO is strictly increasing in seq; size() == qos0 + qos12 sizes;
// after push(), size() <= max_len unless max_len == 0 (unbounded). Expiry sweeps are O(n)
// and run from the session's tick(), about once a second.
//
// Thread safety: none; owned by one session on its shard.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

#include "session/delivery.h"

namespace emqd::session::detail {

class message_queue {
public:
    using clock = std::chrono::steady_clock;

    /// Appends `d` (whose msg is non-null). When the queue already holds `max_len` messages
    /// (0 = unbounded) one message is dropped first: `d` itself if it is QoS 0, else the
    /// oldest queued QoS 0, else the oldest. Returns the number dropped (0 or 1).
    std::size_t push(delivery&& d, std::size_t max_len);

    bool empty() const { return !_fifos; }
    std::size_t size() const { return _fifos ? _fifos->qos0.size() + _fifos->qos12.size() : 0; }

    /// The oldest message. Precondition: !empty().
    delivery& front();
    /// Removes the oldest message. Precondition: !empty().
    void pop_front();

    /// Removes every message whose Message Expiry Interval has passed at `now`; returns how
    /// many.
    std::size_t drop_expired(clock::time_point now);

    /// Removes every message for which `pred(delivery&)` returns true; returns how many. O(n).
    /// `pred` is called once per message: on the QoS 0 ones in order, then on the QoS 1/2
    /// ones in order.
    template <class Pred>
    std::size_t erase_if(Pred&& pred) {
        if (!_fifos)
            return 0;
        auto test = [&pred](entry& e) { return pred(e.d); };
        const auto n = std::erase_if(_fifos->qos0, test) + std::erase_if(_fifos->qos12, test);
        release_if_empty();
        return static_cast<std::size_t>(n);
    }

private:
    struct entry {
        std::uint64_t seq;
        delivery d;
    };
    /// The two FIFOs exist only while something is queued: an empty std::deque still
    /// allocates a map and a node, which most sessions (connected, keeping up) never need.
    struct fifos {
        std::deque<entry> qos0;
        std::deque<entry> qos12;
    };
    std::deque<entry>& oldest_fifo();
    void release_if_empty();

    std::unique_ptr<fifos> _fifos;  // null when empty
    std::uint64_t _next_seq = 0;
};

}  // namespace emqd::session::detail
