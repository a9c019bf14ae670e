// Retained message store: design note
// ===================================
//
//   _by_topic : level_map<node*>   topic -> the trie node holding its message
//   _root     : node               one node per topic level, message on the last level
//
//   topics "a/b", "a/c", "a", "$SYS/x"     root
//                                     "a" /    \ "$SYS"
//                                 node(msg)    node
//                              "b" /   \ "c"     \ "x"
//                          node(msg) node(msg)   node(msg)
//
// An exact filter (no wildcard) is one hash lookup in _by_topic. A wildcard filter walks the
// trie: a literal level follows one child, '+' follows every child, '#' collects the whole
// subtree including the current node ("a/#" matches "a"). So "a/+/x" visits only the
// children of "a", never the rest of the store. At the root, '+' and '#' skip children whose
// level starts with '$' (spec 4.7.2).
//
// Invariants (under _mutex):
//   - _by_topic[t] == n iff n->msg is non-null and n's path from the root spells t;
//   - every node other than the root has a message or a child: erase() removes the nodes
//     it empties, bottom-up, through the parent pointers;
//   - n->key is a view of the key under which n is stored in n->parent->children
//     (unordered_map keys never move, so the view stays valid while n exists).
//
// Expired messages (Message Expiry Interval) are skipped by match() and dropped by
// purge_expired(); match() holds only the shared lock, so it never deletes.
//
// Depth: walk() recurses once per filter level; the subtree collection for '#' and the
// destructor are iterative, so a deep retained topic cannot exhaust the stack there.
// mqtt.max_topic_levels bounds filter depth.

#include "router/retained_store.h"

#include <cassert>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "core/topic.h"
#include "router/level_map.h"

namespace emqd::router {
namespace {

using detail::level_cursor;
using detail::level_map;
using time_point = core::message::clock::time_point;

struct node {
    node* parent = nullptr;
    std::string_view key;  // view of this node's key in parent->children
    level_map<std::unique_ptr<node>> children;
    core::message_ptr msg;  // null if no retained message ends here

    bool empty() const { return !msg && children.empty(); }
};

bool is_dollar(std::string_view level) {
    return !level.empty() && level.front() == '$';
}

void add_if_live(const core::message_ptr& msg, time_point now,
                 std::vector<core::message_ptr>& out) {
    if (msg && !msg->expired(now))
        out.push_back(msg);
}

// Every message in n's subtree, n included; at the root, '$' children are skipped.
void collect_subtree(const node& n, bool at_root, time_point now,
                     std::vector<core::message_ptr>& out) {
    add_if_live(n.msg, now, out);
    std::vector<const node*> stack;
    for (const auto& [level, child] : n.children)
        if (!(at_root && is_dollar(level)))
            stack.push_back(child.get());
    while (!stack.empty()) {
        const node* c = stack.back();
        stack.pop_back();
        add_if_live(c->msg, now, out);
        for (const auto& [level, child] : c->children)
            stack.push_back(child.get());
    }
}

void walk(const node& n, std::string_view filter, std::size_t pos, bool at_root, time_point now,
          std::vector<core::message_ptr>& out) {
    if (pos == level_cursor::end) {
        add_if_live(n.msg, now, out);
        return;
    }
    const std::string_view level = level_cursor::level(filter, pos);
    if (level == "#") {
        collect_subtree(n, at_root, now, out);
        return;
    }
    const std::size_t next = level_cursor::next(filter, pos);
    if (level == "+") {
        for (const auto& [key, child] : n.children)
            if (!(at_root && is_dollar(key)))
                walk(*child, filter, next, false, now, out);
        return;
    }
    const auto it = n.children.find(level);
    if (it != n.children.end())
        walk(*it->second, filter, next, false, now, out);
}

}  // namespace

struct retained_store::impl {
    mutable std::shared_mutex mutex;
    node root;
    level_map<node*> by_topic;

    impl() = default;
    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    // Iterative teardown: the default one would recurse once per topic level.
    ~impl() {
        std::vector<std::unique_ptr<node>> stack;
        auto adopt_children = [&stack](node& n) {
            for (auto& [level, child] : n.children)
                stack.push_back(std::move(child));
            n.children.clear();
        };
        adopt_children(root);
        while (!stack.empty()) {
            std::unique_ptr<node> n = std::move(stack.back());
            stack.pop_back();
            adopt_children(*n);
        }
    }

    // Removes the message at `it` and the trie nodes that this leaves empty.
    void erase_at(level_map<node*>::iterator it) {
        node* n = it->second;
        by_topic.erase(it);
        n->msg.reset();
        while (n != &root && n->empty()) {
            node* parent = n->parent;
            parent->children.erase(parent->children.find(n->key));  // destroys n
            n = parent;
        }
    }
};

retained_store::retained_store() : _impl(std::make_unique<impl>()) {}
retained_store::~retained_store() = default;

void retained_store::put(const core::message_ptr& msg) {
    assert(msg && core::validate_topic_name(msg->topic).ok());
    if (msg->payload.empty()) {
        erase(msg->topic);
        return;
    }
    const std::string_view topic = msg->topic;
    std::unique_lock lock(_impl->mutex);
    if (const auto it = _impl->by_topic.find(topic); it != _impl->by_topic.end()) {
        it->second->msg = msg;
        return;
    }
    node* n = &_impl->root;
    for (std::size_t pos = 0; pos != level_cursor::end; pos = level_cursor::next(topic, pos)) {
        const std::string_view level = level_cursor::level(topic, pos);
        auto it = n->children.find(level);
        if (it == n->children.end()) {
            it = n->children.emplace(std::string(level), std::make_unique<node>()).first;
            it->second->parent = n;
            it->second->key = it->first;
        }
        n = it->second.get();
    }
    n->msg = msg;
    _impl->by_topic.emplace(std::string(topic), n);
}

void retained_store::erase(std::string_view topic) {
    std::unique_lock lock(_impl->mutex);
    const auto it = _impl->by_topic.find(topic);
    if (it != _impl->by_topic.end())
        _impl->erase_at(it);
}

void retained_store::match(std::string_view filter, std::vector<core::message_ptr>& out) const {
    match(filter, out, core::message::clock::now());
}

void retained_store::match(std::string_view filter, std::vector<core::message_ptr>& out,
                           time_point now) const {
    assert(core::validate_topic_filter(filter).ok());
    std::shared_lock lock(_impl->mutex);
    if (!core::has_wildcard(filter)) {
        const auto it = _impl->by_topic.find(filter);
        if (it != _impl->by_topic.end())
            add_if_live(it->second->msg, now, out);
        return;
    }
    walk(_impl->root, filter, 0, true, now, out);
}

std::size_t retained_store::purge_expired(time_point now,
                                          const std::function<void(std::string_view)>& purged_one) {
    std::unique_lock lock(_impl->mutex);
    std::size_t purged = 0;
    for (auto it = _impl->by_topic.begin(); it != _impl->by_topic.end();) {
        const auto next = std::next(it);  // erase_at invalidates only `it`
        if (it->second->msg->expired(now)) {
            if (purged_one)
                purged_one(it->second->msg->topic);
            _impl->erase_at(it);
            ++purged;
        }
        it = next;
    }
    return purged;
}

std::size_t retained_store::size() const {
    std::shared_lock lock(_impl->mutex);
    return _impl->by_topic.size();
}

}  // namespace emqd::router
