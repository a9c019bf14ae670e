#include "core/guid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace emqd::core {
namespace {

std::uint64_t now_us() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

TEST(guid, fields_round_trip) {
    guid_generator gen(0xBEEF, 0xDEADBEEF);
    const std::uint64_t before = now_us();
    const guid id = gen.next();
    const std::uint64_t after = now_us();
    EXPECT_EQ(id.node(), 0xBEEF);
    EXPECT_EQ(id.worker(), 0xDEADBEEFu);
    EXPECT_EQ(id.sequence(), 0);
    EXPECT_GE(id.timestamp_us(), before);
    EXPECT_LE(id.timestamp_us(), after);

    // Extremes do not bleed into neighbouring fields.
    guid_generator max_gen(0xFFFF, 0xFFFFFFFF);
    const guid m = max_gen.next();
    EXPECT_EQ(m.node(), 0xFFFF);
    EXPECT_EQ(m.worker(), 0xFFFFFFFFu);
    guid_generator zero_gen(0, 0);
    const guid z = zero_gen.next();
    EXPECT_EQ(z.node(), 0);
    EXPECT_EQ(z.worker(), 0u);
}

TEST(guid, strictly_increasing_even_within_one_microsecond) {
    guid_generator gen(1, 2);
    // 200,000 ids take far less than 200,000 us, so many share a microsecond and the 16-bit
    // sequence wraps at least once within one.
    constexpr int n = 200'000;
    std::vector<guid> ids;
    ids.reserve(n);
    for (int i = 0; i < n; ++i)
        ids.push_back(gen.next());
    bool same_us_seen = false;
    for (int i = 1; i < n; ++i) {
        ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
        same_us_seen |= ids[i - 1].timestamp_us() == ids[i].timestamp_us();
        ASSERT_EQ(ids[i].node(), 1);
        ASSERT_EQ(ids[i].worker(), 2u);
    }
    EXPECT_TRUE(same_us_seen);
    // Artificial advances stay close to the real clock.
    EXPECT_LE(ids.back().timestamp_us(), now_us() + n / 65536 + 1);
}

TEST(guid, to_string_is_32_hex_digits_and_sorts_like_the_id) {
    const guid g{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    EXPECT_EQ(g.to_string(), "0123456789abcdeffedcba9876543210");
    EXPECT_EQ(guid{}.to_string(), std::string(32, '0'));
    EXPECT_EQ((guid{~0ULL, ~0ULL}.to_string()), std::string(32, 'f'));

    std::vector<guid> ids = {
        {0, 0},   {0, 1},    {0, 0xff},  {0, 0x100},     {1, 0},
        {0xa, 0}, {0x10, 5}, {~0ULL, 0}, {~0ULL, ~0ULL},
    };
    guid_generator gen(3, 4);
    for (int i = 0; i < 100; ++i)
        ids.push_back(gen.next());
    for (const guid& id : ids) {
        const std::string s = id.to_string();
        ASSERT_EQ(s.size(), 32u);
        ASSERT_TRUE(std::all_of(s.begin(), s.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) << s;
    }
    for (const guid& a : ids)
        for (const guid& b : ids)
            ASSERT_EQ(a < b, a.to_string() < b.to_string());
}

}  // namespace
TEST(guid, stamped_from_a_steady_time_point_follow_the_wall_clock) {
    guid_generator gen(1, 2);
    const auto steady = std::chrono::steady_clock::now();
    const std::uint64_t before = now_us();
    const guid a = gen.next(steady);
    const guid b = gen.next(steady);  // the same instant: the sequence orders them
    const guid c = gen.next(steady + std::chrono::milliseconds(5));
    const std::uint64_t after = now_us();
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    // Within a millisecond of the wall clock read around it (the offset is measured once).
    EXPECT_GE(a.timestamp_us() + 1000, before);
    EXPECT_LE(a.timestamp_us(), after + 1000);
    EXPECT_GE(c.timestamp_us(), a.timestamp_us() + 5000);
    gen.resync();
    EXPECT_LT(c, gen.next(steady + std::chrono::milliseconds(5)));  // never goes back
}

}  // namespace emqd::core
