// Subscription index: design note
// ===============================
//
// Two structures, one lock:
//
//   _exact : level_map<subscriber_set>   filter without wildcard -> its subscribers
//   _root  : trie_node                   wildcard filters, one node per filter level
//
//                     root
//              "a" /   | '+'  \ '#'
//              node   node    node(subs of "#")
//        "b" /  \'#'    \ "c"
//         node  node     node(subs of "+/c")
//               (subs of "a/#")
//
// A publish to topic T does one hash lookup of T in _exact, then walks the trie level by
// level: at each node it follows the child equal to the topic level, the '+' child, and
// collects the '#' child's subscribers. When the topic is exhausted it collects the node's
// own subscribers and those of its '#' child ("a/#" matches "a"). At the root only, '+' and
// '#' are skipped for a topic whose first character is '$' (spec 4.7.2). The walk touches
// at most 2^levels nodes in the worst case ('+' at every level), typically a handful; it
// recurses once per level, so its depth is bounded by the deepest subscribed filter
// (mqtt.max_topic_levels); the destructor is iterative.
//
// subscriber_set holds the routes of one filter in a vector (what match() copies out, in
// one contiguous block) plus, once it has more than index_threshold entries, a hash index
// subscriber -> position. Add is push_back; remove is swap-with-last + pop_back, patching
// the moved entry's index slot: O(1) either way, so 100,000 subscribers on one filter cost
// nothing more per operation than 10. Small sets (the common case, with up to a million
// filters) keep no index and are scanned linearly, which saves ~60 bytes per filter.
//
// Invariants (all under _mutex):
//   - a filter is in _exact iff it has no wildcard and at least one subscriber;
//   - every trie node other than the root is non-empty: it has subscribers or a child.
//     unsubscribe() removes the nodes it empties, bottom-up, so the trie never keeps dead
//     branches (observable through trie_node_count());
//   - in a subscriber_set a subscriber appears at most once, and when _index is present
//     _index[r.subscriber] is the position of r in _routes for every route r;
//   - _subscriptions == sum of set sizes, _filters == number of non-empty sets.
//
// Concurrency: std::shared_mutex; match() holds it shared for the walk only (it never
// calls out), subscribe()/unsubscribe() hold it exclusively. The counters are atomics so
// they can be read without the lock (for stats). If reader contention on the rwlock's
// cache line shows up in profiles, shard the lock by topic hash or switch the trie to
// copy-on-write snapshots; the public interface allows both.
//
// Allocation: match() allocates nothing itself. Levels are string_views into the topic and
// hash lookups are heterogeneous (level_map), so the only allocation is growing `out`.

#include "router/router.h"

#include <atomic>
#include <cassert>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/topic.h"
#include "router/level_map.h"

namespace emqd::router {
namespace {

using detail::level_cursor;
using detail::level_map;

// The routes of one filter. See the design note for the layout and its invariants.
class subscriber_set {
public:
    /// Inserts or replaces the route of r.subscriber; true if it was not there.
    bool upsert(const route& r) {
        const std::size_t pos = find(r.subscriber);
        if (pos != npos) {
            _routes[pos].options = r.options;
            return false;
        }
        _routes.push_back(r);
        if (_index) {
            _index->emplace(r.subscriber, _routes.size() - 1);
        } else if (_routes.size() > index_threshold) {
            build_index();
        }
        return true;
    }

    /// Removes the route of `who`; false if there was none.
    bool erase(const subscriber_id& who) {
        const std::size_t pos = find(who);
        if (pos == npos)
            return false;
        const std::size_t last = _routes.size() - 1;
        if (pos != last) {
            _routes[pos] = _routes[last];
            if (_index)
                (*_index)[_routes[pos].subscriber] = pos;
        }
        _routes.pop_back();
        if (_index) {
            _index->erase(who);
            // Hysteresis (build above threshold, drop below half) avoids rebuilding the
            // index on every add/remove around the threshold.
            if (_routes.size() < index_threshold / 2)
                _index.reset();
        }
        // Give memory back after a mass unsubscribe. Amortised O(1): the vector must lose
        // three quarters of its capacity between two shrinks.
        if (_routes.capacity() > 64 && _routes.size() < _routes.capacity() / 4)
            _routes.shrink_to_fit();
        return true;
    }

    bool empty() const { return _routes.empty(); }
    std::size_t size() const { return _routes.size(); }

    void append_to(std::vector<route>& out) const {
        out.insert(out.end(), _routes.begin(), _routes.end());
    }

private:
    static constexpr std::size_t index_threshold = 16;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    std::size_t find(const subscriber_id& who) const {
        if (_index) {
            const auto it = _index->find(who);
            return it == _index->end() ? npos : it->second;
        }
        for (std::size_t i = 0; i < _routes.size(); ++i)
            if (_routes[i].subscriber == who)
                return i;
        return npos;
    }

    void build_index() {
        _index = std::make_unique<index_map>();
        _index->reserve(_routes.size() * 2);
        for (std::size_t i = 0; i < _routes.size(); ++i)
            _index->emplace(_routes[i].subscriber, i);
    }

    using index_map = std::unordered_map<subscriber_id, std::size_t, subscriber_id_hash>;
    std::vector<route> _routes;
    std::unique_ptr<index_map> _index;  // null while the set is small
};

struct trie_node {
    level_map<std::unique_ptr<trie_node>> children;  // literal levels (may be "")
    std::unique_ptr<trie_node> plus;                 // '+' level
    std::unique_ptr<trie_node> hash;                 // '#' level: a leaf, only `subs` used
    subscriber_set subs;                             // filters ending at this node

    bool empty() const { return subs.empty() && children.empty() && !plus && !hash; }
};

void walk(const trie_node& n, std::string_view topic, std::size_t pos, bool dollar_root,
          std::vector<route>& out) {
    if (pos == level_cursor::end) {
        n.subs.append_to(out);
        if (n.hash)
            n.hash->subs.append_to(out);  // "a/#" matches "a"
        return;
    }
    const bool wildcards = !dollar_root;  // spec 4.7.2: no first-level wildcard for '$'
    if (n.hash && wildcards)
        n.hash->subs.append_to(out);
    const std::size_t next = level_cursor::next(topic, pos);
    if (n.plus && wildcards)
        walk(*n.plus, topic, next, false, out);
    if (!n.children.empty()) {
        const auto it = n.children.find(level_cursor::level(topic, pos));
        if (it != n.children.end())
            walk(*it->second, topic, next, false, out);
    }
}

std::unique_ptr<trie_node>* child_slot(trie_node& n, std::string_view level) {
    if (level == "+")
        return &n.plus;
    if (level == "#")
        return &n.hash;
    const auto it = n.children.find(level);
    return it == n.children.end() ? nullptr : &it->second;
}

}  // namespace

struct router::impl {
    mutable std::shared_mutex mutex;
    level_map<subscriber_set> exact;
    trie_node root;
    std::size_t nodes = 0;  // trie nodes, root excluded
    std::atomic<std::size_t> subscriptions{0};
    std::atomic<std::size_t> filters{0};

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    // Iterative teardown: the default one would recurse once per filter level.
    ~impl() {
        std::vector<std::unique_ptr<trie_node>> stack;
        auto adopt_children = [&stack](trie_node& n) {
            for (auto& [level, child] : n.children)
                stack.push_back(std::move(child));
            n.children.clear();
            if (n.plus)
                stack.push_back(std::move(n.plus));
            if (n.hash)
                stack.push_back(std::move(n.hash));
        };
        adopt_children(root);
        while (!stack.empty()) {
            std::unique_ptr<trie_node> n = std::move(stack.back());
            stack.pop_back();
            adopt_children(*n);
        }
    }

    // Returns the set of `filter`, creating the path (and an empty set) if needed.
    subscriber_set& set_for(std::string_view filter) {
        if (!core::has_wildcard(filter)) {
            auto it = exact.find(filter);
            if (it == exact.end())
                it = exact.emplace(std::string(filter), subscriber_set{}).first;
            return it->second;
        }
        trie_node* n = &root;
        for (std::size_t pos = 0; pos != level_cursor::end; pos = level_cursor::next(filter, pos)) {
            const std::string_view level = level_cursor::level(filter, pos);
            std::unique_ptr<trie_node>* slot = child_slot(*n, level);
            if (!slot)
                slot = &n->children.emplace(std::string(level), nullptr).first->second;
            if (!*slot) {
                *slot = std::make_unique<trie_node>();
                ++nodes;
            }
            n = slot->get();
        }
        return n->subs;
    }

    bool erase_wildcard(std::string_view filter, const subscriber_id& who) {
        // Path of (node, level leading to it) from the root, for the bottom-up cleanup.
        std::vector<std::pair<trie_node*, std::string_view>> path;
        trie_node* n = &root;
        for (std::size_t pos = 0; pos != level_cursor::end; pos = level_cursor::next(filter, pos)) {
            const std::string_view level = level_cursor::level(filter, pos);
            std::unique_ptr<trie_node>* slot = child_slot(*n, level);
            if (!slot || !*slot)
                return false;
            path.emplace_back(n, level);
            n = slot->get();
        }
        if (!n->subs.erase(who))
            return false;
        if (n->subs.empty())
            --filters;
        // Remove the nodes this emptied, deepest first; stop at the first one still in use.
        while (!path.empty() && n->empty()) {
            auto [parent, level] = path.back();
            path.pop_back();
            if (level == "+") {
                parent->plus.reset();
            } else if (level == "#") {
                parent->hash.reset();
            } else {
                parent->children.erase(parent->children.find(level));
            }
            --nodes;
            n = parent;
        }
        return true;
    }
};

router::router() : _impl(std::make_unique<impl>()) {}
router::~router() = default;

bool router::subscribe(std::string_view filter, subscriber_id who,
                       const subscription_options& opts) {
    assert(core::validate_topic_filter(filter).ok());
    std::unique_lock lock(_impl->mutex);
    subscriber_set& set = _impl->set_for(filter);
    const bool was_empty = set.empty();
    if (!set.upsert(route{who, opts}))
        return false;
    ++_impl->subscriptions;
    if (was_empty)
        ++_impl->filters;
    return true;
}

bool router::unsubscribe(std::string_view filter, subscriber_id who) {
    std::unique_lock lock(_impl->mutex);
    if (core::has_wildcard(filter)) {
        if (!_impl->erase_wildcard(filter, who))
            return false;
    } else {
        const auto it = _impl->exact.find(filter);
        if (it == _impl->exact.end() || !it->second.erase(who))
            return false;
        if (it->second.empty()) {
            _impl->exact.erase(it);
            --_impl->filters;
        }
    }
    --_impl->subscriptions;
    return true;
}

void router::match(std::string_view topic, std::vector<route>& out) const {
    assert(core::validate_topic_name(topic).ok());
    const bool dollar = !topic.empty() && topic.front() == '$';
    std::shared_lock lock(_impl->mutex);
    if (!_impl->exact.empty()) {
        const auto it = _impl->exact.find(topic);
        if (it != _impl->exact.end())
            it->second.append_to(out);
    }
    if (_impl->nodes != 0)
        walk(_impl->root, topic, 0, dollar, out);
}

std::size_t router::subscription_count() const {
    return _impl->subscriptions.load(std::memory_order_relaxed);
}

std::size_t router::filter_count() const {
    return _impl->filters.load(std::memory_order_relaxed);
}

std::size_t router::trie_node_count() const {
    std::shared_lock lock(_impl->mutex);
    return _impl->nodes;
}

}  // namespace emqd::router
