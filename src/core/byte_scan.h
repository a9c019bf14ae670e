#pragma once
// byte_scan: looks at 8 bytes of a string at once ("SWAR": SIMD within a register), for the
// per-message scans of topics (core/topic.cpp) and UTF-8 strings (codec/detail/utf8.cpp).
//
// Design note: a scan loads 8 bytes into a std::uint64_t (memcpy: no alignment or aliasing
// assumption) and computes a mark word whose byte k has its high bit set exactly when byte
// k matches. The zero test is the exact one, ~(((w & 0x7F..) + 0x7F..) | w | 0x7F..): the
// add never carries across bytes, so no byte's mark depends on its neighbours (the shorter
// (w - 0x01..) & ~w & 0x80.. can mark a 0x01 byte above a zero byte, so it only answers
// "is there one", has_zero_byte). A tail shorter than
// 8 bytes is loaded over a filler byte that the caller picks to match nothing it looks for.
// Byte order does not matter: callers only test "any mark" and count marks.
//
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace emqd::core::byte_scan {

inline constexpr std::uint64_t k_ones = 0x0101010101010101ull;
inline constexpr std::uint64_t k_low7 = 0x7F7F7F7F7F7F7F7Full;
inline constexpr std::uint64_t k_high = 0x8080808080808080ull;

/// The 8 bytes at `p`.
inline std::uint64_t load(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

/// The `n` < 8 bytes at `p`, the other bytes set to `filler`. Fixed-size copies that
/// overlap where needed (two of 4 bytes for n >= 4, three single bytes below) cover every
/// byte without a variable-length memcpy call.
inline std::uint64_t load_tail(const char* p, std::size_t n, unsigned char filler) {
    char b[8];
    std::memset(b, filler, sizeof b);
    if (n >= 4) {
        std::memcpy(b, p, 4);
        std::memcpy(b + n - 4, p + n - 4, 4);
    } else if (n > 0) {
        b[0] = p[0];
        b[n / 2] = p[n / 2];
        b[n - 1] = p[n - 1];
    }
    return load(b);
}

/// High bit set in exactly the bytes of `w` that are 0.
constexpr std::uint64_t zero_bytes(std::uint64_t w) {
    return ~(((w & k_low7) + k_low7) | w | k_low7);
}

/// True if some byte of `w` is 0. Cheaper than zero_bytes() (the borrow may mark a 0x01
/// byte above a zero byte, but never marks anything when no byte is zero).
constexpr bool has_zero_byte(std::uint64_t w) {
    return ((w - k_ones) & ~w & k_high) != 0;
}

/// High bit set in exactly the bytes of `w` equal to `c`.
constexpr std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) {
    return zero_bytes(w ^ (k_ones * c));
}

/// High bit set in exactly the bytes of `w` at or above 0x80.
constexpr std::uint64_t non_ascii(std::uint64_t w) {
    return w & k_high;
}

/// Number of marked bytes in a mark word (high bits only, as the functions above return).
constexpr unsigned count(std::uint64_t marks) {
    return static_cast<unsigned>(((marks >> 7) * k_ones) >> 56);
}

}  // namespace emqd::core::byte_scan
