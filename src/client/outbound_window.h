#pragma once
// outbound_window: the packet ids a client has in flight (QoS 1/2 PUBLISH, SUBSCRIBE,
// UNSUBSCRIBE awaiting their answer) and what each one waits for.
//
// Design note. Ids are handed out in sequence (1, 2, ..., 65535, 1, ...). The window is a
// ring of one state byte per slot, indexed by a 64-bit sequence number modulo the ring size
// (a power of two at least the limit); id(seq) = seq % 65535 + 1. Invariants:
//   - _base <= _next, _next - _base <= _limit <= 65535: at most one live sequence per id,
//     so an id maps back to exactly one sequence in [_base, _next);
//   - the slot of _base is pending unless the window is empty (completing the oldest
//     advances _base past every completed slot).
// Acknowledgements may come in any order; a slot is free once answered, but the window
// only slides past it when everything older is answered too, so a server that never answers
// one packet stops the client after `limit` more (that is the point of a window). Memory is
// one byte per slot, allocated on first use: a connection that never publishes QoS > 0 or
// subscribes holds none. Steady state allocates nothing.
//
// Thread safety: none; owned by one client.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace emqd::client {

class outbound_window {
public:
    enum class wait : std::uint8_t { none, puback, pubrec, pubcomp, suback, unsuback };

    explicit outbound_window(std::uint16_t limit);

    /// Lowers the limit (a v5 server's Receive Maximum). Precondition: empty() and limit > 0.
    void set_limit(std::uint16_t limit);
    std::uint16_t limit() const { return _limit; }

    std::size_t size() const { return static_cast<std::size_t>(_next - _base); }
    bool empty() const { return _next == _base; }
    bool full() const { return size() >= _limit; }

    /// Takes the next packet id for a packet awaiting `w` (not none). Precondition: !full().
    std::uint16_t add(wait w);
    /// What `id` waits for; none if it is not in flight.
    wait find(std::uint16_t id) const;
    /// `id` (in flight) now waits for `w` (QoS 2: PUBREC answered, PUBCOMP next).
    void update(std::uint16_t id, wait w);
    /// `id` (in flight) is answered: its id may be reused once everything older is.
    void complete(std::uint16_t id);
    /// Forgets everything (the connection ended).
    void clear();

private:
    static std::uint16_t id_of(std::uint64_t seq) {
        return static_cast<std::uint16_t>(seq % 65535 + 1);
    }
    /// The slot index of in-flight `id`, or npos.
    std::size_t slot_of(std::uint16_t id) const;

    static constexpr std::size_t npos = ~std::size_t{0};
    std::vector<wait> _slots;  // ring; empty until the first add()
    std::uint64_t _base = 0;   // oldest sequence not yet answered
    std::uint64_t _next = 0;   // next sequence to hand out
    std::uint16_t _limit;
};

}  // namespace emqd::client
