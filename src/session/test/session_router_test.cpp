// Subscriptions of session against the real router: register, replace, unsubscribe, rebind
// under a new handle, and cleanup on destruction.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "router/router.h"
#include "session/session.h"
#include "session/test/recording_sink.h"

namespace emqd::session::test {
namespace {

const router::subscriber_id first{0, 1};
const router::subscriber_id moved{3, 1};

std::vector<router::route> match(const router::router& rt, std::string_view topic) {
    std::vector<router::route> out;
    rt.match(topic, "", out);
    return out;
}

class session_subscriptions : public ::testing::Test {
protected:
    session_config cfg;
    router::router rt;
};

TEST_F(session_subscriptions, subscribe_registers_under_own_id) {
    session s(cfg, "c1", rt, first);
    EXPECT_TRUE(s.subscribe("a/+", opts(1, 3)));
    EXPECT_TRUE(s.subscribe("a/b", opts(2)));
    EXPECT_FALSE(s.subscribe("a/b", opts(0)));  // replaces
    EXPECT_EQ(s.subscriptions().size(), 2u);
    EXPECT_EQ(s.subscriptions().at("a/b").qos, 0);

    const auto routes = match(rt, "a/b");
    ASSERT_EQ(routes.size(), 2u);
    for (const auto& r : routes) {
        EXPECT_EQ(r.subscriber, first);
    }
    EXPECT_EQ(rt.subscription_count(), 2u);
}

TEST_F(session_subscriptions, unsubscribe_removes_from_router) {
    session s(cfg, "c1", rt, first);
    ASSERT_TRUE(s.subscribe("x/#", opts(1)));
    EXPECT_TRUE(s.unsubscribe("x/#"));
    EXPECT_FALSE(s.unsubscribe("x/#"));
    EXPECT_TRUE(match(rt, "x/y").empty());
    EXPECT_TRUE(s.subscriptions().empty());
}

TEST_F(session_subscriptions, rebind_reregisters_everything_under_new_id) {
    session s(cfg, "c1", rt, first);
    ASSERT_TRUE(s.subscribe("a/+", opts(1, 3)));
    ASSERT_TRUE(s.subscribe("b", opts(2)));
    s.rebind(moved);
    EXPECT_EQ(s.id(), moved);
    EXPECT_EQ(rt.subscription_count(), 2u);
    for (const auto topic : {"a/x", "b"}) {
        const auto routes = match(rt, topic);
        ASSERT_EQ(routes.size(), 1u) << topic;
        EXPECT_EQ(routes[0].subscriber, moved);
    }
    EXPECT_EQ(match(rt, "a/x")[0].options, opts(1, 3));

    // Later subscriptions and unsubscriptions use the new id too.
    ASSERT_TRUE(s.subscribe("c", opts(0)));
    EXPECT_EQ(match(rt, "c").at(0).subscriber, moved);
    ASSERT_TRUE(s.unsubscribe("b"));
    EXPECT_TRUE(match(rt, "b").empty());
}

TEST_F(session_subscriptions, destructor_removes_every_subscription) {
    session other(cfg, "c2", rt, router::subscriber_id{0, 2});
    ASSERT_TRUE(other.subscribe("a/b", opts(0)));
    {
        session s(cfg, "c1", rt, first);
        ASSERT_TRUE(s.subscribe("a/b", opts(1)));
        ASSERT_TRUE(s.subscribe("a/#", opts(1)));
        ASSERT_TRUE(s.subscribe("z", opts(2)));
        EXPECT_EQ(rt.subscription_count(), 4u);
    }
    EXPECT_EQ(rt.subscription_count(), 1u);
    const auto routes = match(rt, "a/b");
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].subscriber, (router::subscriber_id{0, 2}));
}

TEST_F(session_subscriptions, routed_matches_feed_deliver) {
    session s(cfg, "c1", rt, first);
    ASSERT_TRUE(s.subscribe("a/+", opts(1, 3)));
    ASSERT_TRUE(s.subscribe("a/#", opts(2, 4)));
    recording_sink sink;
    s.attach(&sink, 65535, t0);

    std::vector<router::subscription_options> matched;
    for (const auto& r : match(rt, "a/b")) {
        if (r.subscriber == s.id()) {
            matched.push_back(r.options);
        }
    }
    s.deliver(make_msg({.qos = 2, .topic = "a/b"}), matched, t0);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].qos, 2);
    auto ids = sink.sent[0].subscription_ids;
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::uint32_t>{3, 4}));
}

router::subscription_options fastlane() {
    router::subscription_options o;
    o.fastlane = true;
    return o;
}

TEST_F(session_subscriptions, fastlane_is_routed_under_the_bare_filter) {
    session s(cfg, "c1", rt, first);
    EXPECT_TRUE(s.subscribe("$fastlane/a/+", fastlane()));
    const auto routes = match(rt, "a/b");
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_TRUE(routes[0].options.fastlane);
    EXPECT_TRUE(match(rt, "$fastlane/a/b").empty());
    EXPECT_TRUE(s.unsubscribe("$fastlane/a/+"));
    EXPECT_TRUE(match(rt, "a/b").empty());
    EXPECT_EQ(rt.subscription_count(), 0u);
}

TEST_F(session_subscriptions, plain_subscription_shadows_fastlane_on_the_same_filter) {
    session s(cfg, "c1", rt, first);
    ASSERT_TRUE(s.subscribe("$fastlane/t", fastlane()));
    ASSERT_TRUE(s.subscribe("t", opts(1)));
    EXPECT_FALSE(s.subscribe("$fastlane/t", fastlane()));  // replaced, still shadowed
    EXPECT_EQ(s.subscriptions().size(), 2u);
    ASSERT_EQ(match(rt, "t").size(), 1u);
    EXPECT_EQ(match(rt, "t")[0].options, opts(1));

    s.rebind(moved);  // one route, the plain one, under the new id
    ASSERT_EQ(match(rt, "t").size(), 1u);
    EXPECT_EQ(match(rt, "t")[0].subscriber, moved);
    EXPECT_EQ(match(rt, "t")[0].options, opts(1));

    ASSERT_TRUE(s.unsubscribe("t"));  // the fastlane one takes over
    ASSERT_EQ(match(rt, "t").size(), 1u);
    EXPECT_TRUE(match(rt, "t")[0].options.fastlane);
    ASSERT_TRUE(s.subscribe("t", opts(2)));
    ASSERT_TRUE(s.unsubscribe("$fastlane/t"));  // the plain one stays
    ASSERT_EQ(match(rt, "t").size(), 1u);
    EXPECT_EQ(match(rt, "t")[0].options, opts(2));
}

}  // namespace
}  // namespace emqd::session::test
