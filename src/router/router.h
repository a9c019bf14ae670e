#pragma once
// The subscription index shared by all shards.
//
// Exact filters (no wildcard) live in a hash table keyed by the filter; wildcard filters in
// a topic trie whose nodes are topic levels, with '+' and '#' children. A publish looks up
// the exact table once and walks the trie once. Topics starting with '$' are not matched by
// a wildcard in the first level (spec 4.7.2).
//
// Thread safety: every member function may be called from any thread. Matching takes a
// shared (reader) lock, subscribe/unsubscribe an exclusive one: reads vastly outnumber
// writes. The lock is held only for the walk, never while delivering.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "router/subscriber.h"

namespace emqd::router {

class router {
public:
    router();
    ~router();
    router(const router&) = delete;
    router& operator=(const router&) = delete;

    /// Adds or replaces the subscription of `who` to `filter` (a valid filter, taken
    /// verbatim: stripping a $share/$queue prefix is the caller's business). O(levels),
    /// independent of how many subscribers the filter already has.
    /// Returns true if it is new, false if it replaced an existing one (for Retain Handling 1).
    bool subscribe(std::string_view filter, subscriber_id who, const subscription_options& opts);

    /// Removes it, and any trie node it leaves empty; returns false if there was none.
    /// O(levels), independent of how many subscribers the filter has.
    bool unsubscribe(std::string_view filter, subscriber_id who);

    /// Appends every subscription matching `topic` (a valid topic name) to `out`. A
    /// subscriber with several matching filters appears once per filter: the caller merges.
    /// Order is unspecified. Allocates nothing except to grow `out` (reuse one vector per
    /// worker); holds the shared lock for the lookup and trie walk only.
    void match(std::string_view topic, std::vector<route>& out) const;

    /// Number of (filter, subscriber) pairs. Lock-free read; may lag a concurrent writer.
    std::size_t subscription_count() const;
    /// Number of distinct filters with at least one subscriber. Lock-free read, as above.
    std::size_t filter_count() const;
    /// Number of nodes in the wildcard trie, root excluded: 0 when no wildcard filter is
    /// subscribed (empty nodes are removed on unsubscribe). Diagnostic; takes the shared lock.
    std::size_t trie_node_count() const;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::router
