// Design note: tokens are a double refilled from the elapsed time at each call; the bucket
// never holds more than its capacity, and consume() may drive it below zero. Doubles are
// exact enough here: capacities are at most ~2^53 bytes, and a limit only needs to hold on
// average over its period.

#include "transport/token_bucket.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace emqd::transport {

token_bucket::token_bucket(rate_limit limit, clock::time_point now)
    : _capacity(limit.amount),
      _per_ns(static_cast<double>(limit.amount) /
              static_cast<double>(std::chrono::nanoseconds(limit.period).count())),
      _tokens(static_cast<double>(limit.amount)),
      _last(now) {
    assert(limit.enabled());
}

void token_bucket::refill(clock::time_point now) {
    if (now <= _last)
        return;
    const auto elapsed = std::chrono::nanoseconds(now - _last).count();
    _tokens =
        std::min(static_cast<double>(_capacity), _tokens + static_cast<double>(elapsed) * _per_ns);
    _last = now;
}

std::uint64_t token_bucket::available(clock::time_point now) {
    refill(now);
    return _tokens <= 0 ? 0 : static_cast<std::uint64_t>(_tokens);
}

bool token_bucket::take(std::uint64_t n, clock::time_point now) {
    if (available(now) < n)
        return false;
    _tokens -= static_cast<double>(n);
    return true;
}

void token_bucket::consume(std::uint64_t n, clock::time_point now) {
    refill(now);
    _tokens -= static_cast<double>(n);
}

token_bucket::clock::time_point token_bucket::ready_at(std::uint64_t n) const {
    const double want = static_cast<double>(std::min(n, _capacity));
    if (_tokens >= want)
        return _last;
    const double ns = std::ceil((want - _tokens) / _per_ns);
    return _last + std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
}

}  // namespace emqd::transport
