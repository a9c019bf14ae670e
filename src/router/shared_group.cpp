// shared_group: availability partition and picking strategies; see the design note in
// shared_group.h.

#include "router/shared_group.h"

#include <functional>
#include <random>

namespace emqd::router::detail {

namespace {

std::size_t random_below(std::size_t n) {
    // One generator per thread: picks run concurrently under the router's shared lock.
    thread_local std::minstd_rand rng{std::random_device{}()};
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}

// Position k of n candidates, skipping `skip` (a position that is not a candidate).
std::size_t skip_over(std::size_t k, std::size_t skip) {
    return k >= skip ? k + 1 : k;
}

}  // namespace

bool shared_group::upsert(route r, bool available) {
    r.options.shared_group = _id;
    if (!_members.upsert(r)) {
        set_available(r.subscriber, available);
        return false;
    }
    // A new member is last, on the unavailable side: move it across if it is available.
    if (available) {
        swap_members(_members.size() - 1, _available);
        ++_available;
    }
    return true;
}

bool shared_group::erase(const subscriber_id& who) {
    std::size_t pos = _members.position(who);
    if (pos == npos)
        return false;
    if (pos < _available) {
        swap_members(pos, _available - 1);
        pos = --_available;
    }
    if (_sticky.load(std::memory_order_relaxed) == pos)
        _sticky.store(npos, std::memory_order_relaxed);  // it was the sticky member
    // erase() moves the last member into `pos`: an unavailable one, never the sticky one.
    _members.erase(who);
    return true;
}

bool shared_group::set_available(const subscriber_id& who, bool available) {
    const std::size_t pos = _members.position(who);
    if (pos == npos)
        return false;
    const bool is_available = pos < _available;
    if (available && !is_available) {
        swap_members(pos, _available);
        ++_available;
    } else if (!available && is_available) {
        swap_members(pos, _available - 1);
        --_available;
        if (_sticky.load(std::memory_order_relaxed) == _available)
            _sticky.store(npos, std::memory_order_relaxed);  // it stops being picked
    }
    return true;
}

void shared_group::swap_members(std::size_t i, std::size_t j) {
    _members.swap(i, j);
    const std::size_t s = _sticky.load(std::memory_order_relaxed);
    if (s == i)
        _sticky.store(j, std::memory_order_relaxed);
    else if (s == j)
        _sticky.store(i, std::memory_order_relaxed);
}

std::size_t shared_group::choose(const pick_input& in, std::size_t n) const {
    switch (in.strategy) {
        case shared_strategy::round_robin:
            return _next.fetch_add(1, std::memory_order_relaxed) % n;
        case shared_strategy::hash_clientid:
            return std::hash<std::string_view>{}(in.publisher) % n;
        case shared_strategy::hash_topic:
            return std::hash<std::string_view>{}(in.topic) % n;
        case shared_strategy::random:
        case shared_strategy::sticky:
            break;
    }
    return random_below(n);
}

std::size_t shared_group::sticky_position(std::size_t skip) const {
    std::size_t cur = _sticky.load(std::memory_order_relaxed);
    if (cur != npos && cur != skip)
        return cur;
    const std::size_t n = skip < _available ? _available - 1 : _available;
    if (n == 0)
        return npos;
    const std::size_t want = skip_over(random_below(n), skip);
    if (cur != npos)
        return want;  // the sticky member is the one excluded: it stays sticky
    // Another reader may have installed one first: then use that one.
    if (_sticky.compare_exchange_strong(cur, want, std::memory_order_relaxed))
        return want;
    return cur;
}

const route* shared_group::pick(const pick_input& in) const {
    if (_members.empty())
        return nullptr;
    if (_available == 0)
        return &_members.at(choose(in, _members.size()));
    if (in.strategy == shared_strategy::sticky)
        return &_members.at(sticky_position(npos));
    return &_members.at(choose(in, _available));
}

const route* shared_group::pick_other(const pick_input& in, const subscriber_id& exclude,
                                      bool any_member) const {
    const std::size_t skip = _members.position(exclude);
    const std::size_t available = skip < _available ? _available - 1 : _available;
    if (available > 0) {
        if (in.strategy == shared_strategy::sticky)
            return &_members.at(sticky_position(skip));
        const std::size_t k = choose(in, available);
        return &_members.at(skip < _available ? skip_over(k, skip) : k);
    }
    const std::size_t others = skip == npos ? _members.size() : _members.size() - 1;
    if (!any_member || others == 0)
        return nullptr;
    return &_members.at(skip_over(choose(in, others), skip));
}

}  // namespace emqd::router::detail
