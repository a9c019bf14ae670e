// Connection lifecycle: PINGREQ, keep alive, the will under every way of closing (normal
// DISCONNECT, v5 0x04, timeout, protocol error, socket close, kick, Will Delay Interval),
// malformed and oversized packets, DISCONNECT session expiry rules, AUTH, session resume.

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

codec::connect_packet with_will(protocol_version v, std::string id, std::uint16_t keep_alive = 10) {
    codec::connect_packet p;
    p.version = v;
    p.client_id = std::move(id);
    p.keep_alive = keep_alive;
    p.will.emplace();
    p.will->topic = "w/t";
    p.will->payload = "bye";
    p.will->qos = 1;
    return p;
}

class lifecycle_test : public channel_test {
protected:
    bool will_published() const {
        for (const auto& m : broker.published)
            if (m->topic == "w/t")
                return true;
        return false;
    }
};

TEST_F(lifecycle_test, pingreq_gets_pingresp) {
    conn& c = connected(v311, "c");
    c.feed_hex("C0 00", at(1));
    EXPECT_EQ(c.take(), "D0 00");
}

TEST_F(lifecycle_test, keepalive_timeout_publishes_will_v311) {
    conn& c = connected(with_will(v311, "c"));
    c.ch->on_tick(at(14.9));  // 2 x 0.75 x 10 s = 15 s
    EXPECT_FALSE(c.io.closed);
    c.ch->on_tick(at(15));
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(c.take(), "");
    ASSERT_EQ(broker.published.size(), 1u);
    const core::message& w = *broker.published[0];
    EXPECT_EQ(w.topic, "w/t");
    EXPECT_EQ(w.payload, "bye");
    EXPECT_EQ(w.qos, 1);
    EXPECT_EQ(w.from_client_id, "c");
    EXPECT_EQ(w.received_at, at(15));
    EXPECT_EQ(broker.closed_sessions, std::vector<std::string>{"c"});
}

TEST_F(lifecycle_test, keepalive_timeout_v5_sends_disconnect_0x8d) {
    conn& c = connected(with_will(v5, "c"));
    c.ch->on_tick(at(15));
    EXPECT_EQ(c.take(), with_reason(0xE0, "8D", "keep alive timeout"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(will_published());
}

TEST_F(lifecycle_test, any_packet_resets_keepalive) {
    conn& c = connected(with_will(v311, "c"));
    c.feed_hex("C0 00", at(10));
    c.ch->on_tick(at(24.9));
    EXPECT_FALSE(c.io.closed);
    c.ch->on_tick(at(25));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(lifecycle_test, keepalive_zero_never_times_out) {
    conn& c = connected(with_will(v311, "c", /*keep_alive=*/0));
    c.ch->on_tick(at(100000));
    EXPECT_FALSE(c.io.closed);
}

TEST_F(lifecycle_test, v5_server_keepalive_overrides_the_client) {
    cfg.server_keepalive = 5;
    conn& c = connected(with_will(v5, "c", /*keep_alive=*/600));
    c.ch->on_tick(at(7.4));
    EXPECT_FALSE(c.io.closed);
    c.ch->on_tick(at(7.5));
    EXPECT_EQ(c.take(), with_reason(0xE0, "8D", "keep alive timeout"));
}

TEST_F(lifecycle_test, normal_disconnect_deletes_the_will) {
    conn& c = connected(with_will(v311, "c"));
    c.feed_hex("E0 00", at(1));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(c.ch->closed());
    EXPECT_EQ(c.take(), "");
    EXPECT_FALSE(will_published());
    EXPECT_EQ(broker.closed_sessions, std::vector<std::string>{"c"});
    EXPECT_EQ(broker.find("c"), nullptr);  // clean session: discarded by the broker
    c.ch->on_socket_closed(at(2));         // the broker reports the close: nothing more
    EXPECT_FALSE(will_published());
}

TEST_F(lifecycle_test, v5_disconnect_with_will_message) {
    conn& c = connected(with_will(v5, "c"));
    c.feed_hex("E0 01 04", at(1));
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(will_published());
}

TEST_F(lifecycle_test, socket_close_publishes_will_and_releases_session) {
    conn& c = connected(with_will(v311, "c"));
    c.ch->on_socket_closed(at(3));
    EXPECT_TRUE(c.ch->closed());
    EXPECT_FALSE(c.io.closed);  // socket already gone
    EXPECT_TRUE(will_published());
    EXPECT_EQ(c.ch->attached_session(), nullptr);
    EXPECT_EQ(broker.closed_sessions, std::vector<std::string>{"c"});
}

TEST_F(lifecycle_test, will_delay_is_parked_in_the_session) {
    auto p = with_will(v5, "c");
    p.clean_start = false;
    p.props.session_expiry_interval = 100;
    p.will->will_delay_interval = 30;
    conn& c = connected(p);
    c.ch->on_socket_closed(at(5));
    EXPECT_FALSE(will_published());
    session::session* s = broker.find("c");
    ASSERT_NE(s, nullptr);
    ASSERT_TRUE(s->will() != nullptr);
    EXPECT_EQ(s->will()->due, at(35));
    EXPECT_EQ(s->will()->msg->topic, "w/t");

    // Reconnecting before the delay cancels the will (spec 3.1.3.2.2).
    conn& again = open(at(10));
    again.feed(wire(p, v5), at(10));
    EXPECT_FALSE(again.io.closed);
    EXPECT_FALSE(broker.find("c")->will() != nullptr);
}

TEST_F(lifecycle_test, will_delay_is_capped_by_session_expiry) {
    auto p = with_will(v5, "c");
    p.props.session_expiry_interval = 100;
    p.will->will_delay_interval = 300;
    conn& c = connected(p);
    c.ch->on_socket_closed(at(5));
    ASSERT_TRUE(broker.find("c")->will() != nullptr);
    EXPECT_EQ(broker.find("c")->will()->due, at(105));
}

TEST_F(lifecycle_test, will_delay_without_session_expiry_publishes_now) {
    auto p = with_will(v5, "c");
    p.will->will_delay_interval = 30;  // session expiry 0: the session ends now
    conn& c = connected(p);
    c.ch->on_socket_closed(at(5));
    EXPECT_TRUE(will_published());
}

TEST_F(lifecycle_test, malformed_packet_v5_gets_disconnect_0x81) {
    conn& c = connected(with_will(v5, "c"));
    c.feed_hex("30 FF FF FF FF 7F", at(1));  // Remaining Length over 4 bytes
    EXPECT_EQ(c.take(), with_reason(0xE0, "81", "remaining length over 4 bytes"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(will_published());
}

TEST_F(lifecycle_test, malformed_packet_v311_closes_silently) {
    conn& c = connected(with_will(v311, "c"));
    c.feed_hex("36 07 00 03 61 2F 62 00 01", at(1));  // PUBLISH QoS 3
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(will_published());
}

TEST_F(lifecycle_test, packet_too_large_v5) {
    cfg.max_packet_size = 64;
    conn& c = connected(v5, "c");
    c.feed(hex("30 6A 00 03 61 2F 62 00") + std::string(100, 'x'), at(1));
    EXPECT_EQ(c.take(), with_reason(0xE0, "95", "packet exceeds maximum size"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.published.empty());
}

TEST_F(lifecycle_test, v5_disconnect_may_not_raise_expiry_from_zero) {
    conn& c = connected(with_will(v5, "c"));
    c.feed_hex("E0 07 00 05 11 00 00 00 0A", at(1));
    EXPECT_EQ(c.take(),
              with_reason(0xE0, "82", "DISCONNECT sets a session expiry after CONNECT set 0"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(will_published());
}

TEST_F(lifecycle_test, v5_disconnect_may_end_a_persistent_session) {
    auto p = codec::connect_packet{};
    p.version = v5;
    p.client_id = "c";
    p.clean_start = false;
    p.props.session_expiry_interval = 100;
    conn& c = connected(p);
    c.feed_hex("E0 07 00 05 11 00 00 00 00", at(1));  // expiry now 0
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(c.take(), "");
    EXPECT_EQ(broker.find("c"), nullptr);
}

TEST_F(lifecycle_test, v5_auth_without_method_is_a_protocol_error) {
    conn& c = connected(v5, "c");
    c.feed_hex("F0 00", at(1));
    EXPECT_EQ(c.take(), with_reason(0xE0, "82", "AUTH without authentication method"));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(lifecycle_test, server_only_packets_from_a_client) {
    conn& c = connected(v5, "c");
    c.feed_hex("D0 00", at(1));  // PINGRESP
    EXPECT_EQ(c.take(), with_reason(0xE0, "82", "packet not allowed from a client"));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(lifecycle_test, kick_detaches_but_keeps_the_session) {
    auto p = with_will(v5, "c");
    p.clean_start = false;
    p.props.session_expiry_interval = 100;
    conn& c = connected(p);
    c.ch->kick(reason_code::session_taken_over, at(2));
    EXPECT_EQ(c.take(), with_reason(0xE0, "8E", "session taken over"));
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(will_published());
    ASSERT_NE(broker.find("c"), nullptr);
    EXPECT_FALSE(broker.find("c")->attached());
    EXPECT_EQ(broker.closed_sessions, std::vector<std::string>{"c"});
    c.ch->on_socket_closed(at(3));  // later report of the close: no second release
    EXPECT_EQ(broker.closed_sessions.size(), 1u);
}

TEST_F(lifecycle_test, kick_v311_closes_silently) {
    conn& c = connected(v311, "c");
    c.ch->kick(reason_code::server_shutting_down, at(2));
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.io.closed);
}

TEST_F(lifecycle_test, resumed_session_resends_inflight_after_connack) {
    auto p = codec::connect_packet{};
    p.version = v5;
    p.client_id = "sub";
    p.clean_start = false;
    p.props.session_expiry_interval = 100;
    conn& sub = connected(p);
    sub.feed_hex("82 09 00 01 00 00 03 61 2F 62 01", at(0));
    sub.take();
    conn& pub = connected(v311, "pub");
    pub.feed_hex("32 09 00 03 61 2F 62 00 07 68 69", at(1));
    EXPECT_EQ(sub.take(), "32 0A 00 03 61 2F 62 00 01 00 68 69");
    sub.ch->on_socket_closed(at(2));

    conn& again = open(at(3));
    again.feed(wire(p, v5), at(3));
    // CONNACK with Session Present, then the unacknowledged PUBLISH again with DUP.
    EXPECT_EQ(again.take(),
              "20 0E 01 00 0B 21 00 64 27 00 10 00 00 22 FF FF "
              "3A 0A 00 03 61 2F 62 00 01 00 68 69");
}

TEST_F(lifecycle_test, random_input_never_throws) {
    // A poor man's fuzzer (the real one lives in tests/fuzz): random frames after a valid
    // CONNECT, in every version. The channel must answer or close, never throw or crash.
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525u + 1013904223u;
        return static_cast<std::uint8_t>(seed >> 24);
    };
    const protocol_version versions[] = {protocol_version::v3_1, v311, v5};
    for (int i = 0; i < 600; ++i) {
        const protocol_version v = versions[i % 3];
        conn& c = connected(v, "f" + std::to_string(i));
        for (int k = 0; k < 8 && !c.ch->closed(); ++k) {
            std::string bytes;
            bytes.push_back(static_cast<char>(next()));
            const std::uint8_t len = next() % 24;
            bytes.push_back(static_cast<char>(len));
            for (int b = 0; b < len; ++b)
                bytes.push_back(static_cast<char>(next()));
            EXPECT_NO_THROW(c.feed(bytes, at(k)));
        }
        EXPECT_NO_THROW(c.ch->on_tick(at(100)));
        EXPECT_NO_THROW(c.ch->on_socket_closed(at(101)));
        EXPECT_TRUE(c.ch->closed());
    }
}

}  // namespace
}  // namespace emqd::channel::test
