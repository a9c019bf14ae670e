#include "histogram.h"

#include <algorithm>
#include <cmath>

namespace emqd::bench {

std::uint64_t histogram::lowest(int i) {
    if (i < k_sub)
        return static_cast<std::uint64_t>(i);
    const int e = i / k_sub + k_sub_bits - 1;
    const std::uint64_t mantissa = static_cast<std::uint64_t>(i % k_sub);
    return (k_sub + mantissa) << (e - k_sub_bits);
}

std::uint64_t histogram::width(int i) {
    if (i < k_sub)
        return 1;
    return std::uint64_t{1} << (i / k_sub - 1);
}

void histogram::merge(const histogram& other) {
    for (int i = 0; i < k_buckets; ++i)
        _counts[i] += other._counts[i];
    _total += other._total;
    _max = std::max(_max, other._max);
}

void histogram::reset() {
    _counts.fill(0);
    _total = 0;
    _max = 0;
}

std::uint64_t histogram::quantile(double q) const {
    if (_total == 0)
        return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * _total));
    std::uint64_t seen = 0;
    for (int i = 0; i < k_buckets; ++i) {
        seen += _counts[i];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return std::min(_max, lowest(i) + width(i) / 2);
    }
    return _max;
}

}  // namespace emqd::bench
