#include "broker/delayed_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace emqd::broker {
namespace {

using clock = delayed_queue::clock;
const clock::time_point t0 = clock::time_point{} + std::chrono::hours(1);

core::message_ptr msg(std::string payload) {
    auto m = std::make_shared<core::message>();
    m->topic = "t";
    m->payload = std::move(payload);
    return m;
}

std::string payloads(const std::vector<core::message_ptr>& ms) {
    std::string s;
    for (const auto& m : ms)
        s += m->payload;
    return s;
}

TEST(DelayedQueue, ReleasesInDueOrderAndKeepsArrivalOrderForTies) {
    delayed_queue q;
    EXPECT_FALSE(q.next_due());
    q.push(msg("c"), t0 + std::chrono::seconds(3), 1);
    q.push(msg("a"), t0 + std::chrono::seconds(1), 1);
    q.push(msg("b1"), t0 + std::chrono::seconds(2), 1);
    q.push(msg("b2"), t0 + std::chrono::seconds(2), 1);
    q.push(msg("b3"), t0 + std::chrono::seconds(2), 1);
    ASSERT_TRUE(q.next_due());
    EXPECT_EQ(*q.next_due(), t0 + std::chrono::seconds(1));

    std::vector<core::message_ptr> out;
    q.pop_due(t0, out);
    EXPECT_TRUE(out.empty());
    q.pop_due(t0 + std::chrono::seconds(2), out);
    EXPECT_EQ(payloads(out), "ab1b2b3");
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(*q.next_due(), t0 + std::chrono::seconds(3));
    out.clear();
    q.pop_due(t0 + std::chrono::seconds(10), out);
    EXPECT_EQ(payloads(out), "c");
    EXPECT_TRUE(q.empty());
}

TEST(DelayedQueue, ManyMessagesComeOutSorted) {
    delayed_queue q;
    // A fixed pseudo-random permutation of due times.
    for (int i = 0; i < 1000; ++i)
        q.push(msg(std::to_string((i * 7919) % 1000)),
               t0 + std::chrono::milliseconds((i * 7919) % 1000), 1);
    std::vector<core::message_ptr> out;
    q.pop_due(t0 + std::chrono::seconds(1), out);
    ASSERT_EQ(out.size(), 1000u);
    for (int i = 0; i < 1000; ++i)
        EXPECT_EQ(out[i]->payload, std::to_string(i));
}

TEST(DelayedQueue, CountsTheBytesItHoldsUntilReleasedOrCleared) {
    delayed_queue q;
    q.push(msg("a"), t0 + std::chrono::seconds(1), 100);
    q.push(msg("b"), t0 + std::chrono::seconds(2), 20);
    q.push(msg("c"), t0 + std::chrono::seconds(3), 3);
    EXPECT_EQ(q.bytes(), 123u);
    std::vector<core::message_ptr> out;
    q.pop_due(t0 + std::chrono::seconds(2), out);
    EXPECT_EQ(payloads(out), "ab");
    EXPECT_EQ(q.bytes(), 3u);
    q.clear();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0u);
    EXPECT_FALSE(q.next_due());
}

}  // namespace
}  // namespace emqd::broker
