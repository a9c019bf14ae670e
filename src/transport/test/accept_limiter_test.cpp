// accept_limiter: burst of `rate`, then one slot per interval; shared by threads.

#include "transport/accept_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace emqd::transport {
namespace {

using namespace std::chrono_literals;
using clock = accept_limiter::clock;
const clock::time_point t0 = clock::time_point{} + 1h;

TEST(accept_limiter, burst_of_rate_then_one_per_interval) {
    accept_limiter l(10);  // 10/s: interval 100 ms
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(l.try_acquire(t0), clock::duration::zero()) << i;
    EXPECT_EQ(l.try_acquire(t0), clock::duration(100ms));
    EXPECT_EQ(l.try_acquire(t0 + 40ms), clock::duration(60ms));  // a refusal takes nothing
    EXPECT_EQ(l.try_acquire(t0 + 100ms), clock::duration::zero());
    EXPECT_NE(l.try_acquire(t0 + 100ms), clock::duration::zero());
    // Idle for a while: a full burst again, no more.
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(l.try_acquire(t0 + 10s), clock::duration::zero()) << i;
    EXPECT_NE(l.try_acquire(t0 + 10s), clock::duration::zero());
}

TEST(accept_limiter, shards_share_one_budget) {
    accept_limiter l(1000);
    std::atomic<int> granted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i)
                if (l.try_acquire(t0) == clock::duration::zero())
                    granted.fetch_add(1);
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(granted.load(), 1000);  // the burst, whichever thread took it
}

}  // namespace
}  // namespace emqd::transport
