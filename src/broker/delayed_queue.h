#pragma once
// Messages held back until their time: EMQ X delayed publish (`$delayed/<seconds>/<topic>`).
//
// A binary min-heap ordered by (due time, arrival sequence): push and pop are O(log n),
// and messages due at the same time come out in the order they were pushed, so one
// publisher's delayed messages with equal delays keep their order. Each shard keeps one for
// the messages its clients published; the shard arms one timer for next_due().
//
// The queue keeps the total size of what it holds (bytes(): the sizes given to push, the
// session queue's queued_size), so that the shard can release what leaves it from the
// broker-wide count of mqtt.delayed.max_delayed_bytes.
//
// Delayed messages live in memory only: they end with the process (persistence is the
// storage layer's job, not this queue's).
//
// THREADING WARNING: owned by one shard; not thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/message.h"

namespace emqd::broker {

class delayed_queue {
public:
    using clock = std::chrono::steady_clock;

    /// `bytes` is the message's size as charged to the broker-wide byte count.
    void push(core::message_ptr msg, clock::time_point due, std::size_t bytes);
    /// The earliest due time; nullopt when empty.
    std::optional<clock::time_point> next_due() const;
    /// Moves every message due at or before `now` to `out`, earliest first.
    void pop_due(clock::time_point now, std::vector<core::message_ptr>& out);
    /// Drops every message held (shutdown).
    void clear();
    std::size_t size() const { return _heap.size(); }
    /// Sum of the `bytes` of the messages held.
    std::uint64_t bytes() const { return _bytes; }
    bool empty() const { return _heap.empty(); }

private:
    struct entry {
        clock::time_point due;
        std::uint64_t seq;
        std::size_t bytes;
        core::message_ptr msg;
    };
    /// std::push_heap keeps the largest on top: "larger" here means due earlier.
    static bool later(const entry& a, const entry& b) {
        return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
    std::vector<entry> _heap;
    std::uint64_t _seq = 0;
    std::uint64_t _bytes = 0;
};

}  // namespace emqd::broker
