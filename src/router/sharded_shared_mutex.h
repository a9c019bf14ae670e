#pragma once
// A reader-writer lock whose readers don't share a cache line (design.md: "the subscription
// index is shared by all workers and read far more often than written").
//
// One std::shared_mutex per slot, each on its own cache line. A reader locks only the slot
// of its thread (assigned round-robin the first time the thread reads), so two shards
// matching at once touch two different lines instead of bouncing one between their cores:
// the uncontended cost of a shared lock, per message. A writer locks every slot, in order,
// so it excludes every reader; writes (subscribe, unsubscribe) are rare next to matches.
//
// Meets the SharedMutex requirements: use it with std::shared_lock and std::unique_lock.
// A thread must unlock_shared() what it lock_shared() (the slot is per thread).

#include <array>
#include <atomic>
#include <cstddef>
#include <new>
#include <shared_mutex>

namespace emqd::router::detail {

class sharded_shared_mutex {
public:
    void lock() {
        for (slot& s : _slots)
            s.m.lock();
    }
    void unlock() {
        for (slot& s : _slots)
            s.m.unlock();
    }
    void lock_shared() { _slots[thread_slot()].m.lock_shared(); }
    void unlock_shared() { _slots[thread_slot()].m.unlock_shared(); }

private:
    static constexpr std::size_t k_slots = 16;  // more than the cores of most nodes
    struct alignas(64) slot {
        std::shared_mutex m;
    };
    static std::size_t thread_slot() {
        static std::atomic<std::size_t> next{0};
        thread_local const std::size_t mine =
            next.fetch_add(1, std::memory_order_relaxed) % k_slots;
        return mine;
    }
    std::array<slot, k_slots> _slots;
};

}  // namespace emqd::router::detail
