#pragma once
// queue_budget: one shard's share of broker.max_mqueue_bytes_total, the cap on bytes queued
// by all sessions of the broker (Mosquitto #100), and the shard's sum of session drops.
//
// Design note. The cap is global but the check is on the delivery hot path of every shard,
// so it must not be a shared atomic or a lock. Each shard owns a budget: the bytes its
// sessions' queues hold (`used`, a plain integer, changed only on the shard's thread) and a
// `limit` it may grow to. Once a second each shard publishes its `used` and recomputes its
// limit from everyone's last published numbers (rebalance):
//
//     free  = total - sum(used of all shards)        (0 if over)
//     limit = own used + free / shards
//
// Every shard may take an equal slice of what is free, so the limits sum to `total` (up to
// the staleness of one tick) and the global cap holds without coordination per message. A
// busy shard's limit grows by a share of the free space every second, so space an idle shard
// does not use flows to busy ones within a few seconds, while a shard that suddenly needs
// room always gets free/shards at once. Before the first tick each shard has total/shards.
// (An equal static split was the alternative: simpler, but a shard holding most of the
// persistent sessions would be capped at 1/shards of the memory the operator allowed.)
//
// Thread safety: none; owned by one shard, touched only on its thread.

#include <cstdint>
#include <limits>

#include "session/drop_counters.h"

namespace emqd::session {

class queue_budget {
public:
    static constexpr std::uint64_t unbounded = std::numeric_limits<std::uint64_t>::max();

    /// `total` bytes for the broker (0 = unbounded) shared by `shards` (>= 1) shards.
    queue_budget(std::uint64_t total, std::uint64_t shards)
        : _limit(total == 0 ? unbounded : total / (shards == 0 ? 1 : shards)) {}

    std::uint64_t used() const { return _used; }
    /// What `used` may grow to; `unbounded` when there is no global cap.
    std::uint64_t limit() const { return _limit; }

    void charge(std::uint64_t n) { _used += n; }
    void release(std::uint64_t n) { _used -= n; }

    /// Recomputes limit() from `total` (0 = unbounded), the bytes queued by all shards as
    /// last published (this one included) and the number of shards (>= 1).
    void rebalance(std::uint64_t total, std::uint64_t used_by_all, std::uint64_t shards) {
        if (total == 0) {
            _limit = unbounded;
            return;
        }
        const std::uint64_t free = used_by_all >= total ? 0 : total - used_by_all;
        _limit = _used + free / (shards == 0 ? 1 : shards);
    }

    /// Drops of every session of the shard (while they are on it), by reason.
    drop_counters& drops() { return _drops; }
    const drop_counters& drops() const { return _drops; }

private:
    std::uint64_t _used = 0;
    std::uint64_t _limit;
    drop_counters _drops;
};

}  // namespace emqd::session
