#include "client/outbound_window.h"

#include <bit>

namespace emqd::client {

outbound_window::outbound_window(std::uint16_t limit) : _limit(limit ? limit : 1) {}

void outbound_window::set_limit(std::uint16_t limit) {
    _limit = limit ? limit : 1;
    _slots.clear();  // re-sized on the next add()
    _slots.shrink_to_fit();
}

std::uint16_t outbound_window::add(wait w) {
    if (_slots.empty())
        _slots.assign(std::bit_ceil(static_cast<std::size_t>(_limit)), wait::none);
    const std::uint64_t seq = _next++;
    _slots[seq & (_slots.size() - 1)] = w;
    return id_of(seq);
}

std::size_t outbound_window::slot_of(std::uint16_t id) const {
    if (id == 0 || empty())
        return npos;
    const std::uint32_t base_id = id_of(_base);
    const std::uint64_t delta = (id + 65535u - base_id) % 65535u;
    if (_base + delta >= _next)
        return npos;
    const std::size_t i = (_base + delta) & (_slots.size() - 1);
    return _slots[i] == wait::none ? npos : i;
}

outbound_window::wait outbound_window::find(std::uint16_t id) const {
    const std::size_t i = slot_of(id);
    return i == npos ? wait::none : _slots[i];
}

void outbound_window::update(std::uint16_t id, wait w) {
    const std::size_t i = slot_of(id);
    if (i != npos)
        _slots[i] = w;
}

void outbound_window::complete(std::uint16_t id) {
    const std::size_t i = slot_of(id);
    if (i == npos)
        return;
    _slots[i] = wait::none;
    const std::size_t mask = _slots.size() - 1;
    while (_base < _next && _slots[_base & mask] == wait::none)
        ++_base;
}

void outbound_window::clear() {
    for (std::uint64_t s = _base; s < _next; ++s)
        _slots[s & (_slots.size() - 1)] = wait::none;
    _base = _next;
}

}  // namespace emqd::client
