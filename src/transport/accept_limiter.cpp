#include "transport/accept_limiter.h"

#include <algorithm>
#include <cassert>

namespace emqd::transport {

accept_limiter::accept_limiter(std::uint64_t per_second)
    : _interval_ns(std::max<std::int64_t>(
          1, 1'000'000'000 / static_cast<std::int64_t>(std::max<std::uint64_t>(1, per_second)))),
      _burst_ns(_interval_ns * static_cast<std::int64_t>(std::max<std::uint64_t>(1, per_second))) {
    assert(per_second > 0);
}

accept_limiter::clock::duration accept_limiter::try_acquire(clock::time_point now) {
    const std::int64_t t =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    std::int64_t tat = _tat.load(std::memory_order_relaxed);
    while (true) {
        const std::int64_t next = std::max(tat, t) + _interval_ns;
        if (next - t > _burst_ns)
            return std::chrono::nanoseconds(next - t - _burst_ns);
        if (_tat.compare_exchange_weak(tat, next, std::memory_order_relaxed))
            return clock::duration::zero();
    }
}

}  // namespace emqd::transport
