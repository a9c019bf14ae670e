// Shared subscriptions in the session: separate deliveries per shared route, availability
// following attach/detach, and hand_off_shared (what the broker redispatches when the
// connection goes).

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "router/router.h"
#include "session/session.h"
#include "session/test/recording_sink.h"

namespace emqd::session::test {
namespace {

using strings = std::vector<std::string>;

router::subscription_options shared(std::uint8_t qos, std::uint64_t group,
                                    std::uint32_t sub_id = 0) {
    auto o = opts(qos, sub_id);
    o.shared_group = group;
    return o;
}

class session_shared : public ::testing::Test {
protected:
    session& make(std::uint64_t id = 1, const std::string& client = "c1") {
        sessions.push_back(
            std::make_unique<session>(cfg, client, rt, router::subscriber_id{0, id}));
        return *sessions.back();
    }
    // The members `topic` reaches through its single shared group, over `n` publishes.
    std::vector<std::uint64_t> picks(const std::string& topic, int n) {
        std::vector<std::uint64_t> out;
        for (int i = 0; i < n; ++i) {
            std::vector<router::route> routes;
            rt.match(topic, "p" + std::to_string(i), routes);
            EXPECT_EQ(routes.size(), 1u);
            out.push_back(routes.at(0).subscriber.session);
        }
        return out;
    }

    session_config cfg;
    router::router rt;
    recording_sink sink;
    std::vector<std::unique_ptr<session>> sessions;
};

TEST_F(session_shared, shared_routes_are_never_merged) {
    session& s = make();
    s.attach(&sink, 65535, t0);
    const router::subscription_options matched[] = {opts(1, 5), shared(2, 7, 6), shared(0, 8),
                                                    opts(0)};
    s.deliver(make_msg({.payload = "x", .qos = 2}), matched, t0);
    ASSERT_EQ(sink.sent.size(), 3u);  // plain (merged: QoS 1, id 5), and one per group
    std::vector<std::pair<int, std::vector<std::uint32_t>>> got;
    for (const auto& p : sink.sent)
        got.emplace_back(p.qos, p.subscription_ids);
    EXPECT_EQ(got, (std::vector<std::pair<int, std::vector<std::uint32_t>>>{
                       {2, {6}}, {0, {}}, {1, {5}}}));
}

TEST_F(session_shared, availability_follows_the_connection) {
    session& a = make(1, "a");
    session& b = make(2, "b");
    recording_sink sink_b;
    a.attach(&sink, 65535, t0);
    b.attach(&sink_b, 65535, t0);
    ASSERT_TRUE(a.subscribe("$share/g/t", opts(1)));
    ASSERT_TRUE(b.subscribe("$share/g/t", opts(1)));
    a.detach(t0);
    for (auto id : picks("t", 30))
        EXPECT_EQ(id, 2u);
    a.attach(&sink, 65535, t0);
    b.detach(t0);
    for (auto id : picks("t", 30))
        EXPECT_EQ(id, 1u);
    // A detached session subscribing, or moved to another shard, stays unavailable.
    a.detach(t0);
    session& c = make(3, "c");
    recording_sink sink_c;
    c.attach(&sink_c, 65535, t0);
    ASSERT_TRUE(c.subscribe("$share/g/t", opts(1)));
    a.rebind({1, 1});
    for (auto id : picks("t", 30))
        EXPECT_EQ(id, 3u);
}

TEST_F(session_shared, hand_off_takes_unacknowledged_shared_messages_in_order) {
    cfg.max_inflight = 3;
    session& s = make();
    s.attach(&sink, 65535, t0);
    auto deliver = [&](const std::string& payload, router::subscription_options o) {
        s.deliver(make_msg({.payload = payload, .qos = 2}), {&o, 1}, t0);
    };
    deliver("acked", shared(1, 7));
    deliver("pubrec", shared(2, 7));
    deliver("sent", shared(1, 7));
    deliver("queued", shared(1, 7));
    deliver("plain", opts(1));
    deliver("qos0", shared(0, 7));
    deliver("queued2", shared(2, 8));
    ASSERT_EQ(s.inflight_size(), 3u);
    ASSERT_EQ(sink.payloads(), (strings{"acked", "pubrec", "sent", "qos0"}));
    const auto ids = [&] {
        std::vector<std::uint16_t> v;
        for (const auto& p : sink.sent)
            v.push_back(p.packet_id);
        return v;
    }();
    ASSERT_TRUE(s.on_puback(ids[0], t0));  // frees a slot: "queued" goes out
    ASSERT_TRUE(s.on_pubrec(ids[1], t0));
    s.detach(t0);

    // Refused: everything stays.
    strings offered;
    s.hand_off_shared([&](const core::message_ptr& m, std::uint64_t) {
        offered.push_back(m->payload);
        return false;
    });
    EXPECT_EQ(offered, (strings{"sent", "queued", "queued2"}));
    EXPECT_EQ(s.inflight_size(), 3u);
    EXPECT_EQ(s.queue_size(), 2u);

    // Taken: gone from the session, with the group each came through.
    std::vector<std::pair<std::string, std::uint64_t>> taken;
    s.hand_off_shared([&](const core::message_ptr& m, std::uint64_t group) {
        taken.emplace_back(m->payload, group);
        return true;
    });
    EXPECT_EQ(taken, (std::vector<std::pair<std::string, std::uint64_t>>{
                         {"sent", 7}, {"queued", 7}, {"queued2", 8}}));
    EXPECT_EQ(s.inflight_size(), 1u);  // the PUBREC'd one: the client has it
    EXPECT_EQ(s.queue_size(), 1u);     // the plain one

    // On reconnect: PUBREL for the PUBREC'd one, then the plain message; nothing handed off.
    sink.sent.clear();
    s.attach(&sink, 65535, t0);
    ASSERT_EQ(sink.sent.size(), 2u);
    EXPECT_EQ(sink.sent[0].type, sent_packet::kind::pubrel);
    EXPECT_EQ(sink.payloads(), strings{"plain"});
}

}  // namespace
}  // namespace emqd::session::test
