#pragma once
// packet_id_map<V>: a map from a 16-bit MQTT packet id to V.
//
// Design note. A session looks a packet id up on every PUBACK, PUBREC, PUBCOMP and PUBREL,
// and a broker holds very many sessions, so the index must be O(1) and small: a 65536-slot
// array per session (128 KiB and up) is out, and std::unordered_map allocates a node per
// insert, which is one allocation per message on the hot path. Instead the slots live in one
// power-of-two vector, open addressing with linear probing in Robin Hood order, at most half
// full so that probe runs stay short. The hash is the id itself: sessions hand ids out
// sequentially, so the live ids are mostly consecutive and land in distinct slots.
//
// Why Robin Hood: consecutive ids fill one long run of slots, each at its home. Plain linear
// probing must walk the whole run on every deletion (a later entry might belong before the
// hole), so acknowledging the oldest of 128 inflight messages cost 128 probes -- 12% of a
// pairwise QoS 1 profile. With Robin Hood insertion (an entry farther from its home takes the
// slot of one nearer to it) the walk stops at the first entry that sits at its home.
//
// Invariants:
//   - key 0 marks an empty slot (0 is never a valid packet id, spec 2.2.1);
//   - every live key k sits in the probe run that starts at home(k) = k & mask, with no empty
//     slot between home(k) and its slot;
//   - along a run, the distance of each entry from its home grows by at most one per slot
//     (Robin Hood order);
//   - size() * 2 <= capacity.
// Deletion shifts later members of the run back (no tombstones), so lookups do not degrade
// with churn. The table only grows: its capacity follows the peak number of live ids, which
// the caller bounds (inflight window, max_awaiting_rel). Steady state allocates nothing.
//
// Thread safety: none; a session's state is touched only on its shard.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace emqd::session::detail {

template <class V>
class packet_id_map {
public:
    std::size_t size() const { return _size; }
    bool empty() const { return _size == 0; }

    /// The value for `id`, or null. The pointer is valid until the next insert or erase.
    V* find(std::uint16_t id) {
        const std::size_t i = index_of(id);
        return i == npos ? nullptr : &_slots[i].value;
    }
    const V* find(std::uint16_t id) const {
        const std::size_t i = index_of(id);
        return i == npos ? nullptr : &_slots[i].value;
    }
    bool contains(std::uint16_t id) const { return index_of(id) != npos; }

    /// Inserts `id` (must not be 0). Returns false, leaving the map unchanged, if present.
    bool insert(std::uint16_t id, V value) {
        if (id == 0 || contains(id)) {
            return false;
        }
        if ((_size + 1) * 2 > _slots.size()) {
            grow();
        }
        place(slot{id, std::move(value)});
        ++_size;
        return true;
    }

    /// Removes `id`; returns false if it was not present.
    bool erase(std::uint16_t id) {
        const std::size_t i = index_of(id);
        if (i == npos) {
            return false;
        }
        erase_at(i);
        return true;
    }

    /// Removes every entry for which `pred(id, value)` is true; returns how many. `pred` must
    /// be pure: an entry may be presented twice when a deletion shifts it across the wrap.
    template <class Pred>
    std::size_t erase_if(Pred pred) {
        std::size_t erased = 0;
        for (std::size_t i = 0; i < _slots.size();) {
            if (_slots[i].key != 0 && pred(_slots[i].key, std::as_const(_slots[i].value))) {
                erase_at(i);  // a later entry may have moved into i: look at i again
                ++erased;
            } else {
                ++i;
            }
        }
        return erased;
    }

    /// Calls `f(id, value)` for every entry, in no particular order.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& s : _slots) {
            if (s.key != 0) {
                f(s.key, s.value);
            }
        }
    }

    void clear() {
        for (auto& s : _slots) {
            s = slot{};
        }
        _size = 0;
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    static constexpr std::size_t min_capacity = 8;

    struct slot {
        std::uint16_t key = 0;
        V value{};
    };

    std::size_t mask() const { return _slots.size() - 1; }
    /// How far the entry in slot i sits from its home slot.
    std::size_t displacement(std::size_t i) const {
        return (i - (_slots[i].key & mask())) & mask();
    }

    // Robin Hood insertion: walking from home, an entry takes the slot of the first entry
    // nearer to its own home, which then continues the walk.
    void place(slot s) {
        std::size_t dist = 0;
        for (std::size_t i = s.key & mask();; i = (i + 1) & mask(), ++dist) {
            if (_slots[i].key == 0) {
                _slots[i] = std::move(s);
                return;
            }
            if (const std::size_t d = displacement(i); d < dist) {
                std::swap(_slots[i], s);
                dist = d;
            }
        }
    }

    std::size_t index_of(std::uint16_t id) const {
        if (_size == 0 || id == 0) {
            return npos;
        }
        for (std::size_t i = id & mask();; i = (i + 1) & mask()) {
            if (_slots[i].key == id) {
                return i;
            }
            if (_slots[i].key == 0) {
                return npos;  // load <= 1/2: an empty slot always exists
            }
        }
    }

    // Backward-shift deletion: move each following entry back one slot, up to the first that
    // is empty or at its home (Robin Hood order: nothing after it belongs before the hole).
    void erase_at(std::size_t hole) {
        for (std::size_t j = (hole + 1) & mask(); _slots[j].key != 0 && displacement(j) != 0;
             j = (j + 1) & mask()) {
            _slots[hole] = std::move(_slots[j]);
            hole = j;
        }
        _slots[hole] = slot{};
        --_size;
    }

    void grow() {
        std::vector<slot> old = std::move(_slots);
        _slots.assign(old.empty() ? min_capacity : old.size() * 2, slot{});
        for (auto& s : old) {
            if (s.key != 0) {
                place(std::move(s));
            }
        }
    }

    std::vector<slot> _slots;  // empty, or a power of two >= min_capacity
    std::size_t _size = 0;
};

}  // namespace emqd::session::detail
