// Listener and rate limits as the channel sees them: refuse() (max_connections) answers the
// CONNECT without a session; count_publish()/throttle() stop dispatch until resume(), keep
// every byte, and suspend the keep alive timeout meanwhile (and no other timer).

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr const char* k_connect_311 = "10 0E 00 04 4D 51 54 54 04 02 00 3C 00 02 63 31";

std::string publish_qos1(std::uint16_t id) {
    codec::publish_packet p;
    p.topic = "t";
    p.qos = 1;
    p.packet_id = id;
    p.payload = "x";
    return wire(p, protocol_version::v3_1_1);
}

TEST_F(channel_test, refused_v311_connect_gets_code_3_and_no_session) {
    conn& c = open();
    c.ch->refuse(reason_code::connection_rate_exceeded);
    c.feed_hex(k_connect_311, at(0));
    EXPECT_EQ(c.take(), "20 02 00 03");
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.requests.empty());  // no session asked for
}

TEST_F(channel_test, refused_v5_connect_gets_0x9f) {
    conn& c = open();
    c.ch->refuse(reason_code::connection_rate_exceeded);
    c.feed(wire(connect_packet(protocol_version::v5, "c5"), protocol_version::v5), at(0));
    EXPECT_EQ(c.take(), with_reason(0x20, "00 9F", "listener connection limit reached"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.requests.empty());
}

TEST_F(channel_test, refusal_waits_for_its_connect_briefly) {
    cfg.idle_timeout = std::chrono::seconds(60);
    conn& c = open(at(0));
    c.ch->refuse(reason_code::connection_rate_exceeded);
    c.ch->on_tick(at(2.9));
    EXPECT_FALSE(c.io.closed);
    c.ch->on_tick(at(3));
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(c.take(), "");
}

TEST_F(channel_test, refusal_does_not_buffer_a_large_connect) {
    conn& c = open();
    c.ch->refuse(reason_code::connection_rate_exceeded);
    auto p = connect_packet(protocol_version::v3_1_1, "big");
    p.username = std::string(k_refusal_max_packet, 'u');
    c.feed(wire(p, protocol_version::v3_1_1).substr(0, 8), at(0));  // the header says enough
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(c.take(), "");
}

TEST_F(channel_test, spent_message_budget_stops_dispatch_until_resume) {
    conn& c = connected(protocol_version::v3_1_1, "rl");
    c.io.publish_budget = 2;
    // Three PUBLISHes and a PINGREQ in one read: the second spends the budget.
    c.feed(publish_qos1(1) + publish_qos1(2) + publish_qos1(3) + hex("C0 00"), at(1));
    EXPECT_EQ(c.take(), "40 02 00 01 40 02 00 02");
    EXPECT_TRUE(c.ch->read_paused());
    EXPECT_EQ(broker.published.size(), 2u);
    c.io.publish_budget = SIZE_MAX;
    c.ch->resume(at(2));
    EXPECT_EQ(c.take(), "40 02 00 03 D0 00");  // nothing lost, order kept
    EXPECT_FALSE(c.ch->read_paused());
    EXPECT_EQ(broker.published.size(), 3u);
    EXPECT_FALSE(c.io.closed);
}

TEST_F(channel_test, throttled_connection_keeps_its_keepalive) {
    conn& c = connected(protocol_version::v3_1_1, "ka");  // keep alive 60: timeout 90 s
    c.ch->throttle();
    EXPECT_TRUE(c.ch->read_paused());
    c.feed_hex("C0 00", at(1));  // held, not answered
    EXPECT_EQ(c.take(), "");
    c.ch->on_tick(at(200));  // we were not reading: not the client's silence
    EXPECT_FALSE(c.io.closed);
    c.ch->resume(at(200));
    EXPECT_EQ(c.take(), "D0 00");
    c.ch->on_tick(at(289));
    EXPECT_FALSE(c.io.closed);
    c.ch->on_tick(at(290));  // silent for real since the resume
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, throttled_connection_runs_its_other_timers) {
    // The broker throttles a connection it stops reading (rate limit, or a publisher under
    // overload): only the keep alive waits; the CONNECT idle timeout and retries go on.
    conn& silent = open(at(0));  // idle_timeout 15 s
    silent.ch->throttle();
    silent.ch->on_tick(at(15));
    EXPECT_TRUE(silent.io.closed);

    conn& sub = connected(protocol_version::v3_1_1, "sub");
    sub.feed_hex("82 08 00 01 00 03 61 2F 62 01", at(0));  // SUBSCRIBE a/b QoS 1
    sub.take();
    sub.ch->throttle();
    conn& pub = connected(protocol_version::v3_1_1, "pub");
    pub.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(0));
    EXPECT_EQ(sub.take(), "32 09 00 03 61 2F 62 00 01 68 69");
    sub.ch->on_tick(at(31));  // past retry_interval, unacknowledged
    EXPECT_EQ(sub.take(), "3A 09 00 03 61 2F 62 00 01 68 69");  // DUP
    EXPECT_FALSE(sub.io.closed);
}

}  // namespace
}  // namespace emqd::channel::test
