// flapping_detector: per-client-id disconnect windows, bounded; see the design note in
// flapping_detector.h.

#include "auth/flapping_detector.h"

#include <algorithm>

namespace emqd::auth {

flapping_detector::flapping_detector(flapping_policy policy, std::size_t max_tracked)
    : _policy(policy), _max_tracked(std::max<std::size_t>(max_tracked, 1)) {}

void flapping_detector::pop_oldest() {
    const opening& o = _openings.front();
    if (auto it = _windows.find(o.client_id); it != _windows.end() && it->second.opened == o.opened)
        _windows.erase(it);
    _openings.pop_front();
}

bool flapping_detector::record(std::string_view client_id, clock::time_point now) {
    std::lock_guard lock(_mutex);
    while (!_openings.empty() && now - _openings.front().opened >= _policy.window)
        pop_oldest();
    auto it = _windows.find(client_id);
    if (it == _windows.end()) {
        while (_openings.size() >= _max_tracked)
            pop_oldest();
        it = _windows.emplace(std::string(client_id), window{now, 0}).first;
        _openings.push_back(opening{now, std::string(client_id)});
    }
    if (++it->second.count < _policy.max_count)
        return false;
    _windows.erase(it);  // its FIFO entry is stale now
    return true;
}

void flapping_detector::purge(clock::time_point now) {
    std::lock_guard lock(_mutex);
    while (!_openings.empty() && now - _openings.front().opened >= _policy.window)
        pop_oldest();
}

std::size_t flapping_detector::tracked() const {
    std::lock_guard lock(_mutex);
    return _windows.size();
}

}  // namespace emqd::auth
