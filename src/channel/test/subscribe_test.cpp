// SUBSCRIBE / UNSUBSCRIBE: per-filter reason codes, granted QoS, subscription options and
// identifiers, and retained messages per Retain Handling.

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

codec::subscription_request filter(std::string f, std::uint8_t qos) {
    codec::subscription_request r;
    r.filter = std::move(f);
    r.qos = qos;
    return r;
}

TEST_F(channel_test, v311_subscribe_is_acknowledged) {
    conn& c = connected(v311, "s");
    c.feed_hex("82 08 00 01 00 03 61 2F 62 01", at(1));  // a/b QoS 1
    EXPECT_EQ(c.take(), "90 03 00 01 01");
    const auto& subs = c.ch->attached_session()->subscriptions();
    ASSERT_EQ(subs.count("a/b"), 1u);
    EXPECT_EQ(subs.at("a/b").qos, 1);
}

TEST_F(channel_test, v5_subscribe_reason_code_per_filter) {
    cfg.max_qos_allowed = 1;
    conn& c = connected(v5, "s");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics = {filter("a/b", 2), filter("a/#/b", 0), filter("$share/g/x", 2),
                filter("$queue/x", 0)};
    c.feed(wire(p, v5), at(1));
    // a/b granted QoS 1 (zone maximum), invalid filter 0x8F, shared subscriptions granted.
    EXPECT_EQ(c.take(),
              with_reason(0x90, "00 01", "'#' must be the last whole level", "01 8F 01 00"));
    EXPECT_EQ(c.ch->attached_session()->subscriptions().size(), 3u);
    EXPECT_FALSE(c.io.closed);
}

TEST_F(channel_test, max_subscriptions_refuses_new_filters_not_replacements) {
    cfg.max_subscriptions = 2;
    conn& c = connected(v5, "s");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics = {filter("a", 0), filter("b", 0), filter("c", 0)};
    c.feed(wire(p, v5), at(1));
    EXPECT_EQ(c.take(), with_reason(0x90, "00 01", "too many subscriptions", "00 00 97"));
    p.packet_id = 2;
    p.topics = {filter("a", 1), filter("d", 1)};  // a replaces, d would be a third
    c.feed(wire(p, v5), at(2));
    EXPECT_EQ(c.take(), with_reason(0x90, "00 02", "too many subscriptions", "01 97"));
    EXPECT_EQ(c.ch->attached_session()->subscriptions().size(), 2u);
    EXPECT_EQ(c.ch->attached_session()->subscriptions().at("a").qos, 1);

    conn& c3 = connected(v311, "s3");
    c3.feed_hex("82 0E 00 01 00 01 61 00 00 01 62 00 00 01 63 00", at(3));  // a, b, c
    EXPECT_EQ(c3.take(), "90 05 00 01 00 00 80");
}

TEST_F(channel_test, unsubscribe_of_an_invalid_filter_is_0x8f) {
    conn& c = connected(v5, "s");
    c.feed_hex("82 07 00 01 00 00 01 61 00", at(1));  // a
    c.take();
    codec::unsubscribe_packet u;
    u.packet_id = 2;
    u.filters = {"a/#/b", "a", "x"};
    c.feed(wire(u, v5), at(2));
    EXPECT_EQ(c.take(), with_reason(0xB0, "00 02", "'#' must be the last whole level", "8F 00 11"));
    EXPECT_TRUE(c.ch->attached_session()->subscriptions().empty());
    EXPECT_FALSE(c.io.closed);
}

TEST_F(channel_test, shared_subscription_checks) {
    cfg.max_topic_levels = 2;
    conn& c = connected(v5, "s");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics = {filter("$share//x", 0),      filter("$share/g+/x", 0), filter("$share/g", 0),
                filter("$share/g/a/b/c", 0), filter("$queue/", 0),     filter("$share/g/a/b", 1),
                filter("$queue/q", 1)};
    c.feed(wire(p, v5), at(1));
    // Empty or wildcard group, no filter, filter too deep, empty filter: 0x8F.
    EXPECT_EQ(c.take(), with_reason(0x90, "00 01", "empty share name", "8F 8F 8F 8F 8F 01 01"));
    // $queue/q is the group $queue of $share: one subscription however it is written.
    const auto& subs = c.ch->attached_session()->subscriptions();
    EXPECT_EQ(subs.size(), 2u);
    EXPECT_EQ(subs.count("$share/$queue/q"), 1u);

    codec::unsubscribe_packet u;
    u.packet_id = 2;
    u.filters = {"$queue/q", "$share/$queue/q", "$share/g/a/b"};
    c.feed(wire(u, v5), at(2));
    EXPECT_EQ(c.take(), "B0 06 00 02 00 00 11 00");
    EXPECT_TRUE(c.ch->attached_session()->subscriptions().empty());
}

TEST_F(channel_test, shared_subscriptions_disabled) {
    cfg.shared_subscription = false;
    for (auto v : {v5, v311}) {
        conn& c = connected(v, v == v5 ? "s5" : "s3");
        codec::subscribe_packet p;
        p.packet_id = 1;
        p.topics = {filter("$share/g/x", 0), filter("$queue/x", 0), filter("x", 0)};
        c.feed(wire(p, v), at(1));
        EXPECT_EQ(c.take(), v == v5 ? with_reason(0x90, "00 01",
                                                  "shared subscriptions not available", "9E 9E 00")
                                    : "90 05 00 01 80 80 00");
        EXPECT_EQ(c.ch->attached_session()->subscriptions().size(), 1u);
    }
}

TEST_F(channel_test, v5_no_local_on_shared_subscription_is_a_protocol_error) {
    conn& c = connected(v5, "s");
    codec::subscribe_packet p;
    p.packet_id = 1;
    auto r = filter("$share/g/x", 1);
    r.no_local = true;
    p.topics = {filter("a", 0), r};
    c.feed(wire(p, v5), at(1));
    // DISCONNECT 0x82, nothing subscribed.
    EXPECT_EQ(c.take(), with_reason(0xE0, "82", "No Local on a shared subscription"));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, v5_wildcard_subscription_disabled) {
    cfg.wildcard_subscription = false;
    conn& c = connected(v5, "s");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics = {filter("a/+", 0), filter("a/b", 0)};
    c.feed(wire(p, v5), at(1));
    EXPECT_EQ(c.take(),
              with_reason(0x90, "00 01", "wildcard subscriptions not available", "A2 00"));
}

TEST_F(channel_test, v311_subscribe_failure_is_0x80) {
    cfg.max_topic_levels = 2;
    conn& c = connected(v311, "s");
    c.feed_hex("82 0A 00 01 00 05 61 2F 62 2F 63 00", at(1));  // a/b/c: too deep
    EXPECT_EQ(c.take(), "90 03 00 01 80");
}

TEST_F(channel_test, v5_subscription_options_and_identifier_are_stored) {
    conn& c = connected(v5, "s");
    codec::subscribe_packet p;
    p.packet_id = 3;
    p.subscription_identifier = 7;
    auto r = filter("a/b", 1);
    r.no_local = true;
    r.retain_as_published = true;
    r.retain_handling = 2;
    p.topics = {r};
    c.feed(wire(p, v5), at(1));
    EXPECT_EQ(c.take(), "90 04 00 03 00 01");
    const router::subscription_options o = c.ch->attached_session()->subscriptions().at("a/b");
    EXPECT_EQ(o.qos, 1);
    EXPECT_TRUE(o.no_local);
    EXPECT_TRUE(o.retain_as_published);
    EXPECT_EQ(o.retain_handling, 2);
    EXPECT_EQ(o.subscription_id, 7u);
}

TEST_F(channel_test, unsubscribe_reason_codes) {
    conn& c5 = connected(v5, "s5");
    c5.feed_hex("82 09 00 01 00 00 03 61 2F 62 00", at(1));
    c5.take();
    c5.feed_hex("A2 0B 00 02 00 00 03 61 2F 62 00 01 78", at(2));  // a/b, x
    EXPECT_EQ(c5.take(), "B0 05 00 02 00 00 11");
    EXPECT_TRUE(c5.ch->attached_session()->subscriptions().empty());

    conn& c3 = connected(v311, "s3");
    c3.feed_hex("A2 07 00 02 00 03 61 2F 62", at(2));
    EXPECT_EQ(c3.take(), "B0 02 00 02");
}

class retained_test : public channel_test {
protected:
    void SetUp() override {
        auto m = std::make_shared<core::message>();
        m->topic = "r/1";
        m->payload = "x";
        m->retain = true;
        m->received_at = at(0);
        broker.retained_store.put(m);
    }
    static std::string subscribe_r(std::uint16_t id, std::uint8_t retain_handling) {
        codec::subscribe_packet p;
        p.packet_id = id;
        auto r = filter("r/#", 0);
        r.retain_handling = retain_handling;
        p.topics = {r};
        return wire(p, v5);
    }
};

TEST_F(channel_test, every_retained_message_is_sent_even_past_the_slow_consumer_bound) {
    // 1,500 x 1,000 bytes: more than the QoS 0 backlog bound, all owed to the subscriber.
    for (int i = 0; i < 1500; ++i) {
        auto m = std::make_shared<core::message>();
        m->topic = "big/" + std::to_string(i);
        m->payload.assign(1000, 'r');
        m->retain = true;
        m->received_at = at(0);
        broker.retained_store.put(m);
    }
    conn& c = connected(v311, "s");
    c.feed_hex("82 0A 00 01 00 05 62 69 67 2F 23 00", at(1));  // big/#
    // SUBACK, then every message: 1 + 2 bytes of fixed header, topic length, topic, payload.
    std::size_t expected = 5;
    for (int i = 0; i < 1500; ++i)
        expected += 3 + 2 + ("big/" + std::to_string(i)).size() + 1000;
    EXPECT_EQ(c.io.out.size(), expected);
    EXPECT_EQ(c.ch->slow_consumer_drops(), 0u);
}

TEST_F(retained_test, v311_retained_message_follows_the_suback) {
    conn& c = connected(v311, "s");
    c.feed_hex("82 08 00 01 00 03 72 2F 23 00", at(1));  // r/#
    EXPECT_EQ(c.take(), "90 03 00 01 00 31 06 00 03 72 2F 31 78");
}

TEST_F(retained_test, retain_handling_0_sends_every_time) {
    conn& c = connected(v5, "s");
    c.feed(subscribe_r(1, 0), at(1));
    EXPECT_EQ(c.take(), "90 04 00 01 00 00 31 07 00 03 72 2F 31 00 78");
    c.feed(subscribe_r(2, 0), at(2));
    EXPECT_EQ(c.take(), "90 04 00 02 00 00 31 07 00 03 72 2F 31 00 78");
}

TEST_F(retained_test, retain_handling_1_sends_only_for_a_new_subscription) {
    conn& c = connected(v5, "s");
    c.feed(subscribe_r(1, 1), at(1));
    EXPECT_EQ(c.take(), "90 04 00 01 00 00 31 07 00 03 72 2F 31 00 78");
    c.feed(subscribe_r(2, 1), at(2));
    EXPECT_EQ(c.take(), "90 04 00 02 00 00");
}

TEST_F(retained_test, retain_handling_2_never_sends) {
    conn& c = connected(v5, "s");
    c.feed(subscribe_r(1, 2), at(1));
    EXPECT_EQ(c.take(), "90 04 00 01 00 00");
}

TEST_F(retained_test, published_retained_message_is_stored_by_the_broker) {
    conn& pub = connected(v311, "p");
    pub.feed_hex("31 07 00 03 72 2F 32 79 79", at(1));  // r/2 "yy", retained
    conn& c = connected(v311, "s");
    c.feed_hex("82 08 00 01 00 03 72 2F 32 00", at(2));  // r/2
    EXPECT_EQ(c.take(), "90 03 00 01 00 31 07 00 03 72 2F 32 79 79");
}

// --- $fastlane ---------------------------------------------------------------------------

TEST_F(channel_test, fastlane_is_granted_qos0_and_bypasses_the_session) {
    conn& c = connected(v5, "fast");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics = {filter("$fastlane/f/+", 2), filter("$fastlane/", 0), filter("$fastlane/a/#/b", 0)};
    c.feed(wire(p, v5), at(1));
    EXPECT_EQ(c.take(), with_reason(0x90, "00 01", "empty topic filter", "00 8F 8F"));
    const auto& subs = c.ch->attached_session()->subscriptions();
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_TRUE(subs.at("$fastlane/f/+").fastlane);

    // The shard hands fastlane matches to the channel directly: QoS 0, no session state.
    router::subscription_options o = subs.at("$fastlane/f/+");
    auto msg = std::make_shared<core::message>();
    msg->topic = "f/x";
    msg->payload = "v";
    msg->qos = 2;
    c.ch->deliver_fastlane(msg, std::span(&o, 1));
    EXPECT_EQ(c.take(), "30 07 00 03 66 2F 78 00 76");
    EXPECT_EQ(c.ch->attached_session()->inflight_size(), 0u);
    EXPECT_EQ(c.ch->attached_session()->queue_size(), 0u);

    o.no_local = true;  // and No Local still holds
    msg->from_client_id = "fast";
    c.ch->deliver_fastlane(msg, std::span(&o, 1));
    EXPECT_EQ(c.take(), "");
}

TEST_F(channel_test, fastlane_needs_a_clean_session) {
    codec::connect_packet cp = connect_packet(v5, "persistent");
    cp.props.session_expiry_interval = 60;
    conn& c5 = connected(cp);
    codec::subscribe_packet p;
    p.packet_id = 2;
    p.topics = {filter("$fastlane/f", 0), filter("f", 0)};
    c5.feed(wire(p, v5), at(1));
    EXPECT_EQ(c5.take(),
              with_reason(0x90, "00 02", "$fastlane needs a session that ends with the connection",
                          "83 00"));

    conn& c3 = connected(connect_packet(v311, "persistent3", /*clean=*/false));
    p.topics = {filter("$fastlane/f", 0)};
    c3.feed(wire(p, v311), at(1));
    EXPECT_EQ(c3.take(), "90 03 00 02 80");
}

TEST_F(channel_test, retained_messages_are_paced_by_what_the_client_reads) {
    // 40 retained messages of 256 KB (10 MB), asked for three times in one SUBSCRIBE by a
    // client that doesn't read: at most the 4 MB bound (plus one message) is ever queued,
    // and every owed message still goes out, in order, as the output drains.
    const std::string payload(256 * 1024, 'r');
    for (int i = 0; i < 40; ++i) {
        auto m = std::make_shared<core::message>();
        m->topic = "big/" + std::to_string(100 + i);
        m->payload = payload;
        m->retain = true;
        m->received_at = at(0);
        broker.retained_store.put(m);
    }
    conn& c = connected(v311, "slow");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics = {filter("big/+", 0), filter("big/+", 0), filter("big/+", 0)};
    c.feed(wire(p, v311), at(1));
    EXPECT_TRUE(c.ch->read_paused());
    c.feed_hex("C0 00", at(1));  // PINGREQ: held back behind the owed messages

    // The client reads everything written so far: count PUBLISHes, note the last packet.
    std::size_t delivered = 0;
    std::size_t peak = 0;
    std::uint8_t last = 0;
    auto read_all = [&] {
        peak = std::max(peak, c.io.out.size());
        const std::string& out = c.io.out;
        for (std::size_t pos = 0; pos < out.size();) {
            last = static_cast<std::uint8_t>(out[pos]);
            std::size_t len = 0, shift = 0, i = pos + 1;
            for (;; ++i, shift += 7) {
                len |= static_cast<std::size_t>(out[i] & 0x7F) << shift;
                if ((out[i] & 0x80) == 0)
                    break;
            }
            delivered += (last & 0xF0) == 0x30;
            pos = i + 1 + len;
        }
        c.io.out.clear();
    };
    for (int round = 0; round < 100 && c.ch->read_paused(); ++round) {
        read_all();
        c.ch->on_output_drained(at(2));
    }
    read_all();
    EXPECT_LE(peak, 4 * 1024 * 1024 + payload.size() + 64);
    EXPECT_EQ(delivered, 3u * 40u);
    EXPECT_FALSE(c.ch->read_paused());
    EXPECT_EQ(last, 0xD0);  // the PINGREQ's answer, after all of them
    EXPECT_EQ(c.ch->slow_consumer_drops(), 0u);
}

}  // namespace
}  // namespace emqd::channel::test
