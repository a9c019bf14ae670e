// inflight_window: slab + send-order list + id index; see the design note in
// inflight_window.h.

#include "session/inflight_window.h"

#include <cassert>
#include <utility>

namespace emqd::session::detail {

std::uint16_t inflight_window::allocate_id() {
    assert(size() < max_entries);
    for (;;) {
        const std::uint16_t id = _next_id;
        _next_id = _next_id == 0xFFFF ? 1 : static_cast<std::uint16_t>(_next_id + 1);
        if (!_ids.contains(id)) {
            return id;
        }
    }
}

inflight_window::entry& inflight_window::push_back(delivery&& d, clock::time_point now) {
    return append(std::move(d), allocate_id(), now);
}

inflight_window::entry& inflight_window::push_back(delivery&& d, std::uint16_t packet_id,
                                                   clock::time_point now) {
    assert(packet_id != 0 && !_ids.contains(packet_id) && size() < max_entries);
    return append(std::move(d), packet_id, now);
}

inflight_window::entry& inflight_window::append(delivery&& d, std::uint16_t id,
                                                clock::time_point now) {
    std::uint32_t i;
    if (_free != npos) {
        i = _free;
        _free = _nodes[i].next;
    } else {
        i = static_cast<std::uint32_t>(_nodes.size());
        _nodes.emplace_back();
    }
    node& n = _nodes[i];
    n.e.d = std::move(d);
    n.e.packet_id = id;
    n.e.pubrec = false;
    n.e.sent_at = now;
    n.prev = _tail;
    n.next = npos;
    if (_tail != npos) {
        _nodes[_tail].next = i;
    } else {
        _head = i;
    }
    _tail = i;
    _ids.insert(id, i);
    return n.e;
}

inflight_window::entry* inflight_window::find(std::uint16_t packet_id) {
    const std::uint32_t* i = _ids.find(packet_id);
    return i ? &_nodes[*i].e : nullptr;
}

bool inflight_window::erase(std::uint16_t packet_id) {
    const std::uint32_t* found = _ids.find(packet_id);
    if (!found) {
        return false;
    }
    const std::uint32_t i = *found;
    _ids.erase(packet_id);
    node& n = _nodes[i];
    if (n.prev != npos) {
        _nodes[n.prev].next = n.next;
    } else {
        _head = n.next;
    }
    if (n.next != npos) {
        _nodes[n.next].prev = n.prev;
    } else {
        _tail = n.prev;
    }
    n.e.d.msg.reset();  // release the payload now, not when the slot is reused
    n.e.d.sub_ids.clear();
    n.e.packet_id = 0;
    n.prev = npos;
    n.next = _free;
    _free = i;
    return true;
}

}  // namespace emqd::session::detail
