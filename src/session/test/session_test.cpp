// Outbound and inbound QoS flows of session: window, queue, packet ids, acks, resend, retry,
// awaiting PUBREL, No Local, merge, expiry. Driven with a recording sink and explicit time.

#include "session/session.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "router/router.h"
#include "session/test/recording_sink.h"

namespace emqd::session::test {
namespace {

using kind = sent_packet::kind;
using strings = std::vector<std::string>;

class session_flow : public ::testing::Test {
protected:
    session& make() {
        s = std::make_unique<session>(cfg, "c1", rt, router::subscriber_id{0, 1});
        return *s;
    }
    session& make_attached(std::uint16_t receive_maximum = 65535) {
        make().attach(&sink, receive_maximum, t0);
        return *s;
    }
    void deliver(const msg_spec& m, std::uint8_t granted = 2, clock::time_point now = t0) {
        const auto o = opts(granted);
        s->deliver(make_msg(m), {&o, 1}, now);
    }
    void deliver_n(int n, std::uint8_t qos, const std::string& prefix = "m") {
        for (int i = 0; i < n; ++i) {
            deliver({.payload = prefix + std::to_string(i), .qos = qos});
        }
    }

    session_config cfg;
    router::router rt;
    recording_sink sink;
    std::unique_ptr<session> s;
};

// --- QoS flows ----------------------------------------------------------------------------

TEST_F(session_flow, qos0_attached_goes_straight_to_sink) {
    make_attached();
    deliver({.payload = "x", .qos = 0});
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].qos, 0);
    EXPECT_EQ(sink.sent[0].packet_id, 0);
    EXPECT_FALSE(sink.sent[0].dup);
    EXPECT_EQ(s->inflight_size(), 0u);
    EXPECT_EQ(s->queue_size(), 0u);
}

TEST_F(session_flow, qos1_flow_completes_on_puback) {
    make_attached();
    deliver({.qos = 1});
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].qos, 1);
    EXPECT_EQ(sink.sent[0].packet_id, 1);
    EXPECT_EQ(s->inflight_size(), 1u);
    EXPECT_TRUE(s->on_puback(1, t0).ok());
    EXPECT_EQ(s->inflight_size(), 0u);
    const auto again = s->on_puback(1, t0);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.err().code, core::reason_code::packet_identifier_not_found);
}

TEST_F(session_flow, qos2_flow_pubrec_sends_pubrel_then_pubcomp_completes) {
    make_attached();
    deliver({.qos = 2});
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].qos, 2);
    const auto id = sink.sent[0].packet_id;

    EXPECT_FALSE(s->on_pubcomp(id, t0).ok());  // PUBCOMP before PUBREC
    EXPECT_FALSE(s->on_puback(id, t0).ok());   // wrong flow
    ASSERT_TRUE(s->on_pubrec(id, t0).ok());
    ASSERT_EQ(sink.sent.size(), 2u);
    EXPECT_EQ(sink.sent[1].type, kind::pubrel);
    EXPECT_EQ(sink.sent[1].packet_id, id);
    EXPECT_EQ(s->inflight_size(), 1u);  // the slot is freed only by PUBCOMP

    ASSERT_TRUE(s->on_pubrec(id, t0).ok());  // duplicate PUBREC: PUBREL again
    EXPECT_EQ(sink.sent.back().type, kind::pubrel);

    EXPECT_TRUE(s->on_pubcomp(id, t0).ok());
    EXPECT_EQ(s->inflight_size(), 0u);
    EXPECT_EQ(s->on_pubcomp(id, t0).err().code, core::reason_code::packet_identifier_not_found);
}

TEST_F(session_flow, refused_pubrec_ends_the_qos2_flow_without_pubrel) {
    make_attached();
    deliver({.qos = 2});
    const auto id = sink.sent.at(0).packet_id;
    ASSERT_TRUE(s->on_pubrec_refused(id, t0).ok());
    EXPECT_EQ(sink.sent.size(), 1u);  // no PUBREL
    EXPECT_EQ(s->inflight_size(), 0u);
    EXPECT_FALSE(s->on_pubrec_refused(id, t0).ok());
}

TEST_F(session_flow, unknown_packet_ids_fail) {
    make_attached();
    deliver({.qos = 1});
    for (const auto& st : {s->on_puback(9, t0), s->on_pubrec(9, t0), s->on_pubcomp(9, t0),
                           s->on_pubrec(1, t0) /* QoS 1 entry */}) {
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.err().code, core::reason_code::packet_identifier_not_found);
    }
    EXPECT_EQ(s->inflight_size(), 1u);
}

TEST_F(session_flow, send_failure_is_treated_as_delivered) {
    make_attached();
    sink.accept = false;
    deliver({.qos = 1});
    deliver({.qos = 2});
    EXPECT_EQ(sink.sent.size(), 2u);
    EXPECT_EQ(s->inflight_size(), 0u);
    EXPECT_EQ(s->queue_size(), 0u);
}

// --- window, queue, receive maximum ---------------------------------------------------------

TEST_F(session_flow, window_limit_queues_and_acks_pull_from_queue_in_order) {
    cfg.max_inflight = 2;
    make_attached();
    deliver_n(5, 1);
    EXPECT_EQ(sink.payloads(), (strings{"m0", "m1"}));
    EXPECT_EQ(s->inflight_size(), 2u);
    EXPECT_EQ(s->queue_size(), 3u);

    ASSERT_TRUE(s->on_puback(1, t0).ok());
    EXPECT_EQ(sink.payloads(), (strings{"m0", "m1", "m2"}));
    EXPECT_EQ(sink.sent.back().packet_id, 3);
    ASSERT_TRUE(s->on_puback(3, t0).ok());
    ASSERT_TRUE(s->on_puback(2, t0).ok());
    EXPECT_EQ(sink.payloads(), (strings{"m0", "m1", "m2", "m3", "m4"}));
    EXPECT_EQ(s->queue_size(), 0u);
    EXPECT_EQ(s->inflight_size(), 2u);
}

TEST_F(session_flow, qos0_is_not_held_back_by_a_full_window) {
    cfg.max_inflight = 1;
    make_attached();
    deliver({.payload = "q1", .qos = 1});
    deliver({.payload = "q1b", .qos = 1});
    deliver({.payload = "q0", .qos = 0});
    EXPECT_EQ(sink.payloads(), (strings{"q1", "q0"}));
    EXPECT_EQ(s->queue_size(), 1u);
}

TEST_F(session_flow, receive_maximum_limits_window) {
    cfg.max_inflight = 32;
    make_attached(/*receive_maximum=*/3);
    deliver_n(10, 2);
    EXPECT_EQ(s->inflight_size(), 3u);
    EXPECT_EQ(s->queue_size(), 7u);
}

TEST_F(session_flow, max_inflight_zero_means_65535) {
    cfg.max_inflight = 0;
    make_attached();
    deliver_n(1000, 1);
    EXPECT_EQ(s->inflight_size(), 1000u);
    EXPECT_EQ(s->queue_size(), 0u);
}

TEST_F(session_flow, detached_queues_qos12_and_qos0_when_configured) {
    make();
    deliver({.payload = "a", .qos = 0});
    deliver({.payload = "b", .qos = 1});
    deliver({.payload = "c", .qos = 2});
    EXPECT_EQ(s->queue_size(), 3u);
    EXPECT_EQ(s->inflight_size(), 0u);
    s->attach(&sink, 65535, t0);
    EXPECT_EQ(sink.payloads(), (strings{"a", "b", "c"}));
    EXPECT_EQ(sink.sent[0].packet_id, 0);
    EXPECT_EQ(s->inflight_size(), 2u);
}

TEST_F(session_flow, detached_drops_qos0_unless_mqueue_store_qos0) {
    cfg.mqueue_store_qos0 = false;
    make();
    deliver({.qos = 0});
    deliver({.qos = 1});
    EXPECT_EQ(s->queue_size(), 1u);
    EXPECT_EQ(s->dropped(), 1u);
}

TEST_F(session_flow, full_queue_drops_qos0_first_then_oldest) {
    cfg.max_mqueue_len = 3;
    make();
    deliver({.payload = "a1", .qos = 1});
    deliver({.payload = "b0", .qos = 0});
    deliver({.payload = "c2", .qos = 2});
    deliver({.payload = "d0", .qos = 0});  // incoming QoS 0 dropped
    EXPECT_EQ(s->dropped(), 1u);
    deliver({.payload = "e1", .qos = 1});  // oldest QoS 0 (b0) dropped
    EXPECT_EQ(s->dropped(), 2u);
    deliver({.payload = "f1", .qos = 1});  // oldest overall (a1) dropped
    EXPECT_EQ(s->dropped(), 3u);
    EXPECT_EQ(s->queue_size(), 3u);
    s->attach(&sink, 65535, t0);
    EXPECT_EQ(sink.payloads(), (strings{"c2", "e1", "f1"}));
}

TEST_F(session_flow, byte_cap_keeps_what_fits_qos0_dropped_first) {
    cfg.max_mqueue_len = 0;
    // Each message: 64 + topic "a/b" (3) + payload (3) = 70 bytes; room for three.
    cfg.max_mqueue_bytes = 210;
    make();
    deliver({.payload = "a_1", .qos = 1});
    deliver({.payload = "b_0", .qos = 0});
    deliver({.payload = "c_1", .qos = 1});
    EXPECT_EQ(s->queue_bytes(), 210u);
    deliver({.payload = "d_0", .qos = 0});  // dropped itself
    deliver({.payload = "e_1", .qos = 1});  // b_0 goes
    deliver({.payload = "f_2", .qos = 2});  // a_1 goes
    EXPECT_EQ(s->drops()[drop_reason::queue_bytes], 3u);
    EXPECT_EQ(s->dropped(), 3u);
    s->attach(&sink, 65535, t0);
    EXPECT_EQ(sink.payloads(), (strings{"c_1", "e_1", "f_2"}));
    EXPECT_EQ(s->queue_bytes(), 0u);
}

TEST_F(session_flow, drops_are_counted_by_reason_here_and_in_the_shard_sum) {
    shard_context ctx(0, 1);
    queue_budget& shard = ctx.budget;
    cfg.max_mqueue_len = 1;
    cfg.mqueue_store_qos0 = false;
    s = std::make_unique<session>(cfg, "c1", rt, router::subscriber_id{0, 1}, &ctx);
    deliver({.payload = "q0", .qos = 0});                           // QoS 0 while offline
    deliver({.payload = "old", .qos = 1});                          // queued
    deliver({.payload = "new", .qos = 1});                          // queue full: "old" goes
    deliver({.payload = "gone", .qos = 1, .expiry = 5}, 2, at(5));  // expired on arrival
    EXPECT_EQ(s->drops()[drop_reason::qos0_offline], 1u);
    EXPECT_EQ(s->drops()[drop_reason::queue_full], 1u);
    EXPECT_EQ(s->drops()[drop_reason::expired], 1u);
    EXPECT_EQ(s->drops()[drop_reason::queue_bytes], 0u);
    EXPECT_EQ(s->dropped(), 3u);
    EXPECT_EQ(shard.drops().total(), 3u);
    EXPECT_EQ(shard.drops()[drop_reason::queue_full], 1u);
    EXPECT_EQ(shard.used(), s->queue_bytes());
    s.reset();  // the session's queued bytes leave the shard with it
    EXPECT_EQ(shard.used(), 0u);
    EXPECT_EQ(shard.drops().total(), 3u);  // the shard's sum outlives its sessions
}

TEST_F(session_flow, global_cap_spans_the_sessions_of_a_shard) {
    cfg.max_mqueue_len = 0;
    cfg.max_mqueue_bytes = 0;
    shard_context ctx(350, 1);  // five 70-byte messages
    queue_budget& shard = ctx.budget;
    session a(cfg, "a", rt, router::subscriber_id{0, 1}, &ctx);
    session b(cfg, "b", rt, router::subscriber_id{0, 2}, &ctx);
    const auto o = opts(2);
    for (const char* p : {"a_1", "a_2", "a_3"})
        a.deliver(make_msg({.payload = p, .qos = 1}), {&o, 1}, t0);
    for (const char* p : {"b_1", "b_2", "b_3"})
        b.deliver(make_msg({.payload = p, .qos = 1}), {&o, 1}, t0);
    // b_3 found the budget full and evicted b's own oldest.
    EXPECT_EQ(b.drops()[drop_reason::global_bytes], 1u);
    EXPECT_EQ(a.queue_size(), 3u);
    EXPECT_EQ(b.queue_size(), 2u);
    EXPECT_EQ(shard.used(), 350u);
    b.attach(&sink, 65535, t0);
    EXPECT_EQ(sink.payloads(), (strings{"b_2", "b_3"}));
}

TEST_F(session_flow, unbounded_queue) {
    cfg.max_mqueue_len = 0;
    make();
    deliver_n(5000, 1);
    EXPECT_EQ(s->queue_size(), 5000u);
    EXPECT_EQ(s->dropped(), 0u);
}

// --- packet ids ---------------------------------------------------------------------------

TEST_F(session_flow, packet_ids_wrap_around_skipping_zero) {
    make_attached();
    for (int i = 1; i <= 65535; ++i) {
        deliver({.qos = 1});
        ASSERT_EQ(sink.sent.back().packet_id, i);
        ASSERT_TRUE(s->on_puback(static_cast<std::uint16_t>(i), t0).ok());
    }
    deliver({.qos = 1});
    EXPECT_EQ(sink.sent.back().packet_id, 1);  // never 0
}

TEST_F(session_flow, packet_ids_go_on_after_an_idle_tick_released_the_flow_state) {
    // A tick that finds nothing inflight, queued or awaiting PUBREL frees that state; the
    // next message continues the ids and the awaiting-PUBREL set starts empty.
    make_attached();
    deliver({.qos = 1});
    deliver({.qos = 1});
    ASSERT_TRUE(s->on_puback(1, t0).ok());
    ASSERT_TRUE(s->on_puback(2, t0).ok());
    ASSERT_TRUE(s->awaiting_rel_insert(7, t0).value());
    s->tick(t0, /*retry=*/true);                          // id 7 still awaits PUBREL: kept
    EXPECT_FALSE(s->awaiting_rel_insert(7, t0).value());  // a duplicate
    EXPECT_TRUE(s->awaiting_rel_release(7));
    s->tick(t0, /*retry=*/true);  // now empty: released
    EXPECT_FALSE(s->awaiting_rel_release(7));
    EXPECT_EQ(s->on_puback(2, t0).err().code, core::reason_code::packet_identifier_not_found);
    deliver({.qos = 2});
    EXPECT_EQ(sink.sent.back().packet_id, 3);
    EXPECT_EQ(s->inflight_size(), 1u);
}

TEST_F(session_flow, packet_ids_skip_ids_in_use) {
    make_attached();
    deliver({.qos = 2});  // id 1 stays inflight throughout
    ASSERT_EQ(sink.sent.back().packet_id, 1);
    for (int i = 2; i <= 65535; ++i) {
        deliver({.qos = 1});
        ASSERT_EQ(sink.sent.back().packet_id, i);
        if (i != 3) {
            ASSERT_TRUE(s->on_puback(static_cast<std::uint16_t>(i), t0).ok());
        }
    }
    deliver({.qos = 1});  // 1 and 3 are in use
    EXPECT_EQ(sink.sent.back().packet_id, 2);
    deliver({.qos = 1});
    EXPECT_EQ(sink.sent.back().packet_id, 4);
    EXPECT_EQ(s->inflight_size(), 4u);
}

// --- resend on attach -----------------------------------------------------------------------

TEST_F(session_flow, attach_resends_inflight_in_order_with_dup_and_pubrel) {
    cfg.max_inflight = 3;
    make_attached();
    deliver({.payload = "a", .qos = 1});
    deliver({.payload = "b", .qos = 2});
    deliver({.payload = "c", .qos = 2});
    ASSERT_TRUE(s->on_pubrec(2, t0).ok());
    s->detach(at(1));
    deliver({.payload = "d", .qos = 1});  // queued while detached

    recording_sink next;
    s->attach(&next, 65535, at(2));
    ASSERT_EQ(next.sent.size(), 3u);
    EXPECT_EQ(next.sent[0].type, kind::publish);
    EXPECT_EQ(next.sent[0].payload, "a");
    EXPECT_EQ(next.sent[0].packet_id, 1);
    EXPECT_TRUE(next.sent[0].dup);
    EXPECT_EQ(next.sent[1].type, kind::pubrel);
    EXPECT_EQ(next.sent[1].packet_id, 2);
    EXPECT_EQ(next.sent[2].payload, "c");
    EXPECT_TRUE(next.sent[2].dup);
    EXPECT_EQ(s->queue_size(), 1u);  // window full: "d" waits

    ASSERT_TRUE(s->on_pubcomp(2, at(3)).ok());
    ASSERT_EQ(next.sent.size(), 4u);
    EXPECT_EQ(next.sent[3].payload, "d");
    EXPECT_FALSE(next.sent[3].dup);
    EXPECT_EQ(next.sent[3].packet_id, 4);
}

TEST_F(session_flow, attach_with_smaller_receive_maximum_resends_only_what_it_allows) {
    make_attached();
    deliver_n(4, 1);
    s->detach(at(1));
    deliver({.payload = "q", .qos = 1});
    recording_sink next;
    s->attach(&next, 2, at(2));
    // [MQTT-3.3.4-9]: at most 2 unacknowledged PUBLISHes, resent with DUP in order.
    EXPECT_EQ(next.payloads(), (strings{"m0", "m1"}));
    EXPECT_TRUE(next.sent.at(0).dup);
    ASSERT_TRUE(s->on_puback(1, at(3)).ok());
    EXPECT_EQ(next.payloads(), (strings{"m0", "m1", "m2"}));
    EXPECT_TRUE(next.sent.back().dup);
    EXPECT_EQ(next.sent.back().packet_id, 3);  // its original packet id
    ASSERT_TRUE(s->on_puback(2, at(3)).ok());
    ASSERT_TRUE(s->on_puback(3, at(3)).ok());
    EXPECT_EQ(next.payloads(), (strings{"m0", "m1", "m2", "m3", "q"}));
    EXPECT_FALSE(next.sent.back().dup);  // the queued one is new
    EXPECT_EQ(s->queue_size(), 0u);
}

TEST_F(session_flow, an_unsent_entry_acknowledged_from_the_old_connection_is_not_resent) {
    make_attached();
    deliver_n(3, 1);
    s->detach(at(1));
    recording_sink next;
    s->attach(&next, 1, at(2));
    EXPECT_EQ(next.payloads(), (strings{"m0"}));
    ASSERT_TRUE(s->on_puback(3, at(3)).ok());  // m2, received before the reconnect
    ASSERT_TRUE(s->on_puback(1, at(3)).ok());
    EXPECT_EQ(next.payloads(), (strings{"m0", "m1"}));
    ASSERT_TRUE(s->on_puback(2, at(3)).ok());
    EXPECT_EQ(next.payloads(), (strings{"m0", "m1"}));
    EXPECT_EQ(s->inflight_size(), 0u);
}

TEST_F(session_flow, detach_keeps_state_and_session_expiry) {
    make_attached();
    s->set_expiry_interval(10);
    deliver({.qos = 1});
    EXPECT_FALSE(s->expired(at(100)));  // attached
    s->detach(at(5));
    EXPECT_FALSE(s->attached());
    EXPECT_EQ(s->detached_at(), at(5));
    EXPECT_EQ(s->inflight_size(), 1u);
    EXPECT_FALSE(s->expired(at(14)));
    EXPECT_TRUE(s->expired(at(15)));
    s->set_expiry_interval(0xFFFFFFFF);
    EXPECT_FALSE(s->expired(at(1'000'000)));
    s->set_expiry_interval(0);
    EXPECT_TRUE(s->expired(at(5)));
}

// --- retry --------------------------------------------------------------------------------

TEST_F(session_flow, tick_retries_only_when_asked_and_after_retry_interval) {
    cfg.retry_interval = std::chrono::seconds(10);
    make_attached();
    deliver({.payload = "a", .qos = 1}, 2, t0);
    deliver({.payload = "b", .qos = 2}, 2, at(4));
    ASSERT_TRUE(s->on_pubrec(2, at(6)).ok());
    const auto base = sink.sent.size();  // 2 PUBLISH + 1 PUBREL

    s->tick(at(9), true);
    EXPECT_EQ(sink.sent.size(), base);
    s->tick(at(12), false);  // v5: never retried in-session
    EXPECT_EQ(sink.sent.size(), base);

    s->tick(at(12), true);  // "a" is 12 s old; the PUBREL only 6 s
    ASSERT_EQ(sink.sent.size(), base + 1);
    EXPECT_EQ(sink.sent.back().payload, "a");
    EXPECT_TRUE(sink.sent.back().dup);
    EXPECT_EQ(sink.sent.back().packet_id, 1);

    s->tick(at(16), true);  // PUBREL retried; "a" was re-sent at 12
    ASSERT_EQ(sink.sent.size(), base + 2);
    EXPECT_EQ(sink.sent.back().type, kind::pubrel);
    EXPECT_EQ(sink.sent.back().packet_id, 2);

    s->tick(at(21), true);
    EXPECT_EQ(sink.sent.size(), base + 2);
    s->tick(at(22), true);
    EXPECT_EQ(sink.sent.size(), base + 3);
}

TEST_F(session_flow, tick_does_not_retry_while_detached) {
    cfg.retry_interval = std::chrono::seconds(1);
    make_attached();
    deliver({.qos = 1});
    s->detach(t0);
    s->tick(at(10), true);
    EXPECT_EQ(sink.sent.size(), 1u);
}

// --- inbound QoS 2 ------------------------------------------------------------------------

TEST_F(session_flow, awaiting_rel_limit_and_duplicates) {
    cfg.max_awaiting_rel = 2;
    make_attached();
    EXPECT_TRUE(*s->awaiting_rel_insert(1, t0));
    EXPECT_FALSE(*s->awaiting_rel_insert(1, t0));  // DUP resend
    EXPECT_TRUE(*s->awaiting_rel_insert(2, t0));
    const auto full = s->awaiting_rel_insert(3, t0);
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.err().code, core::reason_code::receive_maximum_exceeded);
    EXPECT_FALSE(*s->awaiting_rel_insert(2, t0));  // a duplicate is not an overflow
    EXPECT_TRUE(s->awaiting_rel_release(1));
    EXPECT_FALSE(s->awaiting_rel_release(1));
    EXPECT_TRUE(*s->awaiting_rel_insert(3, t0));
    EXPECT_EQ(s->awaiting_rel_size(), 2u);
}

TEST_F(session_flow, awaiting_rel_unbounded_when_zero) {
    cfg.max_awaiting_rel = 0;
    make();
    for (int i = 1; i <= 1000; ++i) {
        ASSERT_TRUE(*s->awaiting_rel_insert(static_cast<std::uint16_t>(i), t0));
    }
    EXPECT_EQ(s->awaiting_rel_size(), 1000u);
}

TEST_F(session_flow, awaiting_rel_times_out_on_tick) {
    cfg.await_rel_timeout = std::chrono::seconds(10);
    make();
    ASSERT_TRUE(*s->awaiting_rel_insert(1, t0));
    ASSERT_TRUE(*s->awaiting_rel_insert(2, at(5)));
    s->tick(at(9), false);
    EXPECT_EQ(s->awaiting_rel_size(), 2u);
    s->tick(at(10), false);
    EXPECT_EQ(s->awaiting_rel_size(), 1u);
    EXPECT_FALSE(s->awaiting_rel_release(1));
    EXPECT_TRUE(s->awaiting_rel_release(2));
}

// --- No Local, merge, QoS, retain -------------------------------------------------------------

TEST_F(session_flow, no_local_skips_own_messages) {
    make_attached();
    auto local = opts(1);
    local.no_local = true;
    s->deliver(make_msg({.payload = "own", .qos = 1, .from = "c1"}), {&local, 1}, t0);
    EXPECT_TRUE(sink.sent.empty());
    s->deliver(make_msg({.payload = "other", .qos = 1, .from = "c2"}), {&local, 1}, t0);
    EXPECT_EQ(sink.payloads(), (strings{"other"}));

    // An overlapping subscription without No Local still delivers, at its own QoS.
    const std::vector<router::subscription_options> both{local, opts(0, 7)};
    s->deliver(make_msg({.payload = "own2", .qos = 2, .from = "c1"}), both, t0);
    ASSERT_EQ(sink.payloads(), (strings{"other", "own2"}));
    EXPECT_EQ(sink.sent.back().qos, 0);
    EXPECT_EQ(sink.sent.back().subscription_ids, (std::vector<std::uint32_t>{7}));
    EXPECT_EQ(s->dropped(), 0u);
}

TEST_F(session_flow, overlapping_subscriptions_merge_into_one_delivery) {
    make_attached();
    const std::vector<router::subscription_options> matched{opts(0, 5), opts(2), opts(1, 7),
                                                            opts(1, 9)};
    s->deliver(make_msg({.qos = 2}), matched, t0);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].qos, 2);
    EXPECT_EQ(sink.sent[0].subscription_ids, (std::vector<std::uint32_t>{5, 7, 9}));

    s->deliver(make_msg({.qos = 1}), matched, t0);  // capped by the message QoS
    EXPECT_EQ(sink.sent.back().qos, 1);
    EXPECT_TRUE(s->on_puback(sink.sent.back().packet_id, t0).ok());
}

TEST_F(session_flow, subscription_ids_survive_queueing) {
    make();
    const std::vector<router::subscription_options> matched{opts(1, 1), opts(1, 2), opts(1, 3)};
    s->deliver(make_msg({.qos = 1}), matched, t0);
    s->attach(&sink, 65535, t0);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_EQ(sink.sent[0].subscription_ids, (std::vector<std::uint32_t>{1, 2, 3}));
    s->detach(t0);
    recording_sink next;
    s->attach(&next, 65535, t0);
    ASSERT_EQ(next.sent.size(), 1u);
    EXPECT_EQ(next.sent[0].subscription_ids, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST_F(session_flow, retain_flag_only_with_retain_as_published) {
    make_attached();
    auto plain = opts(1);
    auto rap = opts(0);
    rap.retain_as_published = true;
    s->deliver(make_msg({.qos = 0, .retain = true}), {&plain, 1}, t0);
    EXPECT_FALSE(sink.sent.back().retain);
    const std::vector<router::subscription_options> both{plain, rap};
    s->deliver(make_msg({.qos = 0, .retain = true}), both, t0);
    EXPECT_TRUE(sink.sent.back().retain);
    s->deliver(make_msg({.qos = 0, .retain = false}), both, t0);
    EXPECT_FALSE(sink.sent.back().retain);
}

TEST_F(session_flow, deliver_retained_sets_retain) {
    make_attached();
    s->deliver_retained(make_msg({.qos = 1, .retain = true}), opts(2, 4), t0);
    ASSERT_EQ(sink.sent.size(), 1u);
    EXPECT_TRUE(sink.sent[0].retain);
    EXPECT_EQ(sink.sent[0].qos, 1);
    EXPECT_EQ(sink.sent[0].subscription_ids, (std::vector<std::uint32_t>{4}));
}

TEST_F(session_flow, qos_is_capped_or_upgraded) {
    make_attached();
    deliver({.qos = 2}, /*granted=*/1);
    EXPECT_EQ(sink.sent.back().qos, 1);
    deliver({.qos = 0}, /*granted=*/2);
    EXPECT_EQ(sink.sent.back().qos, 0);

    cfg.upgrade_qos = true;
    deliver({.qos = 0}, /*granted=*/2);
    EXPECT_EQ(sink.sent.back().qos, 2);
    deliver({.qos = 2}, /*granted=*/1);
    EXPECT_EQ(sink.sent.back().qos, 2);
}

// --- message expiry -------------------------------------------------------------------------

TEST_F(session_flow, expired_message_is_dropped_on_delivery) {
    make_attached();
    deliver({.qos = 1, .expiry = 5}, 2, at(5));
    EXPECT_TRUE(sink.sent.empty());
    EXPECT_EQ(s->dropped(), 1u);
    deliver({.qos = 1, .expiry = 5}, 2, at(4));
    EXPECT_EQ(sink.sent.size(), 1u);
}

TEST_F(session_flow, queued_messages_expire_on_tick_and_on_attach) {
    make();
    deliver({.payload = "short", .qos = 1, .expiry = 5});
    deliver({.payload = "mid", .qos = 0, .expiry = 20});
    deliver({.payload = "long", .qos = 2});
    s->tick(at(5), false);
    EXPECT_EQ(s->queue_size(), 2u);
    EXPECT_EQ(s->dropped(), 1u);
    s->attach(&sink, 65535, at(20));  // "mid" expires before onward delivery starts
    EXPECT_EQ(sink.payloads(), (strings{"long"}));
    EXPECT_EQ(s->dropped(), 2u);
}

TEST_F(session_flow, inflight_message_is_completed_even_if_expired) {
    make_attached();
    deliver({.payload = "x", .qos = 1, .expiry = 5});
    s->detach(at(1));
    recording_sink next;
    s->attach(&next, 65535, at(60));
    EXPECT_EQ(next.payloads(), (strings{"x"}));
}

}  // namespace
}  // namespace emqd::session::test
