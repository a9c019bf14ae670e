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
        if (!_qos0.empty()) {
            _qos0.pop_front();
        } else {
            _qos12.pop_front();  // no QoS 0 queued: the oldest overall is the oldest QoS 1/2
        }
        dropped = 1;
    }
    auto& fifo = d.qos == 0 ? _qos0 : _qos12;
    fifo.push_back(entry{_next_seq++, std::move(d)});
    return dropped;
}

std::deque<message_queue::entry>& message_queue::oldest_fifo() {
    assert(!empty());
    if (_qos0.empty()) {
        return _qos12;
    }
    if (_qos12.empty()) {
        return _qos0;
    }
    return _qos0.front().seq < _qos12.front().seq ? _qos0 : _qos12;
}

delivery& message_queue::front() {
    return oldest_fifo().front().d;
}

void message_queue::pop_front() {
    oldest_fifo().pop_front();
}

std::size_t message_queue::drop_expired(clock::time_point now) {
    auto is_expired = [now](const entry& e) { return e.d.msg->expired(now); };
    return static_cast<std::size_t>(std::erase_if(_qos0, is_expired) +
                                    std::erase_if(_qos12, is_expired));
}

}  // namespace emqd::session::detail
