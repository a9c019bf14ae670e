#pragma once
// histogram: latency counts in log-linear buckets (HdrHistogram's idea, fixed precision).
//
// Design note. A value v (nanoseconds) below 32 has its own bucket; above, the bucket is
// (exponent, top 5 bits of the mantissa): 32 buckets per power of two, so a bucket is at
// most 1/32 (3%) of its values wide and any 64-bit value has a bucket (1920 in all,
// 15 KB). record() is an index computation and an increment; one histogram per thread,
// merged for reports, so recording takes no lock and shares no cache line.
//
// Thread safety: none; one owner, merge() copies under whatever the caller synchronizes.

#include <array>
#include <cstdint>

namespace emqd::bench {

class histogram {
public:
    void record(std::uint64_t v) {
        ++_counts[index(v)];
        ++_total;
        if (v > _max)
            _max = v;
    }
    void merge(const histogram& other);
    void reset();

    std::uint64_t count() const { return _total; }
    std::uint64_t max() const { return _max; }
    /// The value at quantile q (0..1): the middle of the bucket holding it, capped at
    /// max(); 0 when empty.
    std::uint64_t quantile(double q) const;

private:
    static constexpr int k_sub_bits = 5;
    static constexpr int k_sub = 1 << k_sub_bits;
    static constexpr int k_buckets = (64 - k_sub_bits + 1) * k_sub;

    static int index(std::uint64_t v) {
        if (v < k_sub)
            return static_cast<int>(v);
        const int e = 63 - __builtin_clzll(v);  // >= k_sub_bits
        const int mantissa = static_cast<int>(v >> (e - k_sub_bits)) & (k_sub - 1);
        return (e - k_sub_bits + 1) * k_sub + mantissa;
    }
    static std::uint64_t lowest(int i);
    static std::uint64_t width(int i);

    std::array<std::uint64_t, k_buckets> _counts{};
    std::uint64_t _total = 0;
    std::uint64_t _max = 0;
};

}  // namespace emqd::bench
