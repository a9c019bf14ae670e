#include "session/message_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace emqd::session::detail {
namespace {

using clock = std::chrono::steady_clock;
const clock::time_point t0 = clock::time_point{} + std::chrono::hours(1);

delivery make(const std::string& payload, std::uint8_t qos,
              std::optional<std::uint32_t> expiry = std::nullopt) {
    auto m = std::make_shared<core::message>();
    m->topic = "t";
    m->payload = payload;
    m->qos = qos;
    m->received_at = t0;
    m->props.message_expiry_interval = expiry;
    delivery d;
    d.msg = m;
    d.qos = qos;
    return d;
}

std::vector<std::string> drain(message_queue& q) {
    std::vector<std::string> out;
    while (!q.empty()) {
        out.push_back(q.front().msg->payload);
        q.pop_front();
    }
    return out;
}

TEST(message_queue, keeps_arrival_order_across_qos) {
    message_queue q;
    for (auto [p, qos] : {std::pair{"a", 1}, {"b", 0}, {"c", 2}, {"d", 0}, {"e", 1}}) {
        EXPECT_EQ(q.push(make(p, static_cast<std::uint8_t>(qos)), 0), 0u);
    }
    EXPECT_EQ(q.size(), 5u);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(message_queue, full_drops_qos0_first_then_oldest) {
    message_queue q;
    ASSERT_EQ(q.push(make("a1", 1), 3), 0u);
    ASSERT_EQ(q.push(make("b0", 0), 3), 0u);
    ASSERT_EQ(q.push(make("c1", 1), 3), 0u);
    EXPECT_EQ(q.push(make("d0", 0), 3), 1u);  // incoming QoS 0 dropped
    EXPECT_EQ(q.push(make("e1", 1), 3), 1u);  // oldest queued QoS 0 (b0) dropped
    EXPECT_EQ(q.push(make("f2", 2), 3), 1u);  // no QoS 0 left: oldest (a1) dropped
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"c1", "e1", "f2"}));
}

TEST(message_queue, drop_expired) {
    message_queue q;
    ASSERT_EQ(q.push(make("keep", 1), 0), 0u);
    ASSERT_EQ(q.push(make("x5", 0, 5), 0), 0u);
    ASSERT_EQ(q.push(make("x10", 2, 10), 0), 0u);
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(4)), 0u);
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(5)), 1u);
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(10)), 1u);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"keep"}));
}

}  // namespace
}  // namespace emqd::session::detail
