// outbound_window: sequential ids, wrap-around past 65535, out-of-order answers, the limit.

#include "client/outbound_window.h"

#include <gtest/gtest.h>

namespace emqd::client {
namespace {

using wait = outbound_window::wait;

TEST(outbound_window, ids_are_sequential_and_answers_free_them) {
    outbound_window w(4);
    EXPECT_TRUE(w.empty());
    EXPECT_EQ(w.add(wait::puback), 1);
    EXPECT_EQ(w.add(wait::pubrec), 2);
    EXPECT_EQ(w.find(1), wait::puback);
    EXPECT_EQ(w.find(2), wait::pubrec);
    EXPECT_EQ(w.find(3), wait::none);  // not handed out yet
    EXPECT_EQ(w.find(0), wait::none);
    w.complete(1);
    EXPECT_EQ(w.find(1), wait::none);
    EXPECT_EQ(w.size(), 1u);
    w.update(2, wait::pubcomp);
    EXPECT_EQ(w.find(2), wait::pubcomp);
    w.complete(2);
    EXPECT_TRUE(w.empty());
    EXPECT_EQ(w.add(wait::suback), 3);
}

TEST(outbound_window, limit_counts_from_the_oldest_unanswered) {
    outbound_window w(3);
    const auto a = w.add(wait::puback);
    const auto b = w.add(wait::puback);
    const auto c = w.add(wait::puback);
    EXPECT_TRUE(w.full());
    w.complete(c);  // out of order: the window cannot slide past a
    w.complete(b);
    EXPECT_TRUE(w.full());
    EXPECT_EQ(w.find(b), wait::none);
    w.complete(a);  // now all three are free
    EXPECT_TRUE(w.empty());
    EXPECT_FALSE(w.full());
}

TEST(outbound_window, completing_twice_or_unknown_ids_changes_nothing) {
    outbound_window w(8);
    const auto a = w.add(wait::puback);
    const auto b = w.add(wait::puback);
    w.complete(a);
    w.complete(a);
    w.complete(500);
    EXPECT_EQ(w.size(), 1u);
    EXPECT_EQ(w.find(b), wait::puback);
}

TEST(outbound_window, ids_wrap_from_65535_to_1) {
    outbound_window w(2);
    for (int i = 1; i <= 65534; ++i) {
        ASSERT_EQ(w.add(wait::puback), i);
        w.complete(static_cast<std::uint16_t>(i));
    }
    EXPECT_EQ(w.add(wait::puback), 65535);
    EXPECT_EQ(w.add(wait::puback), 1);  // never 0
    EXPECT_EQ(w.find(65535), wait::puback);
    EXPECT_EQ(w.find(1), wait::puback);
    EXPECT_EQ(w.find(2), wait::none);
    w.complete(1);
    w.complete(65535);
    EXPECT_TRUE(w.empty());
    EXPECT_EQ(w.add(wait::puback), 2);
}

TEST(outbound_window, set_limit_lowers_the_window) {
    outbound_window w(100);
    w.set_limit(1);
    EXPECT_EQ(w.limit(), 1);
    const auto a = w.add(wait::puback);
    EXPECT_TRUE(w.full());
    w.complete(a);
    EXPECT_FALSE(w.full());
}

TEST(outbound_window, clear_forgets_everything_in_flight) {
    outbound_window w(4);
    const auto a = w.add(wait::puback);
    w.add(wait::suback);
    w.clear();
    EXPECT_TRUE(w.empty());
    EXPECT_EQ(w.find(a), wait::none);
}

}  // namespace
}  // namespace emqd::client
