#include "storage/commit_queue.h"

#include <utility>

namespace emqd::storage::detail {

std::size_t commit_queue::add_writer(durable_fn on_durable) {
    std::scoped_lock lock(_mutex, _callback_mutex);
    _slots.emplace_back();
    _callbacks.push_back(std::move(on_durable));
    return _slots.size() - 1;
}

void commit_queue::remove_writer(std::size_t writer) {
    {
        std::lock_guard lock(_callback_mutex);
        _callbacks[writer] = nullptr;
    }
    std::lock_guard lock(_mutex);
    _slots[writer].live = false;
    _slots[writer].spare = op_buffer{};
    _slots[writer].has_spare = false;
}

std::size_t commit_queue::writers() const {
    std::lock_guard lock(_mutex);
    std::size_t n = 0;
    for (const auto& s : _slots)
        n += s.live ? 1 : 0;
    return n;
}

void commit_queue::hand_over(std::size_t writer, op_buffer& ops, std::uint64_t ticket) {
    {
        std::lock_guard lock(_mutex);
        _pending.push_back({writer, std::move(ops), ticket});
        auto& s = _slots[writer];
        ops = std::exchange(s.spare, op_buffer{});
        s.has_spare = false;
    }
    ops.clear();  // a moved-from buffer too
    _wake.notify_one();
}

bool commit_queue::take(std::vector<handover>& out,
                        std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(_mutex);
    _wake.wait_until(lock, deadline, [&] { return _stopping || !_pending.empty(); });
    out.swap(_pending);
    return !(_stopping && out.empty());
}

void commit_queue::stop() {
    {
        std::lock_guard lock(_mutex);
        _stopping = true;
    }
    _wake.notify_one();
}

void commit_queue::durable(std::vector<handover>& batch) {
    {
        std::lock_guard lock(_callback_mutex);
        _highest.assign(_callbacks.size(), 0);
        for (const auto& h : batch)
            _highest[h.writer] = h.ticket;  // tickets grow in hand-over order
        for (std::size_t w = 0; w < _highest.size(); ++w)
            if (_highest[w] != 0 && _callbacks[w])
                _callbacks[w](_highest[w]);
    }
    std::lock_guard lock(_mutex);
    for (auto& h : batch) {
        auto& s = _slots[h.writer];
        if (s.live && !s.has_spare) {
            h.ops.clear();
            s.spare = std::move(h.ops);
            s.has_spare = true;
        }
    }
    batch.clear();
}

}  // namespace emqd::storage::detail
