// Readers match while writers subscribe and unsubscribe. Kept short (a few hundred
// milliseconds at most, also under ASan/TSan) by bounding iterations, not time.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/topic.h"
#include "router/router.h"

namespace emqd::router {
namespace {

// Filters and topics over a small space so that churn and matches collide often.
const std::vector<std::string> filters = {
    "a/b", "a/+", "a/#", "#", "+/b", "+/+", "a/b/c", "a/+/c", "$s/#", "$s/b", "+/#", "b",
};
const std::vector<std::string> topics = {"a/b", "a", "a/b/c", "$s/b", "b", "a/x/c", "x/b"};

// Subscriber sessions encode their filter: session = filter_index * 1'000'000 + n.
constexpr std::uint64_t stride = 1'000'000;

TEST(router_concurrency, matches_stay_consistent_under_churn) {
    router r;
    // Stable subscribers (n == 0), present throughout: every match must report them.
    for (std::size_t f = 0; f < filters.size(); ++f)
        ASSERT_TRUE(r.subscribe(filters[f], subscriber_id{0, f * stride}, {}));

    constexpr int writers = 2;
    constexpr int readers = 3;
    constexpr int writer_ops = 4000;
    std::atomic<int> writers_left{writers};
    std::atomic<bool> failed{false};

    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            std::mt19937 rng(w + 1);
            // Writer w owns sessions n in [1 + w*1000, 1 + w*1000 + 50): no two writers touch
            // the same (filter, subscriber), so each one knows its own state exactly.
            std::vector<std::vector<bool>> mine(filters.size(), std::vector<bool>(50, false));
            for (int i = 0; i < writer_ops; ++i) {
                const std::size_t f = rng() % filters.size();
                const std::size_t k = rng() % 50;
                const subscriber_id who{static_cast<std::uint32_t>(w),
                                        f * stride + 1 + w * 1000 + k};
                const bool ok =
                    mine[f][k] ? r.unsubscribe(filters[f], who) : r.subscribe(filters[f], who, {});
                if (!ok)
                    failed = true;
                mine[f][k] = !mine[f][k];
            }
            // Leave nothing behind.
            for (std::size_t f = 0; f < filters.size(); ++f)
                for (std::size_t k = 0; k < 50; ++k)
                    if (mine[f][k])
                        r.unsubscribe(filters[f], subscriber_id{static_cast<std::uint32_t>(w),
                                                                f * stride + 1 + w * 1000 + k});
            --writers_left;
        });
    }
    std::atomic<long> matches{0};
    for (int t = 0; t < readers; ++t) {
        threads.emplace_back([&, t] {
            std::vector<route> out;
            std::size_t i = t;
            // At least 2000 matches each, and keep going while writers run.
            for (int n = 0; n < 2000 || writers_left.load() > 0; ++n, ++i) {
                const std::string& topic = topics[i % topics.size()];
                out.clear();
                r.match(topic, "", out);
                std::size_t stable = 0;
                for (const route& x : out) {
                    const std::size_t f = x.subscriber.session / stride;
                    if (f >= filters.size() || !core::topic_matches(filters[f], topic))
                        failed = true;
                    stable += x.subscriber.session % stride == 0;
                }
                std::size_t expected_stable = 0;
                for (const std::string& f : filters)
                    expected_stable += core::topic_matches(f, topic);
                if (stable != expected_stable)
                    failed = true;
                ++matches;
            }
        });
    }
    for (std::thread& th : threads)
        th.join();

    EXPECT_FALSE(failed.load());
    EXPECT_GE(matches.load(), readers * 2000);
    EXPECT_EQ(r.subscription_count(), filters.size());
    EXPECT_EQ(r.filter_count(), filters.size());
}

}  // namespace
}  // namespace emqd::router
