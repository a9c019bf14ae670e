// The bench tool's own arithmetic: histogram quantiles, sequence tracking, fan-out plans.

#include <gtest/gtest.h>

#include "histogram.h"
#include "sequence_tracker.h"
#include "stamp.h"
#include "topic_plan.h"

namespace emqd::bench {
namespace {

TEST(histogram, quantiles_within_the_bucket_precision) {
    histogram h;
    for (std::uint64_t v = 1; v <= 100000; ++v)
        h.record(v * 1000);  // 1 us .. 100 ms, uniform
    EXPECT_EQ(h.count(), 100000u);
    EXPECT_EQ(h.max(), 100000000u);
    EXPECT_NEAR(static_cast<double>(h.quantile(0.5)), 50e6, 50e6 * 0.035);
    EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 99e6, 99e6 * 0.035);
    EXPECT_LE(h.quantile(1.0), h.max());
    histogram small;
    small.record(7);
    EXPECT_EQ(small.quantile(0.5), 7u);  // exact below 32
    h.merge(small);
    EXPECT_EQ(h.count(), 100001u);
    h.reset();
    EXPECT_EQ(h.quantile(0.5), 0u);
}

TEST(sequence_tracker, gaps_and_out_of_order_per_publisher) {
    sequence_tracker t;
    EXPECT_EQ(t.observe(3, 0).skipped, 0u);
    EXPECT_EQ(t.observe(3, 1).skipped, 0u);
    EXPECT_EQ(t.observe(3, 4).skipped, 2u);     // 2 and 3 missing
    EXPECT_TRUE(t.observe(3, 2).out_of_order);  // late
    EXPECT_TRUE(t.observe(3, 4).out_of_order);  // duplicate
    EXPECT_FALSE(t.observe(3, 5).out_of_order);
    EXPECT_EQ(t.observe(9, 0).skipped, 0u);  // another publisher, its own sequence
    for (std::uint32_t p = 0; p < 1000; ++p)
        t.observe(100 + p, 0);
    EXPECT_EQ(t.publishers(), 1002u);
    EXPECT_EQ(t.observe(3, 6).skipped, 0u);  // survived the growth
}

TEST(stamp, round_trip) {
    std::string payload(64, 'x');
    stamp{123456789, 42, 7}.write(payload.data());
    const auto s = stamp::read(payload);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->sent_ns, 123456789u);
    EXPECT_EQ(s->publisher, 42u);
    EXPECT_EQ(s->seq, 7u);
    EXPECT_FALSE(stamp::read(payload.substr(0, 23)));
}

TEST(topic_plan, template_fanout_counts_matching_subscribers) {
    bench_options o;
    o.mode = bench_mode::run;
    o.pubs = 3;
    o.subs = 4;
    o.topic = "b/%i";
    o.sub_topic = "b/#";
    o.prefix = "x-";
    topic_plan plan(o);
    EXPECT_EQ(plan.publisher_topic(2), "b/2");
    EXPECT_EQ(plan.publisher_id(2), "x-p2");
    EXPECT_EQ(plan.subscriber_id(1), "x-s1");
    EXPECT_EQ(plan.publisher_fanout(0), 4u);  // every subscriber's b/# matches

    o.sub_topic = "b/%i";  // pairwise
    topic_plan pairwise(o);
    EXPECT_EQ(pairwise.publisher_fanout(2), 1u);
    EXPECT_EQ(pairwise.subscriber_filters(3), std::vector<std::string>{"b/3"});

    o.sub_topic = "$share/g/b/#";  // one group: each message once
    topic_plan shared(o);
    EXPECT_EQ(shared.publisher_fanout(1), 1u);
}

TEST(topic_plan, seed_shape_fanout_is_exact) {
    bench_options o;
    o.mode = bench_mode::run;
    o.pubs = 1;
    o.subs = 10;
    o.topic = "s";
    o.topics = 7;
    o.subs_per_conn = 3;
    topic_plan plan(o);
    EXPECT_EQ(plan.subscriber_filters(2), (std::vector<std::string>{"s/6", "s/0", "s/1"}));
    std::uint32_t total = 0;
    for (std::uint32_t k = 0; k < 7; ++k)
        total += plan.topic_fanout(k);
    EXPECT_EQ(total, 30u);  // 10 subscribers x 3 distinct topics
    EXPECT_DOUBLE_EQ(plan.mean_fanout(0), 30.0 / 7);
    o.topic = "s/%i";
    EXPECT_THROW(topic_plan{o}, std::invalid_argument);
}

}  // namespace
}  // namespace emqd::bench
