// Subscription index: design note
// ===============================
//
// Two structures, one lock:
//
//   exact : level_map<filter_entry>   filter without wildcard -> what is subscribed to it
//   root  : trie_node                 wildcard filters, one node per filter level
//
//                     root
//              "a" /   | '+'  \ '#'
//              node   node    node(subs of "#")
//        "b" /  \'#'    \ "c"
//         node  node     node(subs of "+/c")
//               (subs of "a/#")
//
// A filter_entry holds the plain subscribers of one filter (a subscriber_set, see
// subscriber_set.h) and, only if someone subscribed $share/<group>/<that filter>, a map
// group name -> shared_group (shared_group.h). A shared subscription is indexed by its
// inner filter, so one lookup and one walk find both kinds.
//
// A publish to topic T does one hash lookup of T in exact, then walks the trie level by
// level: at each node it follows the child equal to the topic level, the '+' child, and
// collects the '#' child's entry. T is split into its levels once, before the walk, and
// each level is hashed at most once however many nodes look it up. When the topic is exhausted it
// collects the node's own entry and that of its '#' child ("a/#" matches "a"). At the root only,
// '+' and '#' are skipped for a topic whose first character is '$' (spec 4.7.2). Collecting an
// entry copies its plain routes and, if it has groups, appends the one member each group picks. The
// walk touches at most 2^levels nodes in the worst case ('+' at every level), typically a handful;
// it recurses once per level, so its depth is bounded by the deepest subscribed filter
// (mqtt.max_topic_levels); the destructor is iterative. Without shared subscriptions the
// only extra cost per collected entry is a null check.
//
// Invariants (all under mutex):
//   - a filter is in exact iff it has no wildcard and a non-empty entry;
//   - every trie node other than the root is non-empty: its entry has subscribers or groups,
//     or it has a child. unsubscribe() removes the nodes it empties, bottom-up, so the trie
//     never keeps dead branches (observable through trie_node_count());
//   - an entry's group map is null or non-empty, and holds no empty group;
//   - groups_by_id holds exactly the live groups (for pick_other);
//   - subscriptions == sum of set and group sizes, filters == non-empty sets + groups.
//
// Concurrency: a reader-writer lock with one slot per reading thread
// (sharded_shared_mutex.h: with one std::shared_mutex, its cache line bouncing between the
// shards was 6% of a fan-in profile); match() and pick_other() hold it shared for the walk
// only (they never call out; a group's picking state is atomics), subscribe()/unsubscribe()/
// set_available() hold it exclusively. The counters are atomics so they can be read without
// the lock (for stats).
//
// Allocation: match() allocates nothing itself in the steady state. Levels are string_views
// into the topic, kept in a per-thread buffer that only grows (to the deepest topic the
// thread matched), and hash lookups are heterogeneous (level_map), so the only allocation is
// growing `out`.

#include "router/router.h"

#include <atomic>
#include <cassert>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "core/topic.h"
#include "router/level_map.h"
#include "router/sharded_shared_mutex.h"
#include "router/shared_group.h"
#include "router/subscriber_set.h"

namespace emqd::router {
namespace {

using detail::level_cursor;
using detail::level_map;
using detail::pick_input;
using detail::shared_group;
using detail::subscriber_set;

using group_map = level_map<std::unique_ptr<shared_group>>;

// Everything subscribed with one filter: plain subscribers and shared groups.
struct filter_entry {
    subscriber_set subs;
    std::unique_ptr<group_map> groups;  // null unless a $share/<g>/<this filter> exists

    bool empty() const { return subs.empty() && !groups; }

    void collect(const pick_input& in, std::vector<route>& out) const {
        subs.append_to(out);
        if (groups) [[unlikely]]
            collect_shared(in, out);
    }

    // Out of line and cold: keeps the common (no group) path as small as it was.
    [[gnu::noinline, gnu::cold]] void collect_shared(const pick_input& in,
                                                     std::vector<route>& out) const {
        for (const auto& [name, g] : *groups)
            out.push_back(*g->pick(in));  // groups are never empty
    }
};

struct trie_node {
    level_map<std::unique_ptr<trie_node>> children;  // literal levels (may be "")
    std::unique_ptr<trie_node> plus;                 // '+' level
    std::unique_ptr<trie_node> hash;                 // '#' level: a leaf, only `entry` used
    filter_entry entry;                              // filters ending at this node

    bool empty() const { return entry.empty() && children.empty() && !plus && !hash; }
};

// One level of the topic being matched: split once per match, hashed the first time a
// node with literal children looks it up (a level is looked up in as many nodes as there
// are '+' branches above it, and in none past a node without children).
struct topic_level {
    detail::hashed_level key;
    bool hashed = false;
};

// The levels of `topic`, in a per-thread buffer that is reused: match() does not allocate
// once the buffer has grown to the deepest topic the thread has seen. Valid until the
// thread's next call.
std::span<topic_level> split_levels(std::string_view topic) {
    thread_local std::vector<topic_level> levels;
    levels.clear();
    for (std::size_t pos = 0; pos != level_cursor::end; pos = level_cursor::next(topic, pos))
        levels.push_back(topic_level{{level_cursor::level(topic, pos)}});
    return levels;
}

struct matcher {
    const pick_input& in;
    std::span<topic_level> levels;
    std::vector<route>& out;

    const detail::hashed_level& key(std::size_t depth) {
        topic_level& l = levels[depth];
        if (!l.hashed) {
            l.key.hash = detail::string_hash{}(l.key.text);
            l.hashed = true;
        }
        return l.key;
    }

    void walk(const trie_node& n, std::size_t depth, bool dollar_root) {
        if (depth == levels.size()) {
            n.entry.collect(in, out);
            if (n.hash)
                n.hash->entry.collect(in, out);  // "a/#" matches "a"
            return;
        }
        const bool wildcards = !dollar_root;  // spec 4.7.2: no first-level wildcard for '$'
        if (n.hash && wildcards)
            n.hash->entry.collect(in, out);
        if (n.plus && wildcards)
            walk(*n.plus, depth + 1, false);
        if (!n.children.empty()) {
            const auto it = n.children.find(key(depth));
            if (it != n.children.end())
                walk(*it->second, depth + 1, false);
        }
    }
};

std::unique_ptr<trie_node>* child_slot(trie_node& n, std::string_view level) {
    if (level == "+")
        return &n.plus;
    if (level == "#")
        return &n.hash;
    const auto it = n.children.find(level);
    return it == n.children.end() ? nullptr : &it->second;
}

const trie_node* child(const trie_node& n, std::string_view level) {
    if (level == "+")
        return n.plus.get();
    if (level == "#")
        return n.hash.get();
    const auto it = n.children.find(level);
    return it == n.children.end() ? nullptr : it->second.get();
}

// A subscription's place: the filter it is indexed under, and its group if shared.
struct subscription_key {
    std::string_view filter;
    std::optional<std::string_view> group;

    explicit subscription_key(std::string_view f) : filter(f) {
        if (core::is_shared_filter(f)) {
            const auto parsed = core::parse_shared_filter(f);
            assert(parsed.ok());
            filter = parsed->filter;
            group = parsed->group;
        }
    }
};

}  // namespace

struct router::impl {
    mutable detail::sharded_shared_mutex mutex;
    shared_strategy strategy;
    level_map<filter_entry> exact;
    trie_node root;
    std::size_t nodes = 0;  // trie nodes, root excluded
    std::unordered_map<std::uint64_t, const shared_group*> groups_by_id;
    std::uint64_t next_group_id = 1;
    std::atomic<std::size_t> subscriptions{0};
    std::atomic<std::size_t> filters{0};

    explicit impl(shared_strategy s) : strategy(s) {}
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

    // Returns the entry of `filter`, creating the path (and an empty entry) if needed.
    filter_entry& entry_for(std::string_view filter) {
        if (!core::has_wildcard(filter)) {
            auto it = exact.find(filter);
            if (it == exact.end())
                it = exact.emplace(std::string(filter), filter_entry{}).first;
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
        return n->entry;
    }

    // The existing entry of `filter`, or null.
    const filter_entry* find_entry(std::string_view filter) const {
        if (!core::has_wildcard(filter)) {
            const auto it = exact.find(filter);
            return it == exact.end() ? nullptr : &it->second;
        }
        const trie_node* n = &root;
        for (std::size_t pos = 0; n && pos != level_cursor::end;
             pos = level_cursor::next(filter, pos))
            n = child(*n, level_cursor::level(filter, pos));
        return n ? &n->entry : nullptr;
    }

    static shared_group* find_group(const filter_entry* e, std::string_view group) {
        if (!e || !e->groups)
            return nullptr;
        const auto it = e->groups->find(group);
        return it == e->groups->end() ? nullptr : it->second.get();
    }

    // Adds or replaces one subscription in `e`; true if new.
    bool insert(filter_entry& e, const subscription_key& key, const route& r, bool available) {
        if (!key.group) {
            const bool was_empty = e.subs.empty();
            if (!e.subs.upsert(r))
                return false;
            if (was_empty)
                ++filters;
            return true;
        }
        if (!e.groups)
            e.groups = std::make_unique<group_map>();
        auto it = e.groups->find(*key.group);
        if (it == e.groups->end()) {
            auto g = std::make_unique<shared_group>(next_group_id++);
            groups_by_id.emplace(g->id(), g.get());
            it = e.groups->emplace(std::string(*key.group), std::move(g)).first;
            ++filters;
        }
        return it->second->upsert(r, available);
    }

    // Removes one subscription from `e` (dropping an emptied group); false if none.
    bool remove(filter_entry& e, const subscription_key& key, const subscriber_id& who) {
        if (!key.group) {
            if (!e.subs.erase(who))
                return false;
            if (e.subs.empty())
                --filters;
            return true;
        }
        if (!e.groups)
            return false;
        const auto it = e.groups->find(*key.group);
        if (it == e.groups->end() || !it->second->erase(who))
            return false;
        if (it->second->empty()) {
            groups_by_id.erase(it->second->id());
            e.groups->erase(it);
            --filters;
            if (e.groups->empty())
                e.groups.reset();
        }
        return true;
    }

    bool erase_exact(const subscription_key& key, const subscriber_id& who) {
        const auto it = exact.find(key.filter);
        if (it == exact.end() || !remove(it->second, key, who))
            return false;
        if (it->second.empty())
            exact.erase(it);
        return true;
    }

    bool erase_wildcard(const subscription_key& key, const subscriber_id& who) {
        // Path of (node, level leading to it) from the root, for the bottom-up cleanup.
        std::vector<std::pair<trie_node*, std::string_view>> path;
        trie_node* n = &root;
        const std::string_view filter = key.filter;
        for (std::size_t pos = 0; pos != level_cursor::end; pos = level_cursor::next(filter, pos)) {
            const std::string_view level = level_cursor::level(filter, pos);
            std::unique_ptr<trie_node>* slot = child_slot(*n, level);
            if (!slot || !*slot)
                return false;
            path.emplace_back(n, level);
            n = slot->get();
        }
        if (!remove(n->entry, key, who))
            return false;
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

router::router(shared_strategy strategy) : _impl(std::make_unique<impl>(strategy)) {}
router::~router() = default;

bool router::subscribe(std::string_view filter, subscriber_id who, const subscription_options& opts,
                       bool available) {
    assert(core::validate_topic_filter(filter).ok());
    const subscription_key key(filter);
    std::unique_lock lock(_impl->mutex);
    filter_entry& e = _impl->entry_for(key.filter);
    if (!_impl->insert(e, key, route{who, opts}, available))
        return false;
    ++_impl->subscriptions;
    return true;
}

bool router::unsubscribe(std::string_view filter, subscriber_id who) {
    if (core::is_shared_filter(filter) && !core::parse_shared_filter(filter).ok())
        return false;  // never subscribed: subscribe() takes valid filters only
    const subscription_key key(filter);
    std::unique_lock lock(_impl->mutex);
    const bool erased = core::has_wildcard(key.filter) ? _impl->erase_wildcard(key, who)
                                                       : _impl->erase_exact(key, who);
    if (!erased)
        return false;
    --_impl->subscriptions;
    return true;
}

bool router::set_available(std::string_view filter, subscriber_id who, bool available) {
    if (!core::is_shared_filter(filter))
        return false;
    const auto parsed = core::parse_shared_filter(filter);
    if (!parsed)
        return false;
    std::unique_lock lock(_impl->mutex);
    shared_group* g = _impl->find_group(_impl->find_entry(parsed->filter), parsed->group);
    return g && g->set_available(who, available);
}

void router::match(std::string_view topic, std::string_view publisher,
                   std::vector<route>& out) const {
    assert(core::validate_topic_name(topic).ok());
    const bool dollar = !topic.empty() && topic.front() == '$';
    const pick_input in{_impl->strategy, topic, publisher};
    std::shared_lock lock(_impl->mutex);
    if (!_impl->exact.empty()) {
        const auto it = _impl->exact.find(topic);
        if (it != _impl->exact.end())
            it->second.collect(in, out);
    }
    if (_impl->nodes != 0)
        matcher{in, split_levels(topic), out}.walk(_impl->root, 0, dollar);
}

std::optional<route> router::pick_other(std::uint64_t group, std::string_view topic,
                                        std::string_view publisher, subscriber_id exclude,
                                        bool any_member) const {
    const pick_input in{_impl->strategy, topic, publisher};
    std::shared_lock lock(_impl->mutex);
    const auto it = _impl->groups_by_id.find(group);
    if (it == _impl->groups_by_id.end())
        return std::nullopt;
    if (const route* r = it->second->pick_other(in, exclude, any_member))
        return *r;
    return std::nullopt;
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

std::size_t router::shared_group_count() const {
    std::shared_lock lock(_impl->mutex);
    return _impl->groups_by_id.size();
}

}  // namespace emqd::router
