#include "auth/flapping_detector.h"

#include <gtest/gtest.h>

#include <string>

namespace emqd::auth {
namespace {

using namespace std::chrono_literals;

const clock::time_point t0 = clock::time_point{} + 1h;

flapping_policy policy(std::uint32_t n, clock::duration window) {
    return flapping_policy{n, window, 5min};
}

TEST(flapping_detector, the_max_count_th_disconnect_within_the_window_flaps) {
    flapping_detector d(policy(3, 60s));
    EXPECT_FALSE(d.record("c", t0));
    EXPECT_FALSE(d.record("c", t0 + 10s));
    EXPECT_FALSE(d.record("other", t0 + 11s));  // ids count separately
    EXPECT_TRUE(d.record("c", t0 + 20s));
    // Reported once, then forgotten: counting starts afresh.
    EXPECT_FALSE(d.record("c", t0 + 21s));
    EXPECT_FALSE(d.record("c", t0 + 22s));
    EXPECT_TRUE(d.record("c", t0 + 23s));
}

TEST(flapping_detector, window_runs_from_the_first_disconnect) {
    flapping_detector d(policy(3, 60s));
    EXPECT_FALSE(d.record("c", t0));
    EXPECT_FALSE(d.record("c", t0 + 50s));
    // The window opened at t0 ended at t0 + 60s: this is the first of a new one.
    EXPECT_FALSE(d.record("c", t0 + 60s));
    EXPECT_FALSE(d.record("c", t0 + 61s));
    EXPECT_TRUE(d.record("c", t0 + 62s));
}

TEST(flapping_detector, expired_windows_are_freed) {
    flapping_detector d(policy(5, 60s));
    for (int i = 0; i < 100; ++i)
        d.record("id-" + std::to_string(i), t0 + std::chrono::seconds(i / 10));
    EXPECT_EQ(d.tracked(), 100u);
    d.purge(t0 + 64s);  // windows opened at t0 .. t0+4s are over
    EXPECT_EQ(d.tracked(), 50u);
    d.purge(t0 + 70s);
    EXPECT_EQ(d.tracked(), 0u);
}

TEST(flapping_detector, a_flood_of_distinct_ids_stays_bounded) {
    flapping_detector d(policy(2, 3600s), /*max_tracked=*/1000);
    for (int i = 0; i < 100'000; ++i)
        EXPECT_FALSE(d.record("flood-" + std::to_string(i), t0 + std::chrono::milliseconds(i)));
    EXPECT_EQ(d.tracked(), 1000u);
    // The newest windows survive; a recent id still flaps on its 2nd disconnect.
    EXPECT_TRUE(d.record("flood-99999", t0 + 200s));
    // An evicted (oldest) id starts over.
    EXPECT_FALSE(d.record("flood-0", t0 + 200s));
}

TEST(flapping_detector, banned_ids_leave_no_unbounded_residue) {
    // With max_count 1 every disconnect flaps; the FIFO entries left behind are stale but
    // still bounded by max_tracked.
    flapping_detector d(policy(1, 3600s), /*max_tracked=*/10);
    for (int i = 0; i < 1000; ++i)
        EXPECT_TRUE(d.record("c", t0 + std::chrono::milliseconds(i)));
    EXPECT_EQ(d.tracked(), 0u);
    EXPECT_FALSE(flapping_detector(policy(2, 60s), 10).record("c", t0));
}

}  // namespace
}  // namespace emqd::auth
