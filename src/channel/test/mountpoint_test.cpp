// Mountpoints: placeholders and mounting on their own, then through the channel (publish,
// will, subscribe, unsubscribe, delivery, isolation, refused placeholders, QoS 0 frames).

#include "channel/mountpoint.h"

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

// --- on its own ---------------------------------------------------------------------------

TEST(mountpoint, placeholders_replace_whole_levels_only) {
    const std::optional<std::string> user = "u1";
    EXPECT_EQ(feed_vars("devices/%c/", "c1", user), "devices/c1/");
    EXPECT_EQ(feed_vars("%u/%c/", "c1", user), "u1/c1/");
    EXPECT_EQ(feed_vars("%c", "c1", user), "c1");
    EXPECT_EQ(feed_vars("x%c/%cy/", "c1", user), "x%c/%cy/");            // inside a level: kept
    EXPECT_EQ(feed_vars("users/%u/", "c1", std::nullopt), "users/%u/");  // EMQ X 4 keeps it
    EXPECT_EQ(feed_vars("plain/", "c1", user), "plain/");
    EXPECT_TRUE(uses_client_id("a/%c/"));
    EXPECT_FALSE(uses_client_id("a%c/"));
    EXPECT_TRUE(uses_username("%u/"));
    EXPECT_FALSE(uses_username("a/%c/"));
}

TEST(mountpoint, placeholder_values_must_be_one_plain_level) {
    EXPECT_TRUE(placeholder_value_ok("client-1"));
    EXPECT_FALSE(placeholder_value_ok(""));
    EXPECT_FALSE(placeholder_value_ok("a/b"));
    EXPECT_FALSE(placeholder_value_ok("a+"));
    EXPECT_FALSE(placeholder_value_ok("#"));
}

TEST(mountpoint, mounts_topics_and_filters_shared_ones_after_the_group) {
    const mountpoint m("m/");
    EXPECT_EQ(m.mount_topic("t"), "m/t");
    EXPECT_EQ(m.mount_filter("a/+"), "m/a/+");
    EXPECT_EQ(m.mount_filter("#"), "m/#");
    EXPECT_EQ(m.mount_filter("$share/g/a/#"), "$share/g/m/a/#");
    // "$queue/a" reaches the mountpoint as "$share/$queue/a" (subscribe_handler.cpp).
    EXPECT_EQ(m.mount_filter("$share/$queue/a"), "$share/$queue/m/a");
    EXPECT_EQ(m.mount_filter("$fastlane/a/+"), "$fastlane/m/a/+");
    const mountpoint none;
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.mount_topic("t"), "t");
    EXPECT_EQ(none.mount_filter("$share/g/a"), "$share/g/a");
    EXPECT_EQ(none.unmount("t"), "t");
}

TEST(mountpoint, unmount_only_what_lies_inside) {
    const mountpoint m("m/");
    EXPECT_EQ(m.unmount("m/a/b"), "a/b");
    EXPECT_EQ(m.unmount("m/m/"), "m/");
    EXPECT_EQ(m.unmount("x/a"), std::nullopt);
    EXPECT_EQ(m.unmount("m"), std::nullopt);   // matched by m/# but outside
    EXPECT_EQ(m.unmount("m/"), std::nullopt);  // would leave an empty topic
}

// --- through the channel ------------------------------------------------------------------

class mountpoint_test : public channel_test {
protected:
    mountpoint_test() { cfg.mountpoint = "dev/%c/"; }

    /// v3.1.1 SUBSCRIBE (packet id 1) of `filter` at QoS `qos`.
    static std::string subscribe(const std::string& filter, std::uint8_t qos) {
        codec::subscribe_packet p;
        p.packet_id = 1;
        p.topics.emplace_back();
        p.topics.back().filter = filter;
        p.topics.back().qos = qos;
        return wire(p, v311);
    }
    static std::string publish(const std::string& topic, std::uint8_t qos = 0) {
        codec::publish_packet p;
        p.topic = topic;
        p.qos = qos;
        p.packet_id = qos ? 7 : 0;
        p.payload = "hi";
        return wire(p, v311);
    }
    /// Routes a message as if another client had published it.
    void deliver(const std::string& topic, std::uint8_t qos) {
        auto msg = std::make_shared<core::message>();
        msg->topic = topic;
        msg->payload = "hi";
        msg->qos = qos;
        msg->received_at = at(1);
        broker.publish(msg);
    }
};

TEST_F(mountpoint_test, publish_and_will_topics_are_mounted) {
    auto p = connect_packet(v311, "c1");
    p.will = codec::will_message{};
    p.will->topic = "gone";
    p.will->payload = "bye";
    conn& c = connected(p);
    c.feed(publish("t/x", 1), at(1));
    EXPECT_EQ(c.take(), "40 02 00 07");
    ASSERT_EQ(broker.published.size(), 1u);
    EXPECT_EQ(broker.published[0]->topic, "dev/c1/t/x");
    c.ch->on_socket_closed(at(2));
    ASSERT_EQ(broker.published.size(), 2u);
    EXPECT_EQ(broker.published[1]->topic, "dev/c1/gone");
}

TEST_F(mountpoint_test, filters_are_mounted_and_deliveries_unmounted) {
    conn& c = connected(v311, "c1");
    c.feed(subscribe("t/#", 1), at(1));
    EXPECT_EQ(c.take(), "90 03 00 01 01");
    const auto& subs = c.ch->attached_session()->subscriptions();
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs.begin()->first, "dev/c1/t/#");
    deliver("dev/c1/t/x", 1);
    EXPECT_EQ(c.take(), "32 09 00 03 74 2F 78 00 01 68 69");  // t/x
    c.feed_hex("40 02 00 01", at(2));

    codec::unsubscribe_packet u;
    u.packet_id = 2;
    u.filters = {"t/#"};
    c.feed(wire(u, v311), at(3));
    EXPECT_EQ(c.take(), "B0 02 00 02");
    EXPECT_TRUE(c.ch->attached_session()->subscriptions().empty());
}

TEST_F(mountpoint_test, what_lies_outside_the_mountpoint_is_not_delivered) {
    conn& c = connected(v311, "c1");
    c.feed(subscribe("#", 1), at(1));  // dev/c1/# also matches dev/c1 itself
    c.take();
    deliver("dev/c1", 1);
    EXPECT_EQ(c.take(), "");
    EXPECT_EQ(c.ch->attached_session()->inflight_size(), 0u);  // dropped, not stuck
    deliver("dev/c1/in", 1);
    EXPECT_EQ(c.take(), "32 08 00 02 69 6E 00 02 68 69");
}

TEST_F(mountpoint_test, clients_are_isolated_from_each_other) {
    conn& a = connected(v311, "a");
    conn& b = connected(v311, "b");
    a.feed(subscribe("#", 0), at(1));
    a.take();
    b.feed(publish("x"), at(2));
    EXPECT_EQ(broker.published.back()->topic, "dev/b/x");
    EXPECT_EQ(a.take(), "");
    a.feed(publish("x"), at(3));
    EXPECT_EQ(a.take(), "30 05 00 01 78 68 69");  // its own publish comes back, unmounted
}

TEST_F(mountpoint_test, user_name_placeholder) {
    cfg.mountpoint = "users/%u/";
    auto with_user = connect_packet(v311, "c1");
    with_user.username = "alice";
    conn& a = connected(with_user);
    a.feed(publish("t"), at(1));
    EXPECT_EQ(broker.published.back()->topic, "users/alice/t");
    conn& anon = connected(v311, "c2");  // no user name: the placeholder stays
    anon.feed(publish("t"), at(1));
    EXPECT_EQ(broker.published.back()->topic, "users/%u/t");
}

TEST_F(mountpoint_test, ids_and_names_that_are_not_one_level_are_refused) {
    conn& slash = open();
    slash.feed(wire(connect_packet(v311, "a/b"), v311), at(0));
    EXPECT_EQ(slash.take(), "20 02 00 02");
    EXPECT_TRUE(slash.io.closed);

    conn& plus = open();
    plus.feed(wire(connect_packet(v5, "a+"), v5), at(0));
    EXPECT_EQ(plus.take(), with_reason(0x20, "00 85", "client id not usable in the mountpoint"));

    cfg.mountpoint = "users/%u/";
    auto p = connect_packet(v311, "c3");
    p.username = "x#";
    conn& user = open();
    user.feed(wire(p, v311), at(0));
    EXPECT_EQ(user.take(), "20 02 00 04");
    EXPECT_TRUE(broker.requests.empty());  // no session was asked for
}

TEST_F(mountpoint_test, a_filter_invalid_once_mounted_is_refused) {
    cfg.mountpoint = "dev";  // no trailing '/': "dev" + "#" is not a filter
    conn& c = connected(v5, "c1");
    codec::subscribe_packet p;
    p.packet_id = 1;
    p.topics.resize(2);
    p.topics[0].filter = "#";
    p.topics[1].filter = "/x";
    c.feed(wire(p, v5), at(1));
    EXPECT_EQ(c.take(), with_reason(0x90, "00 01", "filter invalid under the mountpoint", "8F 00"));
    EXPECT_EQ(c.ch->attached_session()->subscriptions().count("dev/x"), 1u);
}

TEST_F(mountpoint_test, qos0_frames_are_shared_only_between_equal_mountpoint_lengths) {
    cfg.mountpoint = "m/";
    channel_config bare_cfg;  // the same zone without a mountpoint
    conn& m1 = connected(v311, "m1");
    conn& m2 = connected(v311, "m2");
    auto& bare = *conns.emplace_back(std::make_unique<conn>());
    bare.ch = std::make_unique<channel>(bare_cfg, broker, bare.io, at(0));
    bare.feed(wire(connect_packet(v311, "bare"), v311), at(0));
    m1.feed(subscribe("t", 0), at(1));
    m2.feed(subscribe("t", 0), at(1));
    bare.feed(subscribe("m/t", 0), at(1));
    m1.take(), m2.take(), bare.take();

    deliver("m/t", 0);
    EXPECT_EQ(m1.take(), "30 05 00 01 74 68 69");  // t
    EXPECT_EQ(m2.take(), "30 05 00 01 74 68 69");
    EXPECT_EQ(bare.take(), "30 07 00 03 6D 2F 74 68 69");  // m/t
    EXPECT_EQ(broker.frames.encodes(), 2u);                // m1 and m2 share one, bare has its own
}

}  // namespace
}  // namespace emqd::channel::test
