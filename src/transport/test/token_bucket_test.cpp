// token_bucket: burst, refill, debt, ready_at; time is explicit (no sleeps).

#include "transport/token_bucket.h"

#include <gtest/gtest.h>

namespace emqd::transport {
namespace {

using namespace std::chrono_literals;
using clock = token_bucket::clock;
const clock::time_point t0 = clock::time_point{} + 1h;

TEST(rate_limit, enabled_needs_amount_and_period) {
    EXPECT_FALSE((rate_limit{}).enabled());
    EXPECT_FALSE((rate_limit{100, 0ms}).enabled());
    EXPECT_FALSE((rate_limit{0, 10s}).enabled());
    EXPECT_TRUE((rate_limit{100, 10s}).enabled());
}

TEST(token_bucket, starts_full_and_allows_a_burst_of_its_capacity) {
    token_bucket b({100, 10s}, t0);
    EXPECT_EQ(b.available(t0), 100u);
    for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(b.take(1, t0)) << i;
    EXPECT_FALSE(b.take(1, t0));
    EXPECT_EQ(b.available(t0), 0u);
}

TEST(token_bucket, refills_at_amount_per_period_up_to_capacity) {
    token_bucket b({100, 10s}, t0);  // 10 per second
    ASSERT_TRUE(b.take(100, t0));
    EXPECT_EQ(b.available(t0 + 1s), 10u);
    EXPECT_EQ(b.available(t0 + 5s), 50u);
    EXPECT_EQ(b.available(t0 + 60s), 100u);  // capped
    EXPECT_FALSE(b.take(101, t0 + 60s));     // more than capacity: never
    EXPECT_EQ(b.available(t0 + 60s), 100u);  // a refused take takes nothing
}

TEST(token_bucket, ready_at_says_when_tokens_are_back) {
    token_bucket b({100, 10s}, t0);
    ASSERT_TRUE(b.take(100, t0));
    EXPECT_EQ(b.ready_at(1), t0 + 100ms);
    EXPECT_EQ(b.ready_at(20), t0 + 2s);
    EXPECT_EQ(b.ready_at(1000), t0 + 10s);  // capped at capacity
    EXPECT_FALSE(b.take(1, t0 + 99ms));
    EXPECT_TRUE(b.take(1, t0 + 100ms));
}

TEST(token_bucket, consume_goes_into_debt_that_refill_pays_first) {
    token_bucket b({1024, 1s}, t0);
    b.consume(3072, t0);  // a read of 3 KB with 1 KB of budget
    EXPECT_EQ(b.available(t0), 0u);
    EXPECT_EQ(b.ready_at(1), t0 + 2s + std::chrono::nanoseconds(976563));  // 2 KB + 1 byte
    EXPECT_EQ(b.available(t0 + 2s), 0u);
    EXPECT_EQ(b.available(t0 + 3s), 1024u);
}

TEST(token_bucket, time_going_backwards_changes_nothing) {
    token_bucket b({10, 1s}, t0 + 5s);
    ASSERT_TRUE(b.take(10, t0 + 5s));
    EXPECT_EQ(b.available(t0), 0u);
    EXPECT_EQ(b.available(t0 + 6s), 10u);
}

}  // namespace
}  // namespace emqd::transport
