#include "broker/delayed_queue.h"

#include <algorithm>
#include <utility>

namespace emqd::broker {

void delayed_queue::push(core::message_ptr msg, clock::time_point due, std::size_t bytes) {
    _heap.push_back(entry{due, _seq++, bytes, std::move(msg)});
    _bytes += bytes;
    std::push_heap(_heap.begin(), _heap.end(), later);
}

std::optional<delayed_queue::clock::time_point> delayed_queue::next_due() const {
    if (_heap.empty())
        return std::nullopt;
    return _heap.front().due;
}

void delayed_queue::pop_due(clock::time_point now, std::vector<core::message_ptr>& out) {
    while (!_heap.empty() && _heap.front().due <= now) {
        std::pop_heap(_heap.begin(), _heap.end(), later);
        _bytes -= _heap.back().bytes;
        out.push_back(std::move(_heap.back().msg));
        _heap.pop_back();
    }
    // A burst of delays that has passed should not pin its peak capacity.
    if (_heap.capacity() > 64 && _heap.size() < _heap.capacity() / 4)
        _heap.shrink_to_fit();
}

void delayed_queue::clear() {
    std::vector<entry>{}.swap(_heap);
    _bytes = 0;
}

}  // namespace emqd::broker
