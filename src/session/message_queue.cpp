// message_queue: two FIFOs merged by sequence number, bounded by count, bytes and the
// shard's budget; see the design note in message_queue.h.

#include "session/message_queue.h"

#include <cassert>
#include <optional>
#include <utility>

namespace emqd::session::detail {

namespace {
// The entry in its deque, the delivery's fields and the message's control block, roughly.
constexpr std::size_t entry_overhead = 64;
}  // namespace

std::size_t queued_size(const core::message& m) {
    const core::message_properties& p = m.props;
    std::size_t n = entry_overhead + m.topic.size() + m.payload.size();
    n += p.content_type ? p.content_type->size() : 0;
    n += p.response_topic ? p.response_topic->size() : 0;
    n += p.correlation_data ? p.correlation_data->size() : 0;
    for (const auto& [k, v] : p.user)
        n += k.size() + v.size();
    return n;
}

message_queue::~message_queue() {
    if (_budget)
        _budget->release(_bytes);
}

void message_queue::set_budget(queue_budget* b) {
    if (_budget)
        _budget->release(_bytes);
    _budget = b;
    if (_budget)
        _budget->charge(_bytes);
}

drop_counters message_queue::push(delivery&& d, const limits& lim, drop_observer dropping) {
    drop_counters dropped;
    const std::size_t need = queued_size(*d.msg);
    const bool global = _budget && _budget->limit() != queue_budget::unbounded;
    // Could not fit even with this queue empty: drop it alone.
    if (lim.max_bytes != 0 && need > lim.max_bytes) {
        dropped.add(drop_reason::queue_bytes);
        dropping(d);
        return dropped;
    }
    if (global && _budget->used() - _bytes + need > _budget->limit()) {
        dropped.add(drop_reason::global_bytes);
        dropping(d);
        return dropped;
    }
    auto over = [&]() -> std::optional<drop_reason> {
        if (lim.max_len != 0 && size() >= lim.max_len)
            return drop_reason::queue_full;
        if (lim.max_bytes != 0 && _bytes + need > lim.max_bytes)
            return drop_reason::queue_bytes;
        if (global && _budget->used() + need > _budget->limit())
            return drop_reason::global_bytes;
        return std::nullopt;
    };
    while (auto reason = over()) {
        dropped.add(*reason);
        if (d.qos == 0) {
            dropping(d);
            return dropped;  // the incoming QoS 0 message is the cheapest loss
        }
        // Not empty: the checks above guarantee the message fits in an empty queue.
        assert(_fifos);
        auto& victims = _fifos->qos0.empty() ? _fifos->qos12 : _fifos->qos0;
        dropping(victims.front().d);
        pop(victims);
    }
    if (!_fifos)
        _fifos = std::make_unique<fifos>();
    auto& fifo = d.qos == 0 ? _fifos->qos0 : _fifos->qos12;
    fifo.push_back(entry{_next_seq++, need, std::move(d)});
    _bytes += need;
    if (_budget)
        _budget->charge(need);
    return dropped;
}

void message_queue::pop(std::deque<entry>& fifo) {
    const std::size_t n = fifo.front().bytes;
    fifo.pop_front();
    _bytes -= n;
    if (_budget)
        _budget->release(n);
    release_if_empty();
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
    pop(oldest_fifo());
}

std::size_t message_queue::drop_expired(clock::time_point now, drop_observer dropping) {
    return erase_if([now, dropping](const delivery& d) {
        if (!d.msg->expired(now))
            return false;
        dropping(d);
        return true;
    });
}

}  // namespace emqd::session::detail
