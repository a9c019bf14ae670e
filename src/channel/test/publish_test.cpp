// PUBLISH in both directions: inbound QoS 0/1/2 flows and their checks (QoS, retain, topic,
// topic aliases, Receive Maximum, Message Expiry), outbound encoding (QoS 1/2 flows,
// remaining expiry, subscription identifiers, client Maximum Packet Size, slow consumers,
// 3.x retries).

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

// --- inbound -----------------------------------------------------------------------------

TEST_F(channel_test, inbound_qos0_builds_the_message) {
    conn& c = connected(v311, "pub");
    c.feed_hex("30 07 00 03 61 2F 62 68 69", at(2));  // a/b "hi"
    EXPECT_EQ(c.take(), "");
    ASSERT_EQ(broker.published.size(), 1u);
    const core::message& m = *broker.published[0];
    EXPECT_EQ(m.topic, "a/b");
    EXPECT_EQ(m.payload, "hi");
    EXPECT_EQ(m.qos, 0);
    EXPECT_FALSE(m.retain);
    EXPECT_EQ(m.from_client_id, "pub");
    EXPECT_EQ(m.received_at, at(2));
    EXPECT_EQ(m.id, (core::guid{1, 1}));
}

TEST_F(channel_test, inbound_qos1_is_acknowledged) {
    conn& c = connected(v311, "pub");
    c.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(c.take(), "40 02 00 07");
    EXPECT_EQ(broker.published.size(), 1u);
}

TEST_F(channel_test, inbound_qos2_flow_publishes_once) {
    conn& c = connected(v311, "pub");
    c.feed_hex("34 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(c.take(), "50 02 00 07");
    c.feed_hex("3C 09 00 03 61 2F 62 00 07 68 69", at(2));  // DUP resend
    EXPECT_EQ(c.take(), "50 02 00 07");
    EXPECT_EQ(broker.published.size(), 1u);
    c.feed_hex("62 02 00 07", at(3));  // PUBREL
    EXPECT_EQ(c.take(), "70 02 00 07");
    c.feed_hex("62 02 00 07", at(4));  // unknown now: 3.1.1 completes anyway
    EXPECT_EQ(c.take(), "70 02 00 07");
    EXPECT_FALSE(c.io.closed);
}

TEST_F(channel_test, acknowledgements_wait_for_storage_and_keep_their_order) {
    conn& c = connected(v311, "pub");
    broker.write_on_publish = true;  // stored: PUBACK waits for ticket 1
    c.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(1));
    broker.write_on_publish = false;  // nothing stored, but behind the first [MQTT-4.6.0-2]
    c.feed_hex("32 09 00 03 61 2F 62 00 08 68 69", at(1));
    EXPECT_EQ(c.take(), "");
    EXPECT_EQ(broker.durable_requests, (std::vector<std::uint64_t>{1}));
    EXPECT_EQ(broker.published.size(), 2u);  // routed at once; only the answers wait
    c.ch->durable(0);
    EXPECT_EQ(c.take(), "");
    c.ch->durable(1);
    EXPECT_EQ(c.take(), "40 02 00 07 40 02 00 08");
    c.feed_hex("32 09 00 03 61 2F 62 00 09 68 69", at(2));  // nothing held: straight out
    EXPECT_EQ(c.take(), "40 02 00 09");
}

TEST_F(channel_test, v5_inbound_qos2_unknown_pubrel_gets_0x92) {
    conn& c = connected(v5, "pub");
    c.feed_hex("34 0A 00 03 61 2F 62 00 07 00 68 69", at(1));
    EXPECT_EQ(c.take(), "50 02 00 07");
    c.feed_hex("62 02 00 07", at(2));
    EXPECT_EQ(c.take(), "70 02 00 07");
    c.feed_hex("62 02 00 07", at(3));
    EXPECT_EQ(c.take(), with_reason(0x70, "00 07 92", "PUBREL for an unknown packet identifier"));
    EXPECT_FALSE(c.io.closed);
}

TEST_F(channel_test, v5_topic_alias_defines_and_uses) {
    conn& c = connected(v5, "pub");
    c.feed_hex("30 0B 00 03 61 2F 62 03 23 00 01 68 69", at(1));  // a/b, alias 1
    c.feed_hex("30 08 00 00 03 23 00 01 68 69", at(2));           // "", alias 1
    ASSERT_EQ(broker.published.size(), 2u);
    EXPECT_EQ(broker.published[0]->topic, "a/b");
    EXPECT_EQ(broker.published[1]->topic, "a/b");
    EXPECT_TRUE(broker.published[1]->props.empty());  // the alias is not forwarded
    EXPECT_EQ(c.take(), "");
}

TEST_F(channel_test, v5_unknown_topic_alias_is_a_protocol_error) {
    conn& c = connected(v5, "pub");
    c.feed_hex("30 08 00 00 03 23 00 02 68 69", at(1));
    EXPECT_EQ(c.take(), with_reason(0xE0, "82", "unknown topic alias"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.published.empty());
}

TEST_F(channel_test, v5_subscription_identifier_from_a_client_is_a_protocol_error) {
    conn& c = connected(v5, "pub");
    c.feed_hex("32 0C 00 03 61 2F 62 00 01 02 0B 05 68 69", at(1));  // [MQTT-3.3.4-6]
    EXPECT_EQ(c.take(), with_reason(0xE0, "82", "Subscription Identifier from a client"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.published.empty());
}

TEST_F(channel_test, v5_topic_alias_out_of_range) {
    cfg.max_topic_alias = 5;
    conn& zero = connected(v5, "z");
    zero.feed_hex("30 0B 00 03 61 2F 62 03 23 00 00 68 69", at(1));
    // Alias 0 is refused by the codec already: spec 3.3.2.3.4, Topic Alias invalid.
    EXPECT_EQ(zero.take(), with_reason(0xE0, "94", "Topic Alias is 0"));
    EXPECT_TRUE(zero.io.closed);

    conn& big = connected(v5, "b");
    big.feed_hex("30 0B 00 03 61 2F 62 03 23 00 06 68 69", at(1));
    EXPECT_EQ(big.take(), with_reason(0xE0, "94", "topic alias out of range"));
    EXPECT_TRUE(big.io.closed);
}

TEST_F(channel_test, qos_above_maximum) {
    cfg.max_qos_allowed = 1;
    conn& c5 = connected(v5, "c5");
    c5.feed_hex("34 0A 00 03 61 2F 62 00 07 00 68 69", at(1));
    EXPECT_EQ(c5.take(), with_reason(0xE0, "9B", "PUBLISH QoS above maximum"));
    EXPECT_TRUE(c5.io.closed);

    conn& c3 = connected(v311, "c3");
    c3.feed_hex("34 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(c3.take(), "");
    EXPECT_TRUE(c3.io.closed);
    EXPECT_TRUE(broker.published.empty());
}

TEST_F(channel_test, retain_not_available) {
    cfg.retain_available = false;
    conn& c = connected(v5, "c5");
    c.feed_hex("31 08 00 03 61 2F 62 00 68 69", at(1));
    EXPECT_EQ(c.take(), with_reason(0xE0, "9A", "retain not available"));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, topic_with_too_many_levels) {
    cfg.max_topic_levels = 2;
    conn& c = connected(v5, "c5");
    c.feed_hex("30 0A 00 05 61 2F 62 2F 63 00 68 69", at(1));  // a/b/c
    EXPECT_EQ(c.take(), with_reason(0xE0, "90", "too many topic levels"));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, v5_receive_maximum_exceeded) {
    broker.scfg.max_awaiting_rel = 2;
    conn& c = connected(v5, "c5");
    c.feed_hex("34 0A 00 03 61 2F 62 00 01 00 68 69", at(1));
    c.feed_hex("34 0A 00 03 61 2F 62 00 02 00 68 69", at(1));
    EXPECT_EQ(c.take(), "50 02 00 01 50 02 00 02");
    c.feed_hex("34 0A 00 03 61 2F 62 00 03 00 68 69", at(1));
    EXPECT_EQ(c.take(), with_reason(0xE0, "93", "too many QoS 2 messages awaiting PUBREL"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(broker.published.size(), 2u);
}

TEST_F(channel_test, v5_message_expiry_is_kept_with_arrival_time) {
    conn& c = connected(v5, "c5");
    c.feed_hex("30 0D 00 03 61 2F 62 05 02 00 00 00 0A 68 69", at(3));  // expiry 10 s
    ASSERT_EQ(broker.published.size(), 1u);
    EXPECT_EQ(broker.published[0]->props.message_expiry_interval, 10u);
    EXPECT_EQ(broker.published[0]->received_at, at(3));
}

// --- outbound ----------------------------------------------------------------------------

TEST_F(channel_test, outbound_qos1_flow) {
    conn& sub = connected(v311, "sub");
    sub.feed_hex("82 08 00 01 00 03 61 2F 23 01", at(0));  // a/# QoS 1
    EXPECT_EQ(sub.take(), "90 03 00 01 01");
    conn& pub = connected(v311, "pub");
    pub.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(pub.take(), "40 02 00 07");
    EXPECT_EQ(sub.take(), "32 09 00 03 61 2F 62 00 01 68 69");
    session::session* s = sub.ch->attached_session();
    EXPECT_EQ(s->inflight_size(), 1u);
    sub.feed_hex("40 02 00 01", at(2));
    EXPECT_EQ(s->inflight_size(), 0u);
    EXPECT_EQ(sub.take(), "");
}

TEST_F(channel_test, outbound_qos2_flow) {
    conn& sub = connected(v311, "sub");
    sub.feed_hex("82 08 00 01 00 03 61 2F 23 02", at(0));
    EXPECT_EQ(sub.take(), "90 03 00 01 02");
    conn& pub = connected(v311, "pub");
    pub.feed_hex("34 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(sub.take(), "34 09 00 03 61 2F 62 00 01 68 69");
    sub.feed_hex("50 02 00 01", at(2));  // PUBREC
    EXPECT_EQ(sub.take(), "62 02 00 01");
    sub.feed_hex("70 02 00 01", at(3));  // PUBCOMP
    EXPECT_EQ(sub.ch->attached_session()->inflight_size(), 0u);
    EXPECT_FALSE(sub.io.closed);
}

TEST_F(channel_test, qos0_fan_out_shares_one_frame_per_protocol_family) {
    conn& a = connected(v311, "a");
    conn& b = connected(protocol_version::v3_1, "b");
    conn& c5 = connected(v5, "c5");
    a.feed_hex("82 08 00 01 00 03 61 2F 62 00", at(0));
    b.feed_hex("82 08 00 01 00 03 61 2F 62 00", at(0));
    c5.feed_hex("82 09 00 01 00 00 03 61 2F 62 00", at(0));
    a.take(), b.take(), c5.take();
    conn& pub = connected(v311, "pub");
    pub.feed_hex("30 07 00 03 61 2F 62 68 69", at(1));
    EXPECT_EQ(a.take(), "30 07 00 03 61 2F 62 68 69");
    EXPECT_EQ(b.take(), "30 07 00 03 61 2F 62 68 69");
    EXPECT_EQ(c5.take(), "30 08 00 03 61 2F 62 00 68 69");
    // 3.1 and 3.1.1 share one encoding; 5.0 has its own.
    EXPECT_EQ(broker.frames.encodes(), 2u);
}

// The fixture's broker announces a message with one route as the shard does: it goes to a
// single subscriber, so it is encoded in place and the frame cache is left alone; with a
// second subscriber the frame is cached and shared again.
TEST_F(channel_test, qos0_to_a_single_subscriber_is_encoded_in_place) {
    conn& a = connected(v311, "a");
    a.feed_hex("82 08 00 01 00 03 61 2F 62 00", at(0));
    a.take();
    conn& pub = connected(v311, "pub");
    pub.feed_hex("30 07 00 03 61 2F 62 68 69", at(1));
    EXPECT_EQ(a.take(), "30 07 00 03 61 2F 62 68 69");
    EXPECT_EQ(broker.frames.encodes(), 0u);

    conn& b = connected(v311, "b");
    b.feed_hex("82 08 00 01 00 03 61 2F 62 00", at(1));
    b.take();
    pub.feed_hex("30 07 00 03 61 2F 62 68 6A", at(2));
    EXPECT_EQ(a.take(), "30 07 00 03 61 2F 62 68 6A");
    EXPECT_EQ(b.take(), "30 07 00 03 61 2F 62 68 6A");
    EXPECT_EQ(broker.frames.encodes(), 1u);
}

// What the shard announces holds for that message only: another message at the same address
// (told apart by its guid) or a message never announced goes through the cache.
TEST(frame_cache, single_only_for_the_message_announced) {
    frame_cache frames;
    core::message m;
    m.id = core::guid{1, 1};
    EXPECT_FALSE(frames.single(m));
    frames.expect(m, true);
    EXPECT_TRUE(frames.single(m));
    core::message other;
    EXPECT_FALSE(frames.single(other));
    m.id = core::guid{1, 2};  // a new message where the announced one was
    EXPECT_FALSE(frames.single(m));
    frames.expect(m, false);
    EXPECT_FALSE(frames.single(m));
}

TEST_F(channel_test, v5_refused_pubrec_frees_the_packet_id_without_pubrel) {
    conn& sub = connected(v5, "sub");
    sub.feed_hex("82 09 00 01 00 00 03 61 2F 62 02", at(0));
    sub.take();
    conn& pub = connected(v5, "pub");
    pub.feed_hex("34 0A 00 03 61 2F 62 00 07 00 68 69", at(1));
    EXPECT_EQ(sub.take(), "34 0A 00 03 61 2F 62 00 01 00 68 69");
    sub.feed_hex("50 03 00 01 87", at(2));  // PUBREC 0x87 Not authorized
    EXPECT_EQ(sub.take(), "");
    EXPECT_EQ(sub.ch->attached_session()->inflight_size(), 0u);
    EXPECT_FALSE(sub.io.closed);
}

TEST_F(channel_test, large_payloads_are_sent_by_reference) {
    conn& sub = connected(v311, "sub");
    sub.feed_hex("82 08 00 01 00 03 61 2F 62 01", at(0));
    sub.take();
    conn& pub = connected(v311, "pub");
    const std::string payload(2000, 'L');
    codec::publish_packet p;
    p.topic = "a/b";
    p.qos = 1;
    p.packet_id = 7;
    p.payload = payload;
    pub.feed(wire(p, v311), at(1));
    ASSERT_EQ(broker.published.size(), 1u);
    const core::message& m = *broker.published[0];
    ASSERT_EQ(sub.io.by_reference.size(), 1u);
    EXPECT_EQ(sub.io.by_reference[0]->data(), m.payload.data());  // the message's own bytes
    p.packet_id = 1;                                              // the subscriber's packet id
    EXPECT_EQ(sub.io.out, wire(p, v311));
}

TEST_F(channel_test, outbound_qos_is_the_subscription_maximum) {
    conn& sub = connected(v311, "sub");
    sub.feed_hex("82 08 00 01 00 03 61 2F 62 00", at(0));
    sub.take();
    conn& pub = connected(v311, "pub");
    pub.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(sub.take(), "30 07 00 03 61 2F 62 68 69");
}

TEST_F(channel_test, unknown_acks_are_ignored) {
    conn& c3 = connected(v311, "c3");
    c3.feed_hex("40 02 00 09", at(1));  // PUBACK
    c3.feed_hex("70 02 00 09", at(1));  // PUBCOMP
    EXPECT_EQ(c3.take(), "");
    c3.feed_hex("50 02 00 09", at(1));  // PUBREC: PUBREL anyway, so the client can finish
    EXPECT_EQ(c3.take(), "62 02 00 09");
    EXPECT_FALSE(c3.io.closed);

    conn& c5 = connected(v5, "c5");
    c5.feed_hex("50 02 00 09", at(1));
    EXPECT_EQ(c5.take(),
              with_reason(0x62, "00 09 92", "PUBREC for a packet id not awaiting PUBREC"));
    EXPECT_FALSE(c5.io.closed);
}

TEST_F(channel_test, v5_outbound_remaining_expiry_and_subscription_id) {
    conn& sub = connected(v5, "sub");
    codec::subscribe_packet sp;
    sp.packet_id = 1;
    sp.subscription_identifier = 5;
    sp.topics.emplace_back();
    sp.topics.back().filter = "a/b";
    sub.feed(wire(sp, v5), at(0));
    EXPECT_EQ(sub.take(), "90 04 00 01 00 00");

    auto msg = std::make_shared<core::message>();
    msg->topic = "a/b";
    msg->payload = "hi";
    msg->received_at = at(0);
    msg->props.message_expiry_interval = 10;
    sub.ch->on_tick(at(4));
    session::session* s = sub.ch->attached_session();
    const router::subscription_options opts = s->subscriptions().at("a/b");
    EXPECT_EQ(opts.subscription_id, 5u);
    s->deliver(msg, {&opts, 1}, at(4));
    // Subscription Identifier 5, Message Expiry Interval 6 (10 - 4 seconds on the way).
    EXPECT_EQ(sub.take(), "30 0F 00 03 61 2F 62 07 0B 05 02 00 00 00 06 68 69");
}

TEST_F(channel_test, v5_client_maximum_packet_size_is_respected) {
    auto p = connect_packet(v5, "sub");
    p.props.maximum_packet_size = 20;
    conn& sub = connected(p);
    sub.feed_hex("82 09 00 01 00 00 03 61 2F 62 01", at(0));  // a/b QoS 1
    EXPECT_EQ(sub.take(), "90 04 00 01 00 01");
    conn& pub = connected(v5, "pub");
    // 20-byte payload: the PUBLISH to sub would be 30 bytes.
    pub.feed(hex("32 1C 00 03 61 2F 62 00 07 00") + std::string(20, 'x'), at(1));
    EXPECT_EQ(pub.take(), "40 02 00 07");
    EXPECT_EQ(sub.take(), "");
    EXPECT_EQ(sub.ch->attached_session()->inflight_size(), 0u);  // dropped, not stuck
    pub.feed_hex("32 0A 00 03 61 2F 62 00 08 00 68 69", at(2));
    // Packet id 1 went with the dropped message.
    EXPECT_EQ(sub.take(), "32 0A 00 03 61 2F 62 00 02 00 68 69");
    // A payload large enough to be sent by reference is measured the same way.
    codec::publish_packet big;
    big.topic = "a/b";
    big.qos = 1;
    big.packet_id = 9;
    const std::string payload(4000, 'b');
    big.payload = payload;
    pub.feed(wire(big, v5), at(3));
    EXPECT_EQ(sub.take(), "");
    EXPECT_TRUE(sub.io.by_reference.empty());
}

TEST_F(channel_test, slow_consumer_loses_qos0_only) {
    conn& sub = connected(v311, "sub");
    sub.feed_hex("82 08 00 01 00 03 61 2F 62 01", at(0));
    sub.take();
    sub.io.stuck = 2 * 1024 * 1024;
    conn& pub = connected(v311, "pub");
    pub.feed_hex("30 07 00 03 61 2F 62 68 69", at(1));
    EXPECT_EQ(sub.take(), "");
    EXPECT_EQ(sub.ch->slow_consumer_drops(), 1u);
    pub.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(2));  // QoS 1 still goes out
    EXPECT_EQ(sub.take(), "32 09 00 03 61 2F 62 00 01 68 69");
}

TEST_F(channel_test, requests_wait_while_the_client_does_not_read_its_answers) {
    conn& c = connected(v311, "c");
    c.io.stuck = 4 * 1024 * 1024 + 1;  // over the bound: nothing more is handled
    c.feed_hex("C0 00 C0 00 32 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.ch->read_paused());
    c.io.stuck = 3 * 1024 * 1024;  // drained, but not to half: still held back
    c.ch->on_output_drained(at(2));
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.ch->read_paused());
    c.io.stuck = 2 * 1024 * 1024;
    c.ch->on_output_drained(at(2));
    EXPECT_EQ(c.take(), "D0 00 D0 00 40 02 00 07");  // in order, nothing lost
    EXPECT_FALSE(c.ch->read_paused());
    // One answer may cross the bound: the packets after it wait again.
    c.io.stuck = 4 * 1024 * 1024 - 1;
    c.feed_hex("C0 00 C0 00", at(3));
    EXPECT_EQ(c.take(), "D0 00");
    EXPECT_TRUE(c.ch->read_paused());
}

TEST_F(channel_test, v311_retries_unacknowledged_on_tick_v5_does_not) {
    conn& s3 = connected(v311, "s3");
    s3.feed_hex("82 08 00 01 00 03 61 2F 62 01", at(0));
    conn& s5 = connected(v5, "s5");
    s5.feed_hex("82 09 00 01 00 00 03 61 2F 62 01", at(0));
    s3.take();
    s5.take();
    conn& pub = connected(v311, "pub");
    pub.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(0));
    EXPECT_EQ(s3.take(), "32 09 00 03 61 2F 62 00 01 68 69");
    EXPECT_EQ(s5.take(), "32 0A 00 03 61 2F 62 00 01 00 68 69");
    s3.feed_hex("C0 00", at(20));  // keep both alive
    s5.feed_hex("C0 00", at(20));
    s3.take();
    s5.take();
    s3.ch->on_tick(at(31));
    s5.ch->on_tick(at(31));
    EXPECT_EQ(s3.take(), "3A 09 00 03 61 2F 62 00 01 68 69");  // DUP
    EXPECT_EQ(s5.take(), "");
}

// --- delayed publish ($delayed/<seconds>/<topic>) -----------------------------------------

codec::publish_packet publish_to(std::string_view topic, std::uint8_t qos, std::uint16_t id) {
    codec::publish_packet p;
    p.topic = topic;
    p.qos = qos;
    p.packet_id = id;
    p.payload = "x";
    return p;
}

TEST_F(channel_test, delayed_publish_is_held_with_its_target_topic) {
    conn& c = connected(v5, "pub");
    c.feed(wire(publish_to("$delayed/30/a/b", 1, 7), v5), at(1));
    EXPECT_EQ(c.take(), "40 02 00 07");
    EXPECT_TRUE(broker.published.empty());
    ASSERT_EQ(broker.delayed.size(), 1u);
    EXPECT_EQ(broker.delayed[0].first->topic, "a/b");
    EXPECT_EQ(broker.delayed[0].second, 30u);
    EXPECT_EQ(broker.delayed[0].first->from_client_id, "pub");
}

TEST_F(channel_test, malformed_delayed_topic_is_refused_with_0x90) {
    conn& c = connected(v5, "pub");
    c.feed(wire(publish_to("$delayed/soon/a", 1, 7), v5), at(1));
    EXPECT_EQ(c.take(), with_reason(0x40, "00 07 90", "$delayed delay is not a number"));
    c.feed(wire(publish_to("$delayed/5/", 2, 8), v5), at(1));
    EXPECT_EQ(c.take(), with_reason(0x50, "00 08 90", "empty topic name"));
    c.feed(wire(publish_to("$delayed/5", 0, 0), v5), at(1));
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(broker.published.empty());
    EXPECT_TRUE(broker.delayed.empty());
    EXPECT_FALSE(c.io.closed);
    // A refused QoS 2 flow is over: the packet id is free, a new message under it is accepted.
    c.feed(wire(publish_to("$delayed/5/a", 2, 8), v5), at(2));
    EXPECT_EQ(c.take(), "50 02 00 08");
    EXPECT_EQ(broker.delayed.size(), 1u);
}

TEST_F(channel_test, full_delayed_store_refuses_with_quota_exceeded) {
    broker.max_delayed = 1;
    conn& c = connected(v5, "pub");
    c.feed(wire(publish_to("$delayed/5/a", 1, 1), v5), at(1));
    EXPECT_EQ(c.take(), "40 02 00 01");
    c.feed(wire(publish_to("$delayed/5/a", 2, 2), v5), at(1));
    EXPECT_EQ(c.take(), with_reason(0x50, "00 02 97", "delayed message store is full"));
    EXPECT_EQ(c.ch->attached_session()->awaiting_rel_size(), 0u);
    conn& c3 = connected(v311, "pub3");
    c3.feed(wire(publish_to("$delayed/5/a", 1, 3), v311), at(1));
    EXPECT_EQ(c3.take(), "40 02 00 03");  // 3.1.1 has no code to say it
    EXPECT_EQ(broker.delayed.size(), 1u);
}

}  // namespace
}  // namespace emqd::channel::test
