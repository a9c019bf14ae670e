// message_queue: two FIFOs merged by sequence number; see the design note in message_queue.h.

#include "session/message_queue.h"

#include <cassert>
#include <utility>

namespace emqd::session::detail {

std::size_t message_queue::push(delivery&& d, std::size_t max_len) {
    std::size_t dropped = 0;
    if (max_len != 0 && size() >= max_len) {
        if (d.qos == 0) {
            return 1;  // the incoming QoS 0 message is the cheapest loss
        }
        if (!_fifos->qos0.empty()) {
            _fifos->qos0.pop_front();
        } else {
            _fifos->qos12.pop_front();  // no QoS 0 queued: the oldest is the oldest QoS 1/2
        }
        dropped = 1;
    }
    if (!_fifos) {
        _fifos = std::make_unique<fifos>();
    }
    auto& fifo = d.qos == 0 ? _fifos->qos0 : _fifos->qos12;
    fifo.push_back(entry{_next_seq++, std::move(d)});
    return dropped;
}

std::deque<message_queue::entry>& message_queue::oldest_fifo() {
    assert(!empty());
    auto& q0 = _fifos->qos0;
    auto& q12 = _fifos->qos12;
    if (q0.empty()) {
        return q12;
    }
    if (q12.empty()) {
        return q0;
    }
    return q0.front().seq < q12.front().seq ? q0 : q12;
}

void message_queue::release_if_empty() {
    if (_fifos && _fifos->qos0.empty() && _fifos->qos12.empty()) {
        _fifos.reset();
    }
}

delivery& message_queue::front() {
    return oldest_fifo().front().d;
}

void message_queue::pop_front() {
    oldest_fifo().pop_front();
    release_if_empty();
}

std::size_t message_queue::drop_expired(clock::time_point now) {
    return erase_if([now](const delivery& d) { return d.msg->expired(now); });
}

}  // namespace emqd::session::detail
