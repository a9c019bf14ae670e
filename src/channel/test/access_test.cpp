// Access control at CONNECT: banned client ids, usernames and peer hosts are refused with
// 3.1.1 CONNACK 5 / v5 0x8A before any session is opened; zone.enable_ban off skips the
// check; flapping detection counts the ends of accepted connections only.

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

using namespace std::chrono_literals;
using auth::ban_kind;

class access_test : public channel_test {
protected:
    /// Sends CONNECT on a new connection; returns it with the reply left in its output.
    conn& try_connect(const codec::connect_packet& p, clock::time_point now = at(0)) {
        conn& c = open(now);
        c.feed(wire(p, p.version), now);
        return c;
    }
};

TEST_F(access_test, banned_client_id_gets_connack_5_or_0x8a) {
    broker.access_control.bans().add({ban_kind::clientid, "bad", std::nullopt});
    conn& v3 = try_connect(connect_packet(protocol_version::v3_1_1, "bad"));
    EXPECT_EQ(v3.take(), "20 02 00 05");
    EXPECT_TRUE(v3.io.closed);
    conn& v5 = try_connect(connect_packet(protocol_version::v5, "bad"));
    EXPECT_EQ(v5.take(), with_reason(0x20, "00 8A", "banned"));
    EXPECT_TRUE(v5.io.closed);
    EXPECT_TRUE(broker.requests.empty());  // refused before any session work

    conn& ok = try_connect(connect_packet(protocol_version::v3_1_1, "good"));
    EXPECT_EQ(ok.take(), "20 02 00 00");
}

TEST_F(access_test, banned_username_and_peer_host) {
    broker.access_control.bans().add({ban_kind::username, "eve", std::nullopt});
    broker.access_control.bans().add({ban_kind::peerhost, "198.51.100.0/24", std::nullopt});
    auto p = connect_packet(protocol_version::v3_1_1, "c1");
    p.username = "eve";
    EXPECT_EQ(try_connect(p).take(), "20 02 00 05");

    conn& c = open();
    c.io.peer = core::parse_ip_address("198.51.100.77");
    c.feed(wire(connect_packet(protocol_version::v5, "c2"), protocol_version::v5), at(0));
    EXPECT_EQ(c.take(), with_reason(0x20, "00 8A", "banned"));

    p.username = "bob";
    EXPECT_EQ(try_connect(p).take(), "20 02 00 00");  // peer 192.0.2.10 is not banned
}

TEST_F(access_test, expired_ban_no_longer_refuses) {
    broker.access_control.bans().add({ban_kind::clientid, "temp", at(10)});
    EXPECT_EQ(try_connect(connect_packet(protocol_version::v3_1_1, "temp"), at(9)).take(),
              "20 02 00 05");
    EXPECT_EQ(try_connect(connect_packet(protocol_version::v3_1_1, "temp"), at(10)).take(),
              "20 02 00 00");
}

TEST_F(access_test, enable_ban_off_skips_the_ban_list) {
    cfg.enable_ban = false;
    broker.access_control.bans().add({ban_kind::clientid, "bad", std::nullopt});
    EXPECT_EQ(try_connect(connect_packet(protocol_version::v3_1_1, "bad")).take(), "20 02 00 00");
}

TEST_F(access_test, flapping_client_id_is_banned_after_max_count_disconnects) {
    cfg.enable_flapping_detect = true;
    const auto max = broker.access_control.flapping().policy().max_count;  // 30, 1m, 5m
    for (std::uint32_t i = 0; i < max; ++i) {
        conn& c = connected(protocol_version::v3_1_1, "flappy", at(i));
        c.feed_hex("E0 00", at(i));  // DISCONNECT
        ASSERT_TRUE(c.io.closed);
    }
    EXPECT_EQ(try_connect(connect_packet(protocol_version::v3_1_1, "flappy"), at(max)).take(),
              "20 02 00 05");
    // The refused CONNECT is not a disconnect of an accepted connection: nothing new is
    // counted, and the ban lasts ban_time (5m) from the last disconnect.
    EXPECT_EQ(broker.access_control.flapping().tracked(), 0u);
    EXPECT_EQ(
        try_connect(connect_packet(protocol_version::v3_1_1, "flappy"), at(max - 1 + 299)).take(),
        "20 02 00 05");
    EXPECT_EQ(
        try_connect(connect_packet(protocol_version::v3_1_1, "flappy"), at(max - 1 + 300)).take(),
        "20 02 00 00");
    // Another id was never affected.
    EXPECT_EQ(try_connect(connect_packet(protocol_version::v3_1_1, "steady"), at(max)).take(),
              "20 02 00 00");
}

TEST_F(access_test, socket_loss_counts_refusals_do_not) {
    cfg.enable_flapping_detect = true;
    conn& c = connected(protocol_version::v3_1_1, "lossy");
    c.ch->on_socket_closed(at(1));
    EXPECT_EQ(broker.access_control.flapping().tracked(), 1u);
    // A CONNECT refused for another reason (bad will QoS) was never accepted.
    auto p = connect_packet(protocol_version::v3_1_1, "refused");
    p.will = codec::will_message{"w/t", "x", 3, false, 0, {}};
    conn& r = try_connect(p);
    EXPECT_TRUE(r.io.closed);
    EXPECT_EQ(broker.access_control.flapping().tracked(), 1u);
}

TEST_F(access_test, flapping_detection_off_counts_nothing) {
    conn& c = connected(protocol_version::v3_1_1, "quiet");
    c.feed_hex("E0 00", at(1));
    EXPECT_EQ(broker.access_control.flapping().tracked(), 0u);
}

}  // namespace
}  // namespace emqd::channel::test
