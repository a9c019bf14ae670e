#include "storage/commit_queue.h"

#include <algorithm>
#include <utility>

namespace emqd::storage::detail {

commit_queue::commit_queue(std::uint64_t high_watermark)
    : _high(std::max<std::uint64_t>(high_watermark, 1)), _low(_high / 4) {}

std::size_t commit_queue::add_writer(durable_fn on_durable, caught_up_fn on_caught_up) {
    std::scoped_lock lock(_mutex, _callback_mutex);
    _slots.emplace_back();
    _callbacks.push_back(std::move(on_durable));
    _caught_up.push_back(std::move(on_caught_up));
    return _slots.size() - 1;
}

void commit_queue::remove_writer(std::size_t writer) {
    {
        std::lock_guard lock(_callback_mutex);
        _callbacks[writer] = nullptr;
        _caught_up[writer] = nullptr;
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
    _backlog.fetch_add(ops.bytes(), std::memory_order_relaxed);
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

bool commit_queue::settle(const std::vector<handover>& batch) {
    std::uint64_t bytes = 0;
    for (const auto& h : batch)
        bytes += h.ops.bytes();
    const std::uint64_t left = _backlog.fetch_sub(bytes, std::memory_order_seq_cst) - bytes;
    return left <= _low && _waiting.exchange(false, std::memory_order_seq_cst);
}

bool commit_queue::behind() {
    if (_backlog.load(std::memory_order_relaxed) <= _high)
        return false;
    _waiting.store(true, std::memory_order_seq_cst);
    return _backlog.load(std::memory_order_seq_cst) > _high;
}

void commit_queue::durable(std::vector<handover>& batch) {
    const bool wake = settle(batch);
    {
        std::lock_guard lock(_callback_mutex);
        if (wake)
            for (const auto& f : _caught_up)
                if (f)
                    f();
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

void commit_queue::drop(std::vector<handover>& batch) {
    settle(batch);  // nobody is woken: the store is closing
    batch.clear();
}

}  // namespace emqd::storage::detail
