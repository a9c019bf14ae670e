#pragma once
// shared_group: the members of one shared subscription group ($share/<group>/<filter>,
// spec 4.8.2) and the choice of the one member that gets each message.
//
// Design note. Members are a subscriber_set partitioned by availability:
//
//     _members:  [ A  B  C | D  E ]      A, B, C available (attached); D, E not
//                 0  1  2   3  4         _available = 3
//
// A member is available while its session has a connection; a message goes to an available
// member whenever there is one, and to any member otherwise (a detached persistent session
// then keeps it until it reconnects or hands it on). Making a member (un)available swaps it
// across the boundary, so every operation stays O(1) (with the set's index for big groups).
//
// Strategies pick a position in the candidate range [0, _available) (or [0, size()) when no
// member is available):
//   random          a thread-local PRNG;
//   round_robin     _next.fetch_add(1) % n: members take turns exactly (one counter per
//                   group, shared by every publisher);
//   hash_clientid   hash(publisher client id) % n; hash_topic: hash(topic) % n;
//   sticky          _sticky holds the chosen member's position; it is kept while that member
//                   stays available, and a pick that finds none chooses one at random and
//                   installs it with compare-and-swap (concurrent readers agree on one).
//
// Invariants (under the router's exclusive lock for writers):
//   - _available <= _members.size(); positions [0, _available) are the available members;
//   - _sticky < _available or _sticky == npos. Every move of a member patches it, and a
//     member that leaves or becomes unavailable resets it.
//
// Thread safety: pick() and pick_other() may run concurrently with each other (under the
// router's shared lock): their only writes are to the atomics. Everything else needs the
// exclusive lock.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "router/shared_strategy.h"
#include "router/subscriber.h"
#include "router/subscriber_set.h"

namespace emqd::router::detail {

/// What the strategies look at when they pick.
struct pick_input {
    shared_strategy strategy = shared_strategy::random;
    std::string_view topic;
    std::string_view publisher;  // client id of the publisher ("" for the broker)
};

class shared_group {
public:
    explicit shared_group(std::uint64_t id) : _id(id) {}
    shared_group(const shared_group&) = delete;
    shared_group& operator=(const shared_group&) = delete;

    std::uint64_t id() const { return _id; }
    bool empty() const { return _members.empty(); }
    std::size_t size() const { return _members.size(); }

    /// Adds `r` (or replaces its options) with the given availability. r.options.shared_group
    /// is set to id(). Returns true if the member is new.
    bool upsert(route r, bool available);
    /// Removes the member; false if it was not one.
    bool erase(const subscriber_id& who);
    /// Moves a member into or out of the available range; false if it is not a member.
    bool set_available(const subscriber_id& who, bool available);

    /// The member that gets a message, or null if the group is empty.
    const route* pick(const pick_input& in) const;
    /// A member other than `exclude` for a message `exclude` cannot take: an available one,
    /// else (if `any_member`) any other member, else null. Uses the strategy over the
    /// candidates; sticky keeps its member if it is a candidate.
    const route* pick_other(const pick_input& in, const subscriber_id& exclude,
                            bool any_member) const;

private:
    static constexpr std::size_t npos = subscriber_set::npos;

    /// A position in [0, n) for a non-sticky pick (sticky falls back to random). n > 0.
    std::size_t choose(const pick_input& in, std::size_t n) const;
    /// The sticky member if it is set and not at `skip`; else installs a random position of
    /// [0, _available) other than `skip` (if there is one) and returns it, or npos.
    std::size_t sticky_position(std::size_t skip) const;
    void swap_members(std::size_t i, std::size_t j);

    std::uint64_t _id;
    subscriber_set _members;
    std::size_t _available = 0;
    mutable std::atomic<std::uint64_t> _next{0};
    mutable std::atomic<std::size_t> _sticky{npos};
};

}  // namespace emqd::router::detail
