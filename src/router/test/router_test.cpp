#include "router/router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/topic.h"

namespace emqd::router {
namespace {

subscriber_id sub(std::uint64_t session, std::uint32_t shard = 0) {
    return subscriber_id{shard, session};
}

subscription_options qos(std::uint8_t q) {
    subscription_options o;
    o.qos = q;
    return o;
}

// Sessions of the routes matching `topic`, sorted (duplicates kept).
std::vector<std::uint64_t> matched(const router& r, std::string_view topic) {
    std::vector<route> out;
    r.match(topic, "", out);
    std::vector<std::uint64_t> ids;
    for (const route& x : out)
        ids.push_back(x.subscriber.session);
    std::sort(ids.begin(), ids.end());
    return ids;
}

using ids = std::vector<std::uint64_t>;

TEST(router, exact_filter) {
    router r;
    EXPECT_TRUE(r.subscribe("a/b", sub(1), qos(1)));
    EXPECT_EQ(matched(r, "a/b"), ids{1});
    EXPECT_EQ(matched(r, "a"), ids{});
    EXPECT_EQ(matched(r, "a/b/c"), ids{});
    EXPECT_EQ(matched(r, "a/b/"), ids{});
    EXPECT_EQ(matched(r, "A/b"), ids{});
    EXPECT_EQ(r.trie_node_count(), 0u);  // exact filters never touch the trie
}

TEST(router, match_appends_and_keeps_options) {
    router r;
    subscription_options o;
    o.qos = 2;
    o.no_local = true;
    o.subscription_id = 7;
    r.subscribe("x", sub(5, 3), o);
    std::vector<route> out(1);  // pre-existing content is kept
    r.match("x", "", out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].subscriber, sub(5, 3));
    EXPECT_EQ(out[1].options, o);
}

TEST(router, plus_wildcard) {
    router r;
    r.subscribe("a/+/c", sub(1), {});
    r.subscribe("+", sub(2), {});
    r.subscribe("a/+", sub(3), {});
    EXPECT_EQ(matched(r, "a/b/c"), ids{1});
    EXPECT_EQ(matched(r, "a//c"), ids{1});  // '+' matches an empty level
    EXPECT_EQ(matched(r, "a/b/c/d"), ids{});
    EXPECT_EQ(matched(r, "a"), ids{2});
    EXPECT_EQ(matched(r, "a/"), ids{3});  // second level is empty
    EXPECT_EQ(matched(r, "/"), ids{});
    EXPECT_EQ(matched(r, "a/x"), ids{3});
}

TEST(router, hash_wildcard) {
    router r;
    r.subscribe("a/#", sub(1), {});
    r.subscribe("#", sub(2), {});
    r.subscribe("a/b/#", sub(3), {});
    EXPECT_EQ(matched(r, "a"), (ids{1, 2}));  // "a/#" matches the parent level
    EXPECT_EQ(matched(r, "a/b"), (ids{1, 2, 3}));
    EXPECT_EQ(matched(r, "a/b/c/d"), (ids{1, 2, 3}));
    EXPECT_EQ(matched(r, "b"), ids{2});
    EXPECT_EQ(matched(r, "/a"), ids{2});
    EXPECT_EQ(matched(r, "a/"), (ids{1, 2}));
}

TEST(router, plus_then_hash) {
    router r;
    r.subscribe("+/#", sub(1), {});
    r.subscribe("+/+/#", sub(2), {});
    EXPECT_EQ(matched(r, "a"), ids{1});
    EXPECT_EQ(matched(r, "a/b"), (ids{1, 2}));
}

TEST(router, dollar_topics_skip_first_level_wildcards) {
    router r;
    r.subscribe("#", sub(1), {});
    r.subscribe("+/monitor/Clients", sub(2), {});
    r.subscribe("$SYS/#", sub(3), {});
    r.subscribe("$SYS/monitor/+", sub(4), {});
    r.subscribe("$SYS/monitor/Clients", sub(5), {});
    r.subscribe("+/#", sub(6), {});
    EXPECT_EQ(matched(r, "$SYS/monitor/Clients"), (ids{3, 4, 5}));
    EXPECT_EQ(matched(r, "$SYS"), ids{3});
    EXPECT_EQ(matched(r, "AB/monitor/Clients"), (ids{1, 2, 6}));
    // Only the first level counts: '$' deeper down is an ordinary character.
    EXPECT_EQ(matched(r, "a/$x"), (ids{1, 6}));
}

TEST(router, overlapping_filters_report_each_match) {
    router r;
    r.subscribe("a/b", sub(1), qos(0));
    r.subscribe("a/+", sub(1), qos(1));
    r.subscribe("a/#", sub(1), qos(2));
    r.subscribe("#", sub(2), qos(0));
    std::vector<route> out;
    r.match("a/b", "", out);
    ASSERT_EQ(out.size(), 4u);
    std::vector<int> qos_of_1;
    for (const route& x : out)
        if (x.subscriber == sub(1))
            qos_of_1.push_back(x.options.qos);
    std::sort(qos_of_1.begin(), qos_of_1.end());
    EXPECT_EQ(qos_of_1, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(r.filter_count(), 4u);
    EXPECT_EQ(r.subscription_count(), 4u);
}

TEST(router, same_session_on_different_shards_is_distinct) {
    router r;
    EXPECT_TRUE(r.subscribe("t", sub(1, 0), {}));
    EXPECT_TRUE(r.subscribe("t", sub(1, 1), {}));
    EXPECT_EQ(r.subscription_count(), 2u);
    EXPECT_EQ(r.filter_count(), 1u);
}

TEST(router, resubscribe_replaces_options_and_returns_false) {
    router r;
    EXPECT_TRUE(r.subscribe("a/+", sub(1), qos(0)));
    EXPECT_FALSE(r.subscribe("a/+", sub(1), qos(2)));
    EXPECT_TRUE(r.subscribe("x", sub(1), qos(0)));
    EXPECT_FALSE(r.subscribe("x", sub(1), qos(1)));
    EXPECT_EQ(r.subscription_count(), 2u);
    std::vector<route> out;
    r.match("a/b", "", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].options.qos, 2);
    out.clear();
    r.match("x", "", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].options.qos, 1);
}

TEST(router, unsubscribe) {
    router r;
    r.subscribe("a/b", sub(1), {});
    r.subscribe("a/b", sub(2), {});
    r.subscribe("a/#", sub(1), {});
    EXPECT_FALSE(r.unsubscribe("a/b", sub(3)));
    EXPECT_FALSE(r.unsubscribe("a/c", sub(1)));
    EXPECT_FALSE(r.unsubscribe("a/+", sub(1)));
    EXPECT_FALSE(r.unsubscribe("a/b/#", sub(1)));
    EXPECT_TRUE(r.unsubscribe("a/b", sub(1)));
    EXPECT_FALSE(r.unsubscribe("a/b", sub(1)));
    EXPECT_EQ(matched(r, "a/b"), (ids{1, 2}));  // 1 via a/#, 2 via a/b
    EXPECT_TRUE(r.unsubscribe("a/#", sub(1)));
    EXPECT_EQ(matched(r, "a/b"), ids{2});
    EXPECT_TRUE(r.unsubscribe("a/b", sub(2)));
    EXPECT_EQ(matched(r, "a/b"), ids{});
    EXPECT_EQ(r.subscription_count(), 0u);
    EXPECT_EQ(r.filter_count(), 0u);
}

TEST(router, empty_nodes_are_removed) {
    router r;
    r.subscribe("a/b/+/d", sub(1), {});
    EXPECT_EQ(r.trie_node_count(), 4u);
    r.subscribe("a/b/#", sub(2), {});
    EXPECT_EQ(r.trie_node_count(), 5u);  // shares a, a/b
    r.subscribe("a/b/+", sub(3), {});
    EXPECT_EQ(r.trie_node_count(), 5u);  // ends on an existing node
    EXPECT_EQ(r.filter_count(), 3u);

    EXPECT_TRUE(r.unsubscribe("a/b/+/d", sub(1)));
    EXPECT_EQ(r.filter_count(), 2u);
    EXPECT_EQ(r.trie_node_count(), 4u);  // only 'd' went: '+' still holds a/b/+
    EXPECT_TRUE(r.unsubscribe("a/b/+", sub(3)));
    EXPECT_EQ(r.trie_node_count(), 3u);
    EXPECT_TRUE(r.unsubscribe("a/b/#", sub(2)));
    EXPECT_EQ(r.trie_node_count(), 0u);
    EXPECT_EQ(r.filter_count(), 0u);

    // The trie still works after being emptied.
    r.subscribe("a/+", sub(4), {});
    EXPECT_EQ(matched(r, "a/z"), ids{4});
}

TEST(router, many_subscribers_on_one_filter) {
    router r;
    constexpr std::uint64_t n = 20'000;
    for (std::uint64_t i = 0; i < n; ++i)
        ASSERT_TRUE(r.subscribe("big/+", sub(i), qos(0)));
    for (std::uint64_t i = 0; i < n; i += 2)
        ASSERT_FALSE(r.subscribe("big/+", sub(i), qos(1)));
    EXPECT_EQ(r.subscription_count(), n);
    EXPECT_EQ(r.filter_count(), 1u);
    // Remove every odd one, then check the survivors and their options.
    for (std::uint64_t i = 1; i < n; i += 2)
        ASSERT_TRUE(r.unsubscribe("big/+", sub(i)));
    for (std::uint64_t i = 1; i < n; i += 2)
        ASSERT_FALSE(r.unsubscribe("big/+", sub(i)));
    std::vector<route> out;
    r.match("big/x", "", out);
    ASSERT_EQ(out.size(), n / 2);
    std::sort(out.begin(), out.end(), [](const route& a, const route& b) {
        return a.subscriber.session < b.subscriber.session;
    });
    for (std::uint64_t i = 0; i < n / 2; ++i) {
        EXPECT_EQ(out[i].subscriber.session, 2 * i);
        EXPECT_EQ(out[i].options.qos, 1);
    }
    // Down through the small-set threshold and back up.
    for (std::uint64_t i = 0; i < n; i += 2)
        ASSERT_TRUE(r.unsubscribe("big/+", sub(i)));
    EXPECT_EQ(r.filter_count(), 0u);
    EXPECT_EQ(r.trie_node_count(), 0u);
    for (std::uint64_t i = 0; i < 40; ++i)
        ASSERT_TRUE(r.subscribe("big/+", sub(i), {}));
    for (std::uint64_t i = 0; i < 40; i += 3)
        ASSERT_TRUE(r.unsubscribe("big/+", sub(i)));
    for (std::uint64_t i = 0; i < 40; i += 3)
        ASSERT_FALSE(r.unsubscribe("big/+", sub(i)));
    EXPECT_EQ(matched(r, "big/y").size(), 40u - 14u);
}

// match() splits the topic into a per-thread buffer of levels that is reused: a deep topic
// and then shallower ones on the same thread each see only their own levels.
TEST(router, deep_then_shallow_topics) {
    router r;
    std::string deep = "d";
    for (int i = 0; i < 199; ++i)
        deep += "/d";  // 200 levels
    ASSERT_TRUE(r.subscribe("d/#", sub(1), {}));
    ASSERT_TRUE(r.subscribe("d/+", sub(2), {}));
    ASSERT_TRUE(r.subscribe("+/d/d", sub(3), {}));
    ASSERT_TRUE(r.subscribe(deep.substr(0, deep.size() - 1) + "+", sub(4), {}));
    EXPECT_EQ(matched(r, deep), (ids{1, 4}));
    EXPECT_EQ(matched(r, "d/d/d"), (ids{1, 3}));
    EXPECT_EQ(matched(r, "d/d"), (ids{1, 2}));
    EXPECT_EQ(matched(r, "d"), (ids{1}));
    EXPECT_EQ(matched(r, deep), (ids{1, 4}));
}

// Property test: the indexed matcher agrees with the reference matcher core::topic_matches
// on random filters and topics over a small alphabet, with '$' and empty levels, through
// subscribes and unsubscribes.
TEST(router, agrees_with_reference_matcher) {
    std::mt19937 rng(12345);
    const std::vector<std::string> levels = {"a", "b", "$s", "", "c"};
    auto pick = [&](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    auto random_topic = [&] {
        std::string t;
        const std::size_t n = 1 + pick(4);
        for (std::size_t i = 0; i < n; ++i) {
            if (i)
                t += '/';
            t += levels[pick(levels.size())];
        }
        return t.empty() ? std::string("a") : t;  // "" is not a valid name
    };
    auto random_filter = [&] {
        std::string f;
        const std::size_t n = 1 + pick(4);
        for (std::size_t i = 0; i < n; ++i) {
            if (i)
                f += '/';
            const std::size_t k = pick(10);
            if (k < 2) {
                f += '+';
            } else if (k == 2 && i + 1 == n) {
                f += '#';
            } else {
                f += levels[pick(levels.size())];
            }
        }
        return f.empty() ? std::string("a") : f;  // "" is not a valid filter
    };

    router r;
    struct entry {
        std::string filter;
        subscriber_id who;
        bool live = true;
    };
    std::vector<entry> subs;
    for (std::uint64_t i = 0; i < 3000; ++i) {
        std::string f = random_filter();
        ASSERT_TRUE(core::validate_topic_filter(f).ok()) << f;
        const subscriber_id who = sub(i, static_cast<std::uint32_t>(i % 3));
        ASSERT_TRUE(r.subscribe(f, who, {}));
        subs.push_back({std::move(f), who});
    }
    std::vector<std::string> topics;
    for (int i = 0; i < 600; ++i) {
        topics.push_back(random_topic());
        ASSERT_TRUE(core::validate_topic_name(topics.back()).ok()) << topics.back();
    }

    auto check = [&] {
        for (const std::string& t : topics) {
            ids expected;
            for (const entry& e : subs)
                if (e.live && core::topic_matches(e.filter, t))
                    expected.push_back(e.who.session);
            std::sort(expected.begin(), expected.end());
            ASSERT_EQ(matched(r, t), expected) << "topic '" << t << "'";
        }
    };
    check();

    // Unsubscribe a random half and check again.
    for (entry& e : subs) {
        if (pick(2)) {
            ASSERT_TRUE(r.unsubscribe(e.filter, e.who));
            e.live = false;
        }
    }
    std::size_t live =
        std::count_if(subs.begin(), subs.end(), [](const entry& e) { return e.live; });
    EXPECT_EQ(r.subscription_count(), live);
    check();

    // Remove the rest: every filter and every trie node must go.
    for (entry& e : subs) {
        if (e.live) {
            ASSERT_TRUE(r.unsubscribe(e.filter, e.who));
        }
        e.live = false;
    }
    EXPECT_EQ(r.subscription_count(), 0u);
    EXPECT_EQ(r.filter_count(), 0u);
    EXPECT_EQ(r.trie_node_count(), 0u);
    check();
}

}  // namespace
}  // namespace emqd::router
