// rate_limiter: off unless a limit is set; bytes bound each read; messages stop after the
// budget; ready_at names the resume time of whichever budget is spent.

#include "transport/rate_limiter.h"

#include <gtest/gtest.h>

namespace emqd::transport {
namespace {

using namespace std::chrono_literals;
using clock = rate_limiter::clock;
const clock::time_point t0 = clock::time_point{} + 1h;

TEST(rate_limiter, none_without_an_enabled_limit) {
    EXPECT_EQ(rate_limiter::make({}, {}, 16384, t0), nullptr);
    EXPECT_NE(rate_limiter::make({10, 1s}, {}, 16384, t0), nullptr);
    EXPECT_NE(rate_limiter::make({}, {10, 1s}, 16384, t0), nullptr);
}

TEST(rate_limiter, bytes_bound_each_read_and_resume_after_a_read_worth) {
    auto l = rate_limiter::make({4096, 1s}, {}, 1024, t0);
    EXPECT_EQ(l->read_allowance(16384, t0), 4096u);
    l->bytes_read(3000, t0);
    EXPECT_EQ(l->read_allowance(16384, t0), 1096u);
    l->bytes_read(1096, t0);
    EXPECT_EQ(l->read_allowance(16384, t0), 0u);
    EXPECT_EQ(l->ready_at(), t0 + 250ms);  // 1024 bytes at 4096/s
    EXPECT_EQ(l->read_allowance(16384, t0 + 250ms), 1024u);
    EXPECT_TRUE(l->message_handled(t0 + 250ms));  // no message limit
}

TEST(rate_limiter, messages_stop_when_the_budget_is_spent) {
    auto l = rate_limiter::make({}, {3, 3s}, 1024, t0);
    EXPECT_TRUE(l->message_handled(t0));
    EXPECT_TRUE(l->message_handled(t0));
    EXPECT_FALSE(l->message_handled(t0));  // the third spent it
    EXPECT_EQ(l->ready_at(), t0 + 1s);
    EXPECT_FALSE(l->message_handled(t0 + 1s));  // one more, spent again
    EXPECT_EQ(l->ready_at(), t0 + 2s);
    EXPECT_EQ(l->read_allowance(100, t0 + 2s), 100u);  // no byte limit
}

TEST(rate_limiter, ready_at_waits_for_every_spent_budget) {
    auto l = rate_limiter::make({1000, 1s}, {1, 2s}, 1000, t0);
    EXPECT_FALSE(l->message_handled(t0));
    l->bytes_read(1000, t0);
    EXPECT_EQ(l->read_allowance(1000, t0), 0u);
    EXPECT_EQ(l->ready_at(), t0 + 2s);  // messages are the later one
}

}  // namespace
}  // namespace emqd::transport
