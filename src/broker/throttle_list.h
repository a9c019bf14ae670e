#pragma once
// The connections of one shard that wait for a rate limit to allow them again, and the one
// timer that wakes them. Per-connection timers would cost every connection an Asio timer
// object, idle or not; this costs nothing while no connection is throttled (the timer is
// armed only while the list is non-empty) and one heap entry per throttled connection.
//
// Design: a min-heap of (deadline, connection id); the timer is armed for the earliest
// deadline. When it fires, every due entry is popped and handed to the wake callback by id:
// the shard looks the connection up again, so an entry of a connection that closed
// meanwhile is simply dropped. The owner adds a connection at most once until it is woken.
//
// THREADING WARNING: belongs to one shard; every call happens on that shard's thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace emqd::broker {

class throttle_list {
public:
    using clock = std::chrono::steady_clock;
    using wake_fn = std::function<void(std::uint64_t id, clock::time_point now)>;

    throttle_list(boost::asio::io_context& io, wake_fn wake);
    ~throttle_list();

    /// Wake `id` at `when` (at once, on the next timer run, if that is past).
    void add(std::uint64_t id, clock::time_point when);
    std::size_t size() const { return _heap.size(); }

private:
    using entry = std::pair<clock::time_point, std::uint64_t>;
    void arm(clock::time_point when);
    void fire();

    struct timer;
    std::unique_ptr<timer> _timer;
    wake_fn _wake;
    std::vector<entry> _heap;  // min-heap by deadline (std::greater)
    std::vector<entry> _due;   // scratch for fire()
    bool _armed = false;
    clock::time_point _armed_for{};
};

}  // namespace emqd::broker
