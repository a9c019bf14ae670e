#pragma once
// subscriber_set: the routes of one filter (or of one shared subscription group).
//
// Design note. Routes live in a vector (what match() copies out, in one contiguous block)
// plus, once the set has more than index_threshold entries, a hash index subscriber ->
// position. Add is push_back; remove is swap-with-last + pop_back, patching the moved
// entry's index slot: O(1) either way, so 100,000 subscribers on one filter cost nothing
// more per operation than 10. Small sets (the common case, with up to a million filters)
// keep no index and are scanned linearly, which saves ~60 bytes per filter.
//
// Invariants: a subscriber appears at most once, and when _index is present
// _index[r.subscriber] is the position of r in _routes for every route r.
//
// Thread safety: none; the router guards every set with its lock.

#include <cstddef>
#include <memory>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "router/subscriber.h"

namespace emqd::router::detail {

class subscriber_set {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// Inserts or replaces the route of r.subscriber; true if it was not there.
    bool upsert(const route& r) {
        const std::size_t pos = position(r.subscriber);
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

    /// Removes the route of `who`; false if there was none. The last route takes its place.
    bool erase(const subscriber_id& who) {
        const std::size_t pos = position(who);
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

    /// Exchanges the routes at positions i and j (both < size()).
    void swap(std::size_t i, std::size_t j) {
        if (i == j)
            return;
        std::swap(_routes[i], _routes[j]);
        if (_index) {
            (*_index)[_routes[i].subscriber] = i;
            (*_index)[_routes[j].subscriber] = j;
        }
    }

    /// Position of the route of `who`, or npos.
    std::size_t position(const subscriber_id& who) const {
        if (_index) {
            const auto it = _index->find(who);
            return it == _index->end() ? npos : it->second;
        }
        for (std::size_t i = 0; i < _routes.size(); ++i)
            if (_routes[i].subscriber == who)
                return i;
        return npos;
    }

    const route& at(std::size_t i) const { return _routes[i]; }
    bool empty() const { return _routes.empty(); }
    std::size_t size() const { return _routes.size(); }

    void append_to(std::vector<route>& out) const {
        if (_routes.size() == 1)  // most filters: one subscriber; skips range-insert's setup
            out.push_back(_routes.front());
        else
            out.insert(out.end(), _routes.begin(), _routes.end());
    }

private:
    static constexpr std::size_t index_threshold = 16;

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

}  // namespace emqd::router::detail
