#pragma once
// inflight_window: outbound QoS 1/2 messages sent and not yet acknowledged, and the
// allocator of their packet ids.
//
// Design note. Three things are asked of the window: O(1) lookup by packet id (every
// PUBACK/PUBREC/PUBCOMP), O(1) removal from anywhere (acks arrive in any order), and
// iteration in send order (resend on reconnect must keep the original order, spec 4.4).
// Entries live in a slab (std::vector<node>) threaded by an intrusive doubly linked list in
// send order; freed nodes go on a free list and are reused, so the slab's size follows the
// peak window size and steady state allocates nothing. A packet_id_map maps id -> slab index.
//
//     ids:   {7 -> 2, 8 -> 0, 9 -> 1}
//     slab:  [0: id 8] [1: id 9] [2: id 7] [3: free]
//     list:  head -> 2 -> 0 -> 1 <- tail
//
// Packet ids come from a cyclic counter 1..65535 (wrapping to 1, never 0) that skips ids
// still in the window (spec 2.2.1: an id is reusable once its flow completes). The window
// never holds more than 65535 entries, so a free id always exists when push_back is allowed.
//
// Invariants: ids.size() == number of live nodes == size(); every live node is on the list
// exactly once; every free node is on the free list exactly once.
//
// Thread safety: none; owned by one session on its shard.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "session/delivery.h"
#include "session/packet_id_map.h"

namespace emqd::session::detail {

class inflight_window {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t max_entries = 65535;

    struct entry {
        delivery d;  // d.msg is released once PUBREC arrives: only the id is needed then
        std::uint16_t packet_id = 0;
        bool pubrec = false;  // QoS 2: PUBREC received, PUBREL sent, awaiting PUBCOMP
        /// Not (re)sent on the current connection yet: the client's Receive Maximum was
        /// smaller when it reconnected. Sent with DUP as acknowledgements free quota.
        bool unsent = false;
        clock::time_point sent_at{};
    };

    /// Packet ids are handed out from `first_id` on (1..65535).
    explicit inflight_window(std::uint16_t first_id = 1) : _next_id(first_id == 0 ? 1 : first_id) {}

    std::size_t size() const { return _ids.size(); }
    bool empty() const { return _ids.empty(); }

    /// Appends `d` under a fresh packet id, sent at `now`. Precondition: size() < max_entries.
    /// The reference is valid until the next push_back.
    entry& push_back(delivery&& d, clock::time_point now);
    /// Appends `d` under `packet_id`, an id it had before a restart. Preconditions:
    /// packet_id != 0 and not in the window, size() < max_entries.
    entry& push_back(delivery&& d, std::uint16_t packet_id, clock::time_point now);

    /// The entry for `packet_id`, or null. Valid until the next push_back.
    entry* find(std::uint16_t packet_id);

    /// Removes the entry for `packet_id`; returns false if there was none.
    bool erase(std::uint16_t packet_id);

    /// Visits every entry in send order; `f(entry&)` returns false to remove that entry.
    /// `f` must not call push_back or erase.
    template <class F>
    void sweep(F&& f) {
        for (std::uint32_t i = _head; i != npos;) {
            const std::uint32_t next = _nodes[i].next;
            if (!f(_nodes[i].e)) {
                erase(_nodes[i].e.packet_id);
            }
            i = next;
        }
    }

    /// The packet id the next push_back will try first (for tests and state dumps).
    std::uint16_t next_packet_id() const { return _next_id; }

private:
    static constexpr std::uint32_t npos = 0xFFFFFFFF;
    struct node {
        entry e;
        std::uint32_t prev = npos;
        std::uint32_t next = npos;  // also links the free list
    };

    std::uint16_t allocate_id();
    entry& append(delivery&& d, std::uint16_t id, clock::time_point now);

    std::vector<node> _nodes;
    packet_id_map<std::uint32_t> _ids;  // packet id -> index in _nodes
    std::uint32_t _head = npos;
    std::uint32_t _tail = npos;
    std::uint32_t _free = npos;
    std::uint16_t _next_id;
};

}  // namespace emqd::session::detail
