#pragma once
// The subscription index shared by all shards.
//
// Exact filters (no wildcard) live in a hash table keyed by the filter; wildcard filters in
// a topic trie whose nodes are topic levels, with '+' and '#' children. A publish looks up
// the exact table once and walks the trie once. Topics starting with '$' are not matched by
// a wildcard in the first level (spec 4.7.2).
//
// Shared subscriptions ($share/<group>/<filter>, $queue/<filter>; spec 4.8.2) are groups
// kept where <filter> would be; match() returns one member of each matching group, chosen
// by the strategy given at construction (see shared_group.h).
//
// Thread safety: every member function may be called from any thread. Matching takes a
// shared (reader) lock, subscribe/unsubscribe an exclusive one: reads vastly outnumber
// writes. The lock is held only for the walk, never while delivering.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "router/shared_strategy.h"
#include "router/subscriber.h"

namespace emqd::router {

class router {
public:
    explicit router(shared_strategy strategy = shared_strategy::random);
    ~router();
    router(const router&) = delete;
    router& operator=(const router&) = delete;

    /// Adds or replaces the subscription of `who` to `filter` (a valid filter, or a valid
    /// shared one: core::parse_shared_filter). O(levels), independent of how many subscribers
    /// the filter already has. For a shared filter `who` joins the group (group, filter) as
    /// `available` or not (set_available); its routes carry the group's id in
    /// options.shared_group. Returns true if it is new, false if it replaced an existing one
    /// (for Retain Handling 1).
    bool subscribe(std::string_view filter, subscriber_id who, const subscription_options& opts,
                   bool available = true);

    /// Removes it, and any trie node or group it leaves empty; returns false if there was
    /// none. O(levels), independent of how many subscribers the filter has.
    bool unsubscribe(std::string_view filter, subscriber_id who);

    /// For a shared `filter` that `who` is a member of: whether messages may go to it while
    /// another member is available (a member without a connection is not). Returns false
    /// if `who` is not a member.
    bool set_available(std::string_view filter, subscriber_id who, bool available);

    /// Appends every subscription matching `topic` (a valid topic name) to `out`: every
    /// subscriber of every matching non-shared filter, and one member of every matching
    /// shared group, picked with `publisher` (the publisher's client id) and `topic`. A
    /// subscriber with several matching filters appears once per filter: the caller merges
    /// (but never a shared route: it is a delivery of its own). Order is unspecified.
    /// Allocates nothing except to grow `out` (reuse one vector per worker) and, when the
    /// calling thread meets a topic with more levels than any before, its buffer of levels
    /// (kept per thread); holds the shared lock for the lookup and trie walk only.
    void match(std::string_view topic, std::string_view publisher, std::vector<route>& out) const;

    /// For a message delivered through shared group `group` (a route's
    /// options.shared_group) that `exclude` cannot take (its connection went away): another
    /// member, available if possible, else any other member when `any_member`, picked by
    /// the strategy with `topic` and `publisher`. Nothing if the group is gone or has no
    /// such member. Takes the shared lock.
    std::optional<route> pick_other(std::uint64_t group, std::string_view topic,
                                    std::string_view publisher, subscriber_id exclude,
                                    bool any_member) const;

    /// Number of (filter, subscriber) pairs, shared memberships included. Lock-free read; may
    /// lag a concurrent writer.
    std::size_t subscription_count() const;
    /// Number of distinct filters with at least one subscriber, each shared group counting
    /// as one ($share/g/t and $share/h/t are two). Lock-free read, as above.
    std::size_t filter_count() const;
    /// Number of nodes in the wildcard trie, root excluded: 0 when no wildcard filter is
    /// subscribed (empty nodes are removed on unsubscribe). Diagnostic; takes the shared lock.
    std::size_t trie_node_count() const;
    /// Number of shared subscription groups. Diagnostic; takes the shared lock.
    std::size_t shared_group_count() const;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::router
