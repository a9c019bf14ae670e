// What a persistent session writes through its shard's session_store: deliveries forgotten
// when acknowledged or dropped, QoS 2 progress, awaiting-PUBREL ids, its record; and what it
// does with deliveries read back after a restart. A recording store stands in for the
// shard's writer (the RocksDB one is tested in src/storage).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "router/router.h"
#include "session/session.h"
#include "session/test/recording_sink.h"

namespace emqd::session::test {
namespace {

using kind = sent_packet::kind;

/// Every call, as one line: "erase_delivery 7 3" (store id, message id lo; "+progress" when
/// the QoS 2 progress record goes too), ...
class recording_store final : public session_store {
public:
    void put_session(const stored_session& s) override {
        sessions.push_back(s);
        log("put_session " + std::to_string(s.store_id));
    }
    void erase_session(std::uint64_t id) override { log("erase_session " + std::to_string(id)); }
    void put_delivery(std::uint64_t id, const core::message& m,
                      std::span<const router::subscription_options>) override {
        log("put_delivery " + std::to_string(id) + " " + std::to_string(m.id.lo));
    }
    void put_qos2_progress(std::uint64_t id, const core::guid& m, std::uint16_t packet_id,
                           qos2_progress p) override {
        const char* names[] = {" none", " sent", " released"};
        log("qos2 " + std::to_string(id) + " " + std::to_string(m.lo) + " " +
            std::to_string(packet_id) + names[static_cast<int>(p)]);
    }
    void erase_delivery(std::uint64_t id, const core::guid& m, bool progress) override {
        log("erase_delivery " + std::to_string(id) + " " + std::to_string(m.lo) +
            (progress ? " +progress" : ""));
    }
    void put_awaiting_rel(std::uint64_t id, std::uint16_t packet_id) override {
        log("put_awaiting_rel " + std::to_string(id) + " " + std::to_string(packet_id));
    }
    void erase_awaiting_rel(std::uint64_t id, std::uint16_t packet_id) override {
        log("erase_awaiting_rel " + std::to_string(id) + " " + std::to_string(packet_id));
    }
    std::uint64_t ticket() const override { return calls.size(); }

    /// The calls other than put_session (which attach/detach/subscribe make).
    std::vector<std::string> flows() const {
        std::vector<std::string> out;
        for (const auto& c : calls)
            if (!c.starts_with("put_session"))
                out.push_back(c);
        return out;
    }

    std::vector<std::string> calls;
    std::vector<stored_session> sessions;

private:
    void log(std::string line) { calls.push_back(std::move(line)); }
};

class session_persistence : public ::testing::Test {
protected:
    session_persistence() { ctx.store = &store; }

    session& make(std::uint64_t store_id = 7) {
        s = std::make_unique<session>(cfg, "c1", rt, router::subscriber_id{0, 1}, &ctx);
        if (store_id)
            s->set_store_id(store_id);
        s->set_expiry_interval(300);
        return *s;
    }
    /// Delivers message number `n` (its id's low half) as a persistent subscriber would get
    /// it from the publishing shard.
    void deliver(std::uint64_t n, std::uint8_t qos, std::uint8_t granted = 2,
                 const std::string& from = {}) {
        auto m = std::make_shared<core::message>(*make_msg({.qos = qos, .from = from}));
        m->id = core::guid{1, n};
        auto o = opts(granted);
        o.no_local = !from.empty();
        s->deliver(m, {&o, 1}, t0);
    }

    session_config cfg;
    router::router rt;
    recording_store store;
    shard_context ctx{0, 1};
    recording_sink sink;
    std::unique_ptr<session> s;
};

TEST_F(session_persistence, a_clean_session_writes_nothing) {
    make(0).attach(&sink, 65535, t0);
    s->subscribe("a/b", opts(1));
    deliver(1, 1);
    ASSERT_TRUE(s->on_puback(1, t0).ok());
    ASSERT_TRUE(s->awaiting_rel_insert(5, t0).ok());
    s->detach(t0);
    EXPECT_TRUE(store.calls.empty());
}

TEST_F(session_persistence, routes_carry_the_store_id) {
    make();
    s->subscribe("a/+", opts(1));
    std::vector<router::route> routes;
    rt.match("a/b", "", routes);
    ASSERT_EQ(routes.size(), 1u);
    EXPECT_EQ(routes[0].options.store_id, 7u);
}

TEST_F(session_persistence, acknowledged_qos1_deliveries_are_forgotten) {
    make().attach(&sink, 65535, t0);
    deliver(1, 1);
    deliver(2, 1);
    ASSERT_TRUE(s->on_puback(2, t0).ok());
    ASSERT_TRUE(s->on_puback(1, t0).ok());
    EXPECT_EQ(store.flows(),
              (std::vector<std::string>{"erase_delivery 7 2", "erase_delivery 7 1"}));
}

TEST_F(session_persistence, qos2_progress_is_recorded_until_pubcomp) {
    make().attach(&sink, 65535, t0);
    deliver(1, 2);
    const auto id = sink.sent.at(0).packet_id;
    ASSERT_TRUE(s->on_pubrec(id, t0).ok());
    ASSERT_TRUE(s->on_pubcomp(id, t0).ok());
    EXPECT_EQ(store.flows(), (std::vector<std::string>{"qos2 7 1 1 sent", "qos2 7 1 1 released",
                                                       "erase_delivery 7 1 +progress"}));
}

TEST_F(session_persistence, only_qos2_deliveries_sent_have_a_progress_record_to_erase) {
    make().attach(&sink, 65535, t0);
    deliver(1, 2);
    deliver(2, 1);
    ASSERT_TRUE(s->on_pubrec_refused(sink.sent.at(0).packet_id, t0).ok());
    ASSERT_TRUE(s->on_puback(sink.sent.at(1).packet_id, t0).ok());
    s->detach(t0);
    cfg.max_mqueue_len = 1;
    make(8);  // detached: QoS 2 deliveries queue, never sent
    deliver(3, 2);
    deliver(4, 2);  // the queue is full: 3 goes
    EXPECT_EQ(store.flows(),
              (std::vector<std::string>{"qos2 7 1 1 sent", "erase_delivery 7 1 +progress",
                                        "erase_delivery 7 2", "erase_delivery 8 3"}));
}

TEST_F(session_persistence, dropped_and_expired_deliveries_are_forgotten) {
    cfg.max_mqueue_len = 2;
    make();  // detached: everything queues
    deliver(1, 1);
    deliver(2, 1);
    deliver(3, 1);  // the queue is full: 1, the oldest, goes
    auto m = std::make_shared<core::message>(*make_msg({.qos = 1, .expiry = 5}));
    m->id = core::guid{1, 4};
    const auto o = opts(1);
    s->deliver(m, {&o, 1}, t0);  // evicts 2
    s->tick(at(10), false);      // 4 expired in the queue
    EXPECT_EQ(store.flows(), (std::vector<std::string>{"erase_delivery 7 1", "erase_delivery 7 2",
                                                       "erase_delivery 7 4"}));
    EXPECT_EQ(s->queue_size(), 1u);  // 3 stays, and so does its record
}

TEST_F(session_persistence, a_stored_message_the_session_does_not_keep_is_forgotten) {
    make().attach(&sink, 65535, t0);
    deliver(1, 1, 1, /*from=*/"c1");  // No Local: the publisher is this client
    deliver(2, 1, 0);                 // granted QoS 0: never stored
    EXPECT_EQ(store.flows(), (std::vector<std::string>{"erase_delivery 7 1"}));
}

TEST_F(session_persistence, awaiting_rel_ids_follow_the_inbound_qos2_flow) {
    cfg.await_rel_timeout = std::chrono::seconds(10);
    make();
    ASSERT_TRUE(*s->awaiting_rel_insert(5, t0));
    ASSERT_TRUE(*s->awaiting_rel_insert(6, t0));
    EXPECT_TRUE(s->awaiting_rel_release(5));
    s->tick(at(11), false);  // 6 timed out
    EXPECT_EQ(store.flows(),
              (std::vector<std::string>{"put_awaiting_rel 7 5", "put_awaiting_rel 7 6",
                                        "erase_awaiting_rel 7 5", "erase_awaiting_rel 7 6"}));
}

TEST_F(session_persistence, the_record_follows_connection_and_subscriptions) {
    make().attach(&sink, 65535, t0);
    s->subscribe("a/#", opts(1, 9));
    s->persist(t0);
    s->detach(at(3));
    ASSERT_EQ(store.sessions.size(), 3u);  // attach, persist, detach
    EXPECT_FALSE(store.sessions[1].disconnected_at);
    const stored_session& last = store.sessions.back();
    EXPECT_EQ(last.store_id, 7u);
    EXPECT_EQ(last.client_id, "c1");
    EXPECT_EQ(last.expiry_interval, 300u);
    EXPECT_TRUE(last.disconnected_at);
    ASSERT_EQ(last.subscriptions.size(), 1u);
    EXPECT_EQ(last.subscriptions.at("a/#").qos, 1);
    EXPECT_EQ(last.subscriptions.at("a/#").subscription_id, 9u);
}

TEST_F(session_persistence, restored_qos2_flows_resume_with_their_packet_ids) {
    make();
    const auto o = opts(2);
    auto msg = [](std::uint64_t n) {
        auto m = std::make_shared<core::message>(
            *make_msg({.payload = "m" + std::to_string(n), .qos = 2}));
        m->id = core::guid{1, n};
        return core::message_ptr(m);
    };
    s->restore(msg(1), {&o, 1}, 40, qos2_progress::sent, t0);
    s->restore(msg(2), {&o, 1}, 41, qos2_progress::released, t0);
    s->restore(msg(3), {&o, 1}, 0, qos2_progress::none, t0);  // queued: a fresh id on attach
    s->attach(&sink, 65535, t0);
    ASSERT_EQ(sink.sent.size(), 3u);
    EXPECT_EQ(sink.sent[0].type, kind::publish);
    EXPECT_TRUE(sink.sent[0].dup);
    EXPECT_EQ(sink.sent[0].packet_id, 40);
    EXPECT_EQ(sink.sent[1].type, kind::pubrel);
    EXPECT_EQ(sink.sent[1].packet_id, 41);
    EXPECT_EQ(sink.sent[2].payload, "m3");
    EXPECT_FALSE(sink.sent[2].dup);
    EXPECT_NE(sink.sent[2].packet_id, 40);
    EXPECT_NE(sink.sent[2].packet_id, 41);
    ASSERT_TRUE(s->on_pubcomp(41, t0).ok());
    EXPECT_EQ(store.flows().back(), "erase_delivery 7 2 +progress");
}

TEST_F(session_persistence, a_restored_flow_that_starts_afresh_loses_its_progress_record) {
    make();
    const auto o = opts(2);
    auto m1 = std::make_shared<core::message>(*make_msg({.qos = 2}));
    m1->id = core::guid{1, 1};
    auto m2 = std::make_shared<core::message>(*make_msg({.qos = 2}));
    m2->id = core::guid{1, 2};
    s->restore(m1, {&o, 1}, 40, qos2_progress::sent, t0);
    s->restore(m2, {&o, 1}, 40, qos2_progress::sent, t0);  // id taken: queued, sent afresh
    EXPECT_EQ(store.flows(), (std::vector<std::string>{"qos2 7 2 40 none"}));
    s->attach(&sink, 65535, t0);
    ASSERT_EQ(sink.sent.size(), 2u);
    EXPECT_EQ(sink.sent[0].packet_id, 40);
    EXPECT_NE(sink.sent[1].packet_id, 40);
    const std::string fresh = "qos2 7 2 " + std::to_string(sink.sent[1].packet_id) + " sent";
    EXPECT_EQ(store.flows().back(), fresh);
}

}  // namespace
}  // namespace emqd::session::test
