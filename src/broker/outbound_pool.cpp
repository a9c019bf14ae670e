#include "broker/outbound_pool.h"

#include <algorithm>

namespace emqd::broker {

std::unique_ptr<outbound> outbound_pool::take() {
    if (_free.empty())
        return std::make_unique<outbound>();
    auto o = std::move(_free.back());
    _free.pop_back();
    _low = std::min(_low, _free.size());
    return o;
}

void outbound_pool::give(std::unique_ptr<outbound> o) {
    if (o->output.capacity() > keep_capacity)
        std::string().swap(o->output);
    _free.push_back(std::move(o));
}

void outbound::consume(std::size_t n) {
    while (n > 0 && !segments.empty()) {
        segment& front = segments.front();
        const std::size_t left = front.bytes().size() - sent;
        if (n < left) {
            sent += n;
            return;
        }
        n -= left;
        sent = 0;
        segment_bytes -= front.bytes().size();
        if (!front.shared && output.empty() && output.capacity() < front.owned.capacity() &&
            front.owned.capacity() <= outbound_pool::keep_capacity) {
            output = std::move(front.owned);
            output.clear();
        }
        segments.erase(segments.begin());
    }
    sent += n;
    if (segments.empty() && sent == output.size()) {
        output.clear();
        sent = 0;
    }
}

void outbound_pool::trim() {
    if (_low != 0) {
        // The oldest go: the ones given back last are the warmest.
        _free.erase(_free.begin(), _free.begin() + static_cast<std::ptrdiff_t>(_low));
        _free.shrink_to_fit();
    }
    _low = _free.size();
}

}  // namespace emqd::broker
