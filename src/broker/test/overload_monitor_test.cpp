// overload_monitor: the state machine alone, fed readings (no clock, no sleeps).

#include "broker/overload_monitor.h"

#include <gtest/gtest.h>

namespace emqd::broker {
namespace {

using namespace std::chrono_literals;
using change = overload_monitor::change;
constexpr std::uint64_t MB = 1024 * 1024;

overload_settings settings(std::uint64_t mem = 100 * MB) {
    overload_settings s;
    s.mem_high_watermark_bytes = mem;
    s.loop_lag_high_watermark = 500ms;
    s.cool_down = 5s;
    return s;
}

struct feeder {
    overload_monitor& m;
    overload_monitor::clock::time_point t{};
    change at(std::chrono::seconds when, std::uint64_t rss,
              overload_monitor::clock::duration lag = 0ms) {
        return m.update({t + when, rss, lag});
    }
};

TEST(overload_monitor, memory_over_the_watermark_enters) {
    overload_monitor m(settings(), 0);
    feeder f{m};
    EXPECT_EQ(f.at(0s, 100 * MB), change::none);  // at the watermark is not over it
    EXPECT_FALSE(m.overloaded());
    EXPECT_EQ(f.at(1s, 100 * MB + 1), change::entered);
    EXPECT_TRUE(m.overloaded());
    EXPECT_NE(m.reason().find("memory"), std::string::npos) << m.reason();
    EXPECT_EQ(f.at(2s, 200 * MB), change::none);  // already in
}

TEST(overload_monitor, leaves_only_below_90_percent_for_the_whole_cool_down) {
    overload_monitor m(settings(), 0);
    feeder f{m};
    ASSERT_EQ(f.at(0s, 101 * MB), change::entered);
    // Between 90% and 100%: still overloaded, however long (hysteresis).
    for (int i = 1; i <= 20; ++i)
        EXPECT_EQ(f.at(std::chrono::seconds(i), 95 * MB), change::none);
    EXPECT_EQ(f.at(21s, 89 * MB), change::none);  // healthy from 21s
    EXPECT_EQ(f.at(24s, 89 * MB), change::none);
    EXPECT_EQ(f.at(25s, 91 * MB), change::none);  // a bad reading restarts the cool-down
    EXPECT_EQ(f.at(26s, 80 * MB), change::none);
    EXPECT_EQ(f.at(30s, 80 * MB), change::none);  // 4s healthy
    EXPECT_TRUE(m.overloaded());
    EXPECT_EQ(f.at(31s, 80 * MB), change::left);  // 5s healthy
    EXPECT_FALSE(m.overloaded());
    EXPECT_EQ(f.at(32s, 95 * MB), change::none);  // under the watermark: stays normal
}

TEST(overload_monitor, loop_lag_over_the_threshold_enters_and_recovers) {
    overload_monitor m(settings(), 0);
    feeder f{m};
    EXPECT_EQ(f.at(0s, MB, 500ms), change::none);
    EXPECT_EQ(f.at(1s, MB, 3s), change::entered);
    EXPECT_NE(m.reason().find("lag"), std::string::npos) << m.reason();
    EXPECT_EQ(f.at(2s, MB, 10ms), change::none);
    EXPECT_EQ(f.at(4s, MB, 600ms), change::none);  // lag again: cool-down restarts
    EXPECT_EQ(f.at(5s, MB, 10ms), change::none);
    EXPECT_EQ(f.at(9s, MB, 10ms), change::none);
    EXPECT_EQ(f.at(10s, MB, 10ms), change::left);
}

TEST(overload_monitor, fractional_watermark_is_a_share_of_the_memory_limit) {
    overload_settings s = settings(0);
    s.mem_high_watermark_fraction = 0.5;
    overload_monitor m(s, 1000 * MB);
    EXPECT_EQ(m.mem_high_watermark(), 500 * MB);
    feeder f{m};
    EXPECT_EQ(f.at(0s, 499 * MB), change::none);
    EXPECT_EQ(f.at(1s, 501 * MB), change::entered);
}

TEST(overload_monitor, zero_thresholds_watch_nothing) {
    overload_settings s = settings(0);
    s.mem_high_watermark_fraction = 0;
    s.loop_lag_high_watermark = 0ms;
    overload_monitor m(s, 1000 * MB);
    feeder f{m};
    EXPECT_EQ(f.at(0s, 100000 * MB, 100s), change::none);
    EXPECT_FALSE(m.overloaded());
}

TEST(overload_monitor, disabled_never_enters) {
    overload_settings s = settings();
    s.enable = false;
    overload_monitor m(s, 0);
    feeder f{m};
    EXPECT_EQ(f.at(0s, 1000 * MB, 10s), change::none);
    EXPECT_FALSE(m.overloaded());
}

}  // namespace
}  // namespace emqd::broker
