#include "broker/throttle_list.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace emqd::broker {

struct throttle_list::timer {
    explicit timer(boost::asio::io_context& io) : t(io) {}
    boost::asio::steady_timer t;
};

throttle_list::throttle_list(boost::asio::io_context& io, wake_fn wake)
    : _timer(std::make_unique<timer>(io)), _wake(std::move(wake)) {}

throttle_list::~throttle_list() = default;

void throttle_list::add(std::uint64_t id, clock::time_point when) {
    _heap.emplace_back(when, id);
    std::push_heap(_heap.begin(), _heap.end(), std::greater<>{});
    if (!_armed || when < _armed_for)
        arm(when);
}

void throttle_list::arm(clock::time_point when) {
    _armed = true;
    _armed_for = when;
    _timer->t.expires_at(when);  // cancels a wait for a later deadline
    _timer->t.async_wait([this](boost::system::error_code ec) {
        if (!ec)  // aborted: re-armed (or the shard is going away)
            fire();
    });
}

void throttle_list::fire() {
    const auto now = clock::now();
    _due.clear();
    while (!_heap.empty() && _heap.front().first <= now) {
        std::pop_heap(_heap.begin(), _heap.end(), std::greater<>{});
        _due.push_back(_heap.back());
        _heap.pop_back();
    }
    _armed = false;
    if (!_heap.empty())
        arm(_heap.front().first);
    // Wake after re-arming: a woken connection may add itself again.
    auto due = std::move(_due);
    for (const entry& e : due)
        _wake(e.second, now);
    _due = std::move(due);
}

}  // namespace emqd::broker
