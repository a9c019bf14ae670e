// Shared subscription groups in the router: one member per matching group and message,
// every strategy's choice, availability, pick_other (redispatch) and cleanup; a property
// test against a brute-force matcher.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/topic.h"
#include "router/router.h"

namespace emqd::router {
namespace {

subscriber_id sub(std::uint64_t session, std::uint32_t shard = 0) {
    return subscriber_id{shard, session};
}

std::vector<route> match(const router& r, std::string_view topic,
                         std::string_view publisher = "pub") {
    std::vector<route> out;
    r.match(topic, publisher, out);
    return out;
}

// The one member of a shared group that `topic` reaches (the only route expected).
std::uint64_t picked(const router& r, std::string_view topic, std::string_view publisher = "pub") {
    const auto out = match(r, topic, publisher);
    EXPECT_EQ(out.size(), 1u) << topic;
    return out.empty() ? 0 : out[0].subscriber.session;
}

TEST(shared_group, one_member_per_group_and_plain_subscribers_apart) {
    router r;
    subscription_options o;
    o.qos = 1;
    EXPECT_TRUE(r.subscribe("$share/g/t/+", sub(1), o));
    EXPECT_TRUE(r.subscribe("$share/g/t/+", sub(2), o));
    EXPECT_TRUE(r.subscribe("$share/h/t/+", sub(1), o));   // same session, another group
    EXPECT_TRUE(r.subscribe("t/+", sub(1), o));            // and a plain one
    EXPECT_FALSE(r.subscribe("$share/g/t/+", sub(2), o));  // replaces
    EXPECT_EQ(r.subscription_count(), 4u);
    EXPECT_EQ(r.filter_count(), 3u);
    EXPECT_EQ(r.shared_group_count(), 2u);

    for (int i = 0; i < 20; ++i) {
        const auto out = match(r, "t/x");
        ASSERT_EQ(out.size(), 3u);
        std::set<std::uint64_t> groups;
        int plain = 0;
        for (const route& x : out) {
            EXPECT_EQ(x.options.qos, 1);
            if (x.options.shared_group == 0)
                ++plain;
            else
                groups.insert(x.options.shared_group);
        }
        EXPECT_EQ(plain, 1);
        EXPECT_EQ(groups.size(), 2u);  // one route per group, each tagged with its group
    }
    EXPECT_TRUE(match(r, "t").empty());
}

TEST(shared_group, queue_form_is_group_dollar_queue) {
    router r;
    r.subscribe("$queue/q", sub(1), {});
    r.subscribe("$share/$queue/q", sub(2), {});
    EXPECT_EQ(r.shared_group_count(), 1u);
    EXPECT_EQ(r.filter_count(), 1u);
    EXPECT_EQ(match(r, "q").size(), 1u);
}

TEST(shared_group, exact_and_wildcard_cleanup) {
    router r;
    r.subscribe("$share/g/a/b", sub(1), {});
    r.subscribe("$share/g/a/+/c", sub(1), {});
    r.subscribe("a/+/c", sub(2), {});
    EXPECT_EQ(r.trie_node_count(), 3u);
    EXPECT_FALSE(r.unsubscribe("$share/h/a/b", sub(1)));  // no such group
    EXPECT_FALSE(r.unsubscribe("$share/g/a/b", sub(2)));  // not a member
    EXPECT_FALSE(r.unsubscribe("$share//a/b", sub(1)));   // invalid: never subscribed
    EXPECT_TRUE(r.unsubscribe("$share/g/a/b", sub(1)));
    EXPECT_TRUE(r.unsubscribe("$share/g/a/+/c", sub(1)));
    EXPECT_EQ(r.trie_node_count(), 3u);  // the plain a/+/c keeps the path
    EXPECT_EQ(r.shared_group_count(), 0u);
    EXPECT_TRUE(r.unsubscribe("a/+/c", sub(2)));
    EXPECT_EQ(r.trie_node_count(), 0u);
    EXPECT_EQ(r.subscription_count(), 0u);
    EXPECT_EQ(r.filter_count(), 0u);
    EXPECT_TRUE(match(r, "a/b").empty());
}

TEST(shared_group, round_robin_alternates_exactly) {
    router r(shared_strategy::round_robin);
    for (std::uint64_t s = 1; s <= 3; ++s)
        r.subscribe("$share/g/t", sub(s), {});
    std::vector<std::uint64_t> seq;
    for (int i = 0; i < 9; ++i)
        seq.push_back(picked(r, "t"));
    for (int i = 3; i < 9; ++i)
        EXPECT_EQ(seq[i], seq[i - 3]);
    EXPECT_EQ(std::set<std::uint64_t>(seq.begin(), seq.begin() + 3).size(), 3u);
}

TEST(shared_group, hash_clientid_same_publisher_same_member) {
    router r(shared_strategy::hash_clientid);
    for (std::uint64_t s = 1; s <= 4; ++s)
        r.subscribe("$share/g/+", sub(s), {});
    std::set<std::uint64_t> seen;
    for (int p = 0; p < 40; ++p) {
        const std::string publisher = "client-" + std::to_string(p);
        const std::uint64_t first = picked(r, "a", publisher);
        for (const char* topic : {"b", "c", "a"})
            EXPECT_EQ(picked(r, topic, publisher), first);
        seen.insert(first);
    }
    EXPECT_GT(seen.size(), 1u);  // 40 publishers do not all hash to one of 4 members
}

TEST(shared_group, hash_topic_same_topic_same_member) {
    router r(shared_strategy::hash_topic);
    for (std::uint64_t s = 1; s <= 4; ++s)
        r.subscribe("$share/g/#", sub(s), {});
    std::set<std::uint64_t> seen;
    for (int t = 0; t < 40; ++t) {
        const std::string topic = "t/" + std::to_string(t);
        const std::uint64_t first = picked(r, topic, "p1");
        EXPECT_EQ(picked(r, topic, "p2"), first);
        EXPECT_EQ(picked(r, topic, "p3"), first);
        seen.insert(first);
    }
    EXPECT_GT(seen.size(), 1u);
}

TEST(shared_group, sticky_until_member_leaves_or_becomes_unavailable) {
    router r(shared_strategy::sticky);
    for (std::uint64_t s = 1; s <= 3; ++s)
        r.subscribe("$share/g/t", sub(s), {});
    const std::uint64_t first = picked(r, "t");
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(picked(r, "t", "p" + std::to_string(i)), first);

    ASSERT_TRUE(r.set_available("$share/g/t", sub(first), false));
    const std::uint64_t second = picked(r, "t");
    EXPECT_NE(second, first);
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(picked(r, "t"), second);
    ASSERT_TRUE(r.set_available("$share/g/t", sub(first), true));  // back: no switch
    EXPECT_EQ(picked(r, "t"), second);

    ASSERT_TRUE(r.unsubscribe("$share/g/t", sub(second)));
    const std::uint64_t third = picked(r, "t");
    EXPECT_NE(third, second);
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(picked(r, "t"), third);
}

TEST(shared_group, random_reaches_every_member) {
    router r(shared_strategy::random);
    r.subscribe("$share/g/t", sub(1), {});
    r.subscribe("$share/g/t", sub(2), {});
    std::map<std::uint64_t, int> counts;
    for (int i = 0; i < 200; ++i)
        ++counts[picked(r, "t")];
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts[1] + counts[2], 200);
}

TEST(shared_group, unavailable_members_only_when_no_other) {
    for (auto strategy :
         {shared_strategy::random, shared_strategy::round_robin, shared_strategy::sticky,
          shared_strategy::hash_clientid, shared_strategy::hash_topic}) {
        router r(strategy);
        r.subscribe("$share/g/t", sub(1), {});
        r.subscribe("$share/g/t", sub(2), {}, /*available=*/false);
        r.subscribe("$share/g/t", sub(3), {});
        ASSERT_TRUE(r.set_available("$share/g/t", sub(3), false));
        EXPECT_FALSE(r.set_available("$share/g/t", sub(9), false));  // not a member
        EXPECT_FALSE(r.set_available("t", sub(1), false));           // not shared
        for (int i = 0; i < 30; ++i)
            EXPECT_EQ(picked(r, "t", "p" + std::to_string(i)), 1u);
        ASSERT_TRUE(r.set_available("$share/g/t", sub(1), false));
        std::set<std::uint64_t> seen;
        for (int i = 0; i < 60; ++i)
            seen.insert(picked(r, "t", "p" + std::to_string(i)));
        EXPECT_FALSE(seen.empty());  // all unavailable: still delivered to some member
    }
}

TEST(shared_group, pick_other_for_redispatch) {
    for (auto strategy :
         {shared_strategy::random, shared_strategy::round_robin, shared_strategy::sticky,
          shared_strategy::hash_clientid, shared_strategy::hash_topic}) {
        router r(strategy);
        r.subscribe("$share/g/t", sub(1), {});
        r.subscribe("$share/g/t", sub(2, 1), {});
        const std::uint64_t group = match(r, "t").at(0).options.shared_group;
        ASSERT_NE(group, 0u);
        EXPECT_FALSE(r.pick_other(group + 100, "t", "p", sub(1), true));  // unknown group

        // Member 1 went away (still subscribed, unavailable): member 2 gets its messages.
        r.set_available("$share/g/t", sub(1), false);
        for (int i = 0; i < 20; ++i) {
            auto o = r.pick_other(group, "t", "p" + std::to_string(i), sub(1), false);
            ASSERT_TRUE(o);
            EXPECT_EQ(o->subscriber, sub(2, 1));
            EXPECT_EQ(o->options.shared_group, group);
        }
        // Even while 1 is available, it is never its own replacement.
        r.set_available("$share/g/t", sub(1), true);
        for (int i = 0; i < 20; ++i)
            EXPECT_EQ(r.pick_other(group, "t", "p" + std::to_string(i), sub(1), false)->subscriber,
                      sub(2, 1));
        // No other available member: only with any_member.
        r.set_available("$share/g/t", sub(2, 1), false);
        EXPECT_FALSE(r.pick_other(group, "t", "p", sub(1), false));
        EXPECT_EQ(r.pick_other(group, "t", "p", sub(1), true)->subscriber, sub(2, 1));
        // Alone in the group: nobody else.
        r.unsubscribe("$share/g/t", sub(2, 1));
        EXPECT_FALSE(r.pick_other(group, "t", "p", sub(1), true));
        // A session that already left (its id is no member) gets any member.
        EXPECT_EQ(r.pick_other(group, "t", "p", sub(7), true)->subscriber, sub(1));
        r.unsubscribe("$share/g/t", sub(1));
        EXPECT_FALSE(r.pick_other(group, "t", "p", sub(7), true));  // group gone
    }
}

// Property: for random filters, groups and topics, every matching group contributes exactly
// one route, to one of its members; plain subscriptions are all there, as the brute-force
// matcher says. Members join, leave and change availability on the way.
TEST(shared_group, property_exactly_one_member_per_matching_group) {
    const std::vector<std::string> filters = {"a/b",   "a/+",   "a/#", "#",      "+/b",
                                              "a/b/c", "+/+/c", "x",   "$SYS/#", "+/#"};
    const std::vector<std::string> topics = {"a/b", "a/x",   "a",      "a/b/c", "x",
                                             "y/b", "q/r/c", "$SYS/x", "a/b/d"};
    const std::vector<std::string> groups = {"g1", "g2", "g3"};
    for (auto strategy :
         {shared_strategy::random, shared_strategy::round_robin, shared_strategy::sticky,
          shared_strategy::hash_clientid, shared_strategy::hash_topic}) {
        std::mt19937 rng(static_cast<unsigned>(strategy) + 1);
        router r(strategy);
        // (full filter) -> members, and plain filter -> subscribers
        std::map<std::string, std::set<std::uint64_t>> model;
        for (int step = 0; step < 3000; ++step) {
            const std::string& f = filters[rng() % filters.size()];
            const bool shared = rng() % 3 != 0;
            const std::string full =
                shared ? "$share/" + groups[rng() % groups.size()] + "/" + f : f;
            const std::uint64_t who = rng() % 8 + 1;
            switch (rng() % 4) {
                case 0:
                case 1:
                    r.subscribe(full, sub(who, who % 2), {}, rng() % 2 == 0);
                    model[full].insert(who);
                    break;
                case 2:
                    EXPECT_EQ(r.unsubscribe(full, sub(who, who % 2)), model[full].erase(who) == 1);
                    break;
                default:
                    EXPECT_EQ(r.set_available(full, sub(who, who % 2), rng() % 2 == 0),
                              shared && model[full].count(who) == 1);
            }
            const std::string& topic = topics[rng() % topics.size()];
            const auto out = match(r, topic, "p" + std::to_string(step % 5));
            std::map<std::uint64_t, std::vector<std::uint64_t>> by_group;
            std::multiset<std::uint64_t> plain;
            for (const route& x : out) {
                if (x.options.shared_group)
                    by_group[x.options.shared_group].push_back(x.subscriber.session);
                else
                    plain.insert(x.subscriber.session);
            }
            std::multiset<std::uint64_t> want_plain;
            std::size_t want_groups = 0;
            for (const auto& [flt, members] : model) {
                if (members.empty())
                    continue;
                if (!core::is_shared_filter(flt)) {
                    if (core::topic_matches(flt, topic))
                        want_plain.insert(members.begin(), members.end());
                    continue;
                }
                const auto p = core::parse_shared_filter(flt);
                if (core::topic_matches(p->filter, topic))
                    ++want_groups;
            }
            ASSERT_EQ(plain, want_plain) << topic;
            ASSERT_EQ(by_group.size(), want_groups) << topic;
            for (const auto& [group, picked_members] : by_group) {
                ASSERT_EQ(picked_members.size(), 1u);  // exactly one member per group
                // ... and it is a member of a matching group with that id
                bool member = false;
                for (const auto& [flt, members] : model)
                    if (core::is_shared_filter(flt) && members.count(picked_members[0]) &&
                        core::topic_matches(core::parse_shared_filter(flt)->filter, topic))
                        member = true;
                EXPECT_TRUE(member);
            }
        }
    }
}

}  // namespace
}  // namespace emqd::router
