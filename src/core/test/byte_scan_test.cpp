#include "core/byte_scan.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace emqd::core::byte_scan {
namespace {

// Marks are exact per byte: a byte next to a matching one is never marked with it, whatever
// borrow or carry the arithmetic could have spread.
TEST(byte_scan, marks_exactly_the_matching_bytes) {
    for (int at = 0; at < 8; ++at) {
        for (unsigned char neighbour : {0x00, 0x01, 0x2A, 0x2C, 0x7F, 0x80, 0x81, 0xFF}) {
            std::string bytes(8, static_cast<char>(neighbour));
            bytes[at] = '+';
            const std::uint64_t w = load(bytes.data());
            const unsigned expect_plus = neighbour == '+' ? 8u : 1u;
            EXPECT_EQ(count(bytes_equal(w, '+')), expect_plus) << at << " " << int(neighbour);
            EXPECT_EQ(count(zero_bytes(w)), neighbour == 0 ? 7u : 0u)
                << at << " " << int(neighbour);
            EXPECT_EQ(count(non_ascii(w)), neighbour >= 0x80 ? 7u : 0u);
        }
    }
}

// Every byte of a tail of 0..7 bytes is loaded, once, and the rest is filler.
TEST(byte_scan, tail_is_loaded_and_filled) {
    const char text[] = "0123456";
    for (std::size_t n = 0; n < 8; ++n) {
        const std::uint64_t w = load_tail(text, n, 'x');
        EXPECT_EQ(count(bytes_equal(w, 'x')), 8 - n) << n;
        for (std::size_t k = 0; k < n; ++k)
            EXPECT_EQ(count(bytes_equal(w, static_cast<unsigned char>(text[k]))), 1u) << n << k;
        EXPECT_EQ(zero_bytes(w), 0u);
    }
}

}  // namespace
}  // namespace emqd::core::byte_scan
