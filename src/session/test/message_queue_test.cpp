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

using limits = message_queue::limits;
constexpr limits unbounded{};

/// Total drops of one push.
std::uint64_t push(message_queue& q, delivery&& d, limits lim) {
    return q.push(std::move(d), lim).total();
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
        EXPECT_EQ(push(q, make(p, static_cast<std::uint8_t>(qos)), unbounded), 0u);
    }
    EXPECT_EQ(q.size(), 5u);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(message_queue, full_drops_qos0_first_then_oldest) {
    message_queue q;
    ASSERT_EQ(push(q, make("a1", 1), {3, 0}), 0u);
    ASSERT_EQ(push(q, make("b0", 0), {3, 0}), 0u);
    ASSERT_EQ(push(q, make("c1", 1), {3, 0}), 0u);
    EXPECT_EQ(push(q, make("d0", 0), {3, 0}), 1u);  // incoming QoS 0 dropped
    EXPECT_EQ(push(q, make("e1", 1), {3, 0}), 1u);  // oldest queued QoS 0 (b0) dropped
    EXPECT_EQ(push(q, make("f2", 2), {3, 0}), 1u);  // no QoS 0 left: oldest (a1) dropped
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"c1", "e1", "f2"}));
}

TEST(message_queue, drop_expired) {
    message_queue q;
    ASSERT_EQ(push(q, make("keep", 1), unbounded), 0u);
    ASSERT_EQ(push(q, make("x5", 0, 5), unbounded), 0u);
    ASSERT_EQ(push(q, make("x10", 2, 10), unbounded), 0u);
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(4)), 0u);
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(5)), 1u);
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(10)), 1u);
    EXPECT_EQ(drain(q), (std::vector<std::string>{"keep"}));
}

// --- byte caps --------------------------------------------------------------------------------

// A message named `name` that costs exactly `bytes` (>= 64 + 1 + name) in a queue.
delivery sized(const std::string& name, std::uint8_t qos, std::size_t bytes = 100) {
    delivery d = make(name + "|" + std::string(bytes - 64 - 1 - name.size() - 1, '.'), qos);
    EXPECT_EQ(queued_size(*d.msg), bytes);
    return d;
}

std::vector<std::string> names(message_queue& q) {
    std::vector<std::string> out;
    for (const std::string& p : drain(q))
        out.push_back(p.substr(0, p.find('|')));
    return out;
}

TEST(message_queue, size_counts_topic_payload_and_properties) {
    auto m = std::make_shared<core::message>();
    m->topic = "a/b";
    m->payload = "12345";
    EXPECT_EQ(queued_size(*m), 64u + 3 + 5);
    m->props.content_type = "text";
    m->props.response_topic = "r";
    m->props.correlation_data = "cd";
    m->props.user = {{"k", "vv"}};
    EXPECT_EQ(queued_size(*m), 64u + 3 + 5 + 4 + 1 + 2 + 3);
}

TEST(message_queue, byte_cap_drops_qos0_first_then_oldest) {
    message_queue q;
    const limits lim{0, 300};
    ASSERT_EQ(push(q, sized("a1", 1), lim), 0u);
    ASSERT_EQ(push(q, sized("b0", 0), lim), 0u);
    ASSERT_EQ(push(q, sized("c1", 1), lim), 0u);
    EXPECT_EQ(q.bytes(), 300u);
    auto d = q.push(sized("d0", 0), lim);  // incoming QoS 0 dropped
    EXPECT_EQ(d[drop_reason::queue_bytes], 1u);
    EXPECT_EQ(d.total(), 1u);
    EXPECT_EQ(push(q, sized("e1", 1), lim), 1u);  // oldest queued QoS 0 (b0)
    EXPECT_EQ(push(q, sized("f2", 2), lim), 1u);  // then the oldest (a1)
    EXPECT_EQ(q.bytes(), 300u);
    EXPECT_EQ(names(q), (std::vector<std::string>{"c1", "e1", "f2"}));
    EXPECT_EQ(q.bytes(), 0u);
}

TEST(message_queue, a_large_message_evicts_as_many_as_it_needs) {
    message_queue q;
    const limits lim{0, 300};
    for (const char* n : {"a", "b", "c"})
        ASSERT_EQ(push(q, sized(n, 1), lim), 0u);
    auto d = q.push(sized("big", 1, 200), lim);
    EXPECT_EQ(d[drop_reason::queue_bytes], 2u);
    EXPECT_EQ(names(q), (std::vector<std::string>{"c", "big"}));
}

TEST(message_queue, a_message_that_can_never_fit_evicts_nothing) {
    message_queue q;
    const limits lim{0, 150};
    ASSERT_EQ(push(q, sized("a", 1), lim), 0u);
    auto d = q.push(sized("huge", 1, 151), lim);
    EXPECT_EQ(d[drop_reason::queue_bytes], 1u);
    EXPECT_EQ(names(q), (std::vector<std::string>{"a"}));
}

TEST(message_queue, each_drop_is_counted_under_the_bound_that_caused_it) {
    message_queue q;
    const limits lim{2, 250};
    ASSERT_EQ(push(q, sized("a", 1), lim), 0u);
    ASSERT_EQ(push(q, sized("b", 1), lim), 0u);
    auto by_count = q.push(sized("c", 1, 80), lim);  // 180 + 80 fits in bytes, not in count
    EXPECT_EQ(by_count[drop_reason::queue_full], 1u);
    EXPECT_EQ(by_count.total(), 1u);
    auto by_bytes = q.push(sized("d", 1, 200), lim);  // {b, c} = 180: one eviction by count
    // leaves 80 + 200 > 250, so one more by bytes.
    EXPECT_EQ(by_bytes[drop_reason::queue_full], 1u);
    EXPECT_EQ(by_bytes[drop_reason::queue_bytes], 1u);
    EXPECT_EQ(names(q), (std::vector<std::string>{"d"}));
}

TEST(message_queue, expiry_releases_bytes) {
    message_queue q;
    queue_budget budget(0, 1);
    q.set_budget(&budget);
    ASSERT_EQ(push(q, make("keep", 1), unbounded), 0u);
    const std::uint64_t keep = q.bytes();
    ASSERT_EQ(push(q, make("x5", 0, 5), unbounded), 0u);
    EXPECT_EQ(budget.used(), q.bytes());
    EXPECT_EQ(q.drop_expired(t0 + std::chrono::seconds(5)), 1u);
    EXPECT_EQ(q.bytes(), keep);
    EXPECT_EQ(budget.used(), keep);
}

// --- the shard budget (global cap) --------------------------------------------------------------

TEST(message_queue, global_budget_is_shared_by_the_queues_of_a_shard) {
    queue_budget budget(250, 1);
    message_queue a;
    message_queue b;
    a.set_budget(&budget);
    b.set_budget(&budget);
    ASSERT_EQ(push(a, sized("a1", 1), unbounded), 0u);
    ASSERT_EQ(push(a, sized("a2", 1), unbounded), 0u);
    EXPECT_EQ(budget.used(), 200u);
    // b cannot make room by evicting its own (empty) queue: the message is dropped alone.
    auto d = b.push(sized("b1", 1), unbounded);
    EXPECT_EQ(d[drop_reason::global_bytes], 1u);
    EXPECT_TRUE(b.empty());
    // a can: its oldest goes.
    d = a.push(sized("a3", 1), unbounded);
    EXPECT_EQ(d[drop_reason::global_bytes], 1u);
    EXPECT_EQ(budget.used(), 200u);
    // QoS 0 is dropped itself, even when evicting would make room.
    d = a.push(sized("a4", 0, 70), unbounded);
    EXPECT_EQ(d[drop_reason::global_bytes], 1u);
    EXPECT_EQ(names(a), (std::vector<std::string>{"a2", "a3"}));
    EXPECT_EQ(budget.used(), 0u);
    ASSERT_EQ(push(b, sized("b2", 1), unbounded), 0u);  // room again
}

TEST(message_queue, destruction_and_set_budget_move_the_bytes) {
    queue_budget one(0, 1);
    queue_budget two(0, 1);
    {
        message_queue q;
        for (const char* n : {"a", "b", "c"})
            ASSERT_EQ(push(q, sized(n, 1), unbounded), 0u);
        q.set_budget(&one);
        EXPECT_EQ(one.used(), 300u);
        q.set_budget(nullptr);  // in transit between shards
        EXPECT_EQ(one.used(), 0u);
        q.set_budget(&two);
        EXPECT_EQ(two.used(), 300u);
    }
    EXPECT_EQ(two.used(), 0u);
}

TEST(queue_budget, rebalance_gives_each_shard_an_equal_slice_of_what_is_free) {
    queue_budget unbounded_budget(0, 4);
    EXPECT_EQ(unbounded_budget.limit(), queue_budget::unbounded);

    queue_budget b(1000, 4);
    EXPECT_EQ(b.limit(), 250u);  // before the first tick
    b.charge(600);
    b.rebalance(1000, 600, 4);  // the other shards hold nothing: 400 free
    EXPECT_EQ(b.limit(), 700u);
    b.rebalance(1000, 900, 4);  // others took 300 meanwhile
    EXPECT_EQ(b.limit(), 625u);
    b.rebalance(1000, 1200, 4);  // over the total (stale numbers): no growth
    EXPECT_EQ(b.limit(), 600u);
    b.release(600);
    b.rebalance(1000, 0, 1);
    EXPECT_EQ(b.limit(), 1000u);
    b.rebalance(0, 0, 4);
    EXPECT_EQ(b.limit(), queue_budget::unbounded);
}

TEST(queue_budget, limits_of_all_shards_sum_to_the_total) {
    // Four shards rebalancing from the same published numbers never promise more than the
    // total, however the usage is spread.
    const std::uint64_t used[4] = {700, 0, 100, 50};
    std::uint64_t sum_used = 0;
    for (auto u : used)
        sum_used += u;
    std::uint64_t sum_limits = 0;
    for (auto u : used) {
        queue_budget b(1000, 4);
        b.charge(u);
        b.rebalance(1000, sum_used, 4);
        sum_limits += b.limit();
    }
    EXPECT_LE(sum_limits, 1000u);
    EXPECT_GE(sum_limits, 1000u - 4);  // integer division loses at most shards - 1 bytes
}

}  // namespace
}  // namespace emqd::session::detail
