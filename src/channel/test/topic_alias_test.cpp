// Outbound topic aliases: the table on its own (choose/commit, least-recently-used reuse) and
// through the channel (exact bytes, the client's and the zone's limits, QoS 0 frame sharing,
// payloads by reference, resends after a reconnect, the client's Maximum Packet Size).

#include "channel/outbound_topic_aliases.h"
#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr protocol_version v5 = protocol_version::v5;

// --- the table ----------------------------------------------------------------------------

TEST(outbound_topic_aliases, none_when_the_client_takes_none) {
    outbound_topic_aliases t(0);
    const auto c = t.choose("a/b");
    EXPECT_EQ(c.alias, 0);
    t.commit(c, "a/b");
    EXPECT_EQ(t.size(), 0u);
}

TEST(outbound_topic_aliases, choose_changes_nothing_until_commit) {
    outbound_topic_aliases t(3);
    const auto first = t.choose("a");
    EXPECT_EQ(first.alias, 1);
    EXPECT_FALSE(first.known);
    EXPECT_EQ(t.choose("a").alias, 1);  // not committed: still new
    EXPECT_FALSE(t.choose("a").known);
    t.commit(first, "a");
    EXPECT_TRUE(t.choose("a").known);
    EXPECT_EQ(t.choose("b").alias, 2);
}

TEST(outbound_topic_aliases, least_recently_used_alias_is_recycled) {
    outbound_topic_aliases t(2);
    auto use = [&](std::string_view topic) {
        const auto c = t.choose(topic);
        t.commit(c, topic);
        return c;
    };
    EXPECT_EQ(use("a").alias, 1);
    EXPECT_EQ(use("b").alias, 2);
    EXPECT_TRUE(use("a").known);  // a is now more recent than b
    const auto d = use("d");      // full: takes b's alias
    EXPECT_EQ(d.alias, 2);
    EXPECT_FALSE(d.known);
    EXPECT_EQ(t.size(), 2u);
    EXPECT_FALSE(t.choose("b").known);  // forgotten
    const auto b = use("b");            // a is the least recent now
    EXPECT_EQ(b.alias, 1);
    EXPECT_FALSE(b.known);
    const auto again = use("d");
    EXPECT_EQ(again.alias, 2);
    EXPECT_TRUE(again.known);
}

TEST(outbound_topic_aliases, a_single_alias_follows_the_latest_topic) {
    outbound_topic_aliases t(1);
    for (std::string_view topic : {"x", "y", "x"}) {
        const auto c = t.choose(topic);
        EXPECT_EQ(c.alias, 1);
        EXPECT_FALSE(c.known);
        t.commit(c, topic);
    }
    EXPECT_TRUE(t.choose("x").known);
    EXPECT_EQ(t.size(), 1u);
}

// --- through the channel ------------------------------------------------------------------

class topic_alias_test : public channel_test {
protected:
    /// A v5 subscriber to a/# at `qos` that takes `maximum` topic aliases.
    conn& subscriber(std::uint16_t maximum, std::uint8_t qos = 0, const char* id = "sub") {
        auto p = connect_packet(v5, id);
        if (maximum != 0)
            p.props.topic_alias_maximum = maximum;
        conn& c = connected(p);
        c.feed_hex(std::string("82 09 00 01 00 00 03 61 2F 23 0") + char('0' + qos), at(0));
        c.take();
        return c;
    }
    conn& publisher() { return connected(v5, "pub"); }
    /// v5 QoS 0 PUBLISH of "hi" to the one-letter topic a/<t>.
    static std::string qos0(char t) {
        return "30 08 00 03 61 2F " + to_hex(std::string(1, t)) + " 00 68 69";
    }
};

TEST_F(topic_alias_test, first_publish_carries_topic_and_alias_later_ones_only_the_alias) {
    conn& sub = subscriber(5);
    conn& pub = publisher();
    pub.feed_hex(qos0('b'), at(1));
    pub.feed_hex(qos0('b'), at(1));
    pub.feed_hex(qos0('c'), at(1));
    pub.feed_hex(qos0('b'), at(1));
    EXPECT_EQ(sub.take(),
              "30 0B 00 03 61 2F 62 03 23 00 01 68 69 "  // a/b, alias 1
              "30 08 00 00 03 23 00 01 68 69 "           // "", alias 1
              "30 0B 00 03 61 2F 63 03 23 00 02 68 69 "  // a/c, alias 2
              "30 08 00 00 03 23 00 01 68 69");          // "", alias 1
}

TEST_F(topic_alias_test, full_table_redefines_the_least_recently_used_alias) {
    conn& sub = subscriber(2);
    conn& pub = publisher();
    for (char t : {'b', 'c', 'b', 'd', 'c', 'd'})
        pub.feed_hex(qos0(t), at(1));
    EXPECT_EQ(sub.take(),
              "30 0B 00 03 61 2F 62 03 23 00 01 68 69 "  // a/b -> 1
              "30 0B 00 03 61 2F 63 03 23 00 02 68 69 "  // a/c -> 2
              "30 08 00 00 03 23 00 01 68 69 "           // a/b
              "30 0B 00 03 61 2F 64 03 23 00 02 68 69 "  // a/d takes 2 (a/c least recent)
              "30 0B 00 03 61 2F 63 03 23 00 01 68 69 "  // a/c takes 1 (a/b least recent)
              "30 08 00 00 03 23 00 02 68 69");          // a/d
}

TEST_F(topic_alias_test, the_zone_maximum_caps_the_client_maximum) {
    cfg.max_topic_alias = 1;
    conn& sub = subscriber(10);
    conn& pub = publisher();
    pub.feed_hex(qos0('b'), at(1));
    pub.feed_hex(qos0('c'), at(1));
    EXPECT_EQ(sub.take(),
              "30 0B 00 03 61 2F 62 03 23 00 01 68 69 "
              "30 0B 00 03 61 2F 63 03 23 00 01 68 69");
}

TEST_F(topic_alias_test, no_aliases_without_a_client_maximum_nor_with_aliases_off) {
    conn& plain = subscriber(0, 0, "plain");
    cfg.max_topic_alias = 0;  // read when the client connects
    conn& off = subscriber(10, 0, "off");
    conn& pub = publisher();
    pub.feed_hex(qos0('b'), at(1));
    pub.feed_hex(qos0('b'), at(1));
    const std::string twice = "30 08 00 03 61 2F 62 00 68 69 30 08 00 03 61 2F 62 00 68 69";
    EXPECT_EQ(plain.take(), twice);
    EXPECT_EQ(off.take(), twice);
    // Without aliases the QoS 0 frames are the shard's shared ones: one per message.
    EXPECT_EQ(broker.frames.encodes(), 2u);
}

TEST_F(topic_alias_test, an_alias_client_gets_its_own_header_and_the_payload_by_reference) {
    conn& sub = subscriber(5);
    conn& pub = publisher();
    pub.feed_hex(qos0('b'), at(1));
    EXPECT_TRUE(sub.io.by_reference.empty());  // small: encoded into its own output
    sub.take();
    codec::publish_packet p;
    p.topic = "a/b";
    const std::string payload(2000, 'L');
    p.payload = payload;
    pub.feed(wire(p, v5), at(2));
    ASSERT_EQ(broker.published.size(), 2u);
    ASSERT_EQ(sub.io.by_reference.size(), 1u);
    EXPECT_EQ(sub.io.by_reference[0]->data(), broker.published[1]->payload.data());
    // Its own header (alias 1 is known by now: empty topic), then the payload, which
    // fake_io copies into `out` when it is appended by reference.
    codec::publish_packet expected;
    expected.topic_alias = 1;
    expected.payload = payload;
    EXPECT_EQ(sub.io.out, wire(expected, v5));
}

TEST_F(topic_alias_test, qos1_and_qos2_use_aliases_too) {
    conn& sub = subscriber(5, 2);
    conn& pub = publisher();
    pub.feed_hex("32 0A 00 03 61 2F 62 00 07 00 68 69", at(1));  // QoS 1
    pub.feed_hex("34 0A 00 03 61 2F 62 00 08 00 68 69", at(1));  // QoS 2
    EXPECT_EQ(sub.take(),
              "32 0D 00 03 61 2F 62 00 01 03 23 00 01 68 69 "
              "34 0A 00 00 00 02 03 23 00 01 68 69");
}

TEST_F(topic_alias_test, a_reconnect_starts_a_new_table_and_resends_carry_their_topic) {
    auto p = connect_packet(v5, "sub", /*clean=*/false);
    p.props.topic_alias_maximum = 5;
    p.props.session_expiry_interval = 100;
    conn& first = connected(p);
    first.feed_hex("82 09 00 01 00 00 03 61 2F 23 01", at(0));
    first.take();
    conn& pub = publisher();
    pub.feed_hex("32 0A 00 03 61 2F 62 00 07 00 68 69", at(1));
    pub.feed_hex("32 0A 00 03 61 2F 62 00 08 00 68 69", at(1));
    EXPECT_EQ(first.take(),
              "32 0D 00 03 61 2F 62 00 01 03 23 00 01 68 69 "
              "32 0A 00 00 00 02 03 23 00 01 68 69");
    first.ch->on_socket_closed(at(2));  // unacknowledged: both stay inflight

    conn& second = open(at(3));
    second.feed(wire(p, v5), at(3));
    // CONNACK (session present), then both resent with DUP: the first defines alias 1 again
    // on the new connection, the second uses it.
    const std::string out = second.take();
    EXPECT_EQ(out.substr(out.find("3A")),
              "3A 0D 00 03 61 2F 62 00 01 03 23 00 01 68 69 "
              "3A 0A 00 00 00 02 03 23 00 01 68 69");
}

TEST_F(topic_alias_test, a_resend_is_encoded_against_the_mapping_of_its_moment) {
    auto p = connect_packet(v5, "sub", /*clean=*/false);
    p.props.topic_alias_maximum = 1;
    p.props.session_expiry_interval = 100;
    conn& first = connected(p);
    first.feed_hex("82 09 00 01 00 00 03 61 2F 23 01", at(0));
    first.take();
    conn& pub = publisher();
    pub.feed_hex("32 0A 00 03 61 2F 62 00 07 00 68 69", at(1));  // a/b QoS 1
    pub.feed_hex("32 0A 00 03 61 2F 63 00 08 00 68 69", at(1));  // a/c QoS 1
    first.take();
    first.ch->on_socket_closed(at(2));

    // Back with Receive Maximum 1: a/b is resent now, a/c only after a/b's PUBACK.
    p.props.receive_maximum = 1;
    conn& second = open(at(3));
    second.feed(wire(p, v5), at(3));
    const std::string out = second.take();
    EXPECT_EQ(out.substr(out.find("3A")), "3A 0D 00 03 61 2F 62 00 01 03 23 00 01 68 69");
    pub.feed_hex(qos0('c'), at(4));  // alias 1 now means a/c
    EXPECT_EQ(second.take(), "30 0B 00 03 61 2F 63 03 23 00 01 68 69");
    second.feed_hex("40 02 00 01", at(5));
    // a/c's resend goes out now, as the mapping is now: alias only.
    EXPECT_EQ(second.take(), "3A 0A 00 00 00 02 03 23 00 01 68 69");
    pub.feed_hex(qos0('b'), at(6));
    EXPECT_EQ(second.take(), "30 0B 00 03 61 2F 62 03 23 00 01 68 69");
}

TEST_F(topic_alias_test, an_alias_that_does_not_fit_the_client_maximum_is_left_out) {
    auto p = connect_packet(v5, "sub");
    p.props.topic_alias_maximum = 5;
    p.props.maximum_packet_size = 10;  // a/b "hi" is 10 bytes without an alias, 13 with
    conn& sub = connected(p);
    sub.feed_hex("82 09 00 01 00 00 03 61 2F 23 00", at(0));
    sub.take();
    conn& pub = publisher();
    pub.feed_hex(qos0('b'), at(1));
    pub.feed_hex(qos0('b'), at(1));
    // Never committed, so never used as known.
    EXPECT_EQ(sub.take(), "30 08 00 03 61 2F 62 00 68 69 30 08 00 03 61 2F 62 00 68 69");
}

}  // namespace
}  // namespace emqd::channel::test
