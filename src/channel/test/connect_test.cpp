// CONNECT / CONNACK for MQTT 3.1, 3.1.1 and 5.0: accepted connections, every refusal code,
// assigned client ids, CONNACK properties, the asynchronous session grant, idle timeout.

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

// "MQTT" level 4, clean session, keep alive 60, client id "c1".
constexpr const char* k_connect_311 = "10 0E 00 04 4D 51 54 54 04 02 00 3C 00 02 63 31";
// "MQIsdp" level 3, clean session, keep alive 60, client id "c1".
constexpr const char* k_connect_31 = "10 10 00 06 4D 51 49 73 64 70 03 02 00 3C 00 02 63 31";
// v5 CONNACK with the default zone: Receive Maximum 100, Maximum Packet Size 1 MB, Topic
// Alias Maximum 65535; shared subscriptions are available (the default: no property).
constexpr const char* k_connack_v5_default = "20 0E 00 00 0B 21 00 64 27 00 10 00 00 22 FF FF";

TEST_F(channel_test, v311_connect_is_accepted) {
    conn& c = open();
    c.feed_hex(k_connect_311, at(0));
    EXPECT_EQ(c.take(), "20 02 00 00");
    EXPECT_FALSE(c.ch->closed());
    EXPECT_EQ(c.ch->client_id(), "c1");
    ASSERT_NE(c.ch->attached_session(), nullptr);
    EXPECT_TRUE(c.ch->attached_session()->attached());
    ASSERT_EQ(broker.requests.size(), 1u);
    EXPECT_EQ(broker.requests[0].client_id, "c1");
    EXPECT_TRUE(broker.requests[0].clean_start);
    EXPECT_EQ(broker.requests[0].expiry_interval, 0u);
    EXPECT_EQ(broker.requests[0].version, protocol_version::v3_1_1);
}

TEST_F(channel_test, v31_connect_is_accepted) {
    conn& c = open();
    c.feed_hex(k_connect_31, at(0));
    EXPECT_EQ(c.take(), "20 02 00 00");
    EXPECT_EQ(broker.requests.at(0).version, protocol_version::v3_1);
}

TEST_F(channel_test, connect_split_across_reads) {
    conn& c = open();
    const std::string bytes = hex(k_connect_311);
    c.feed(bytes.substr(0, 1), at(0));
    c.feed(bytes.substr(1, 7), at(0));
    EXPECT_EQ(c.take(), "");
    c.feed(bytes.substr(8), at(0));
    EXPECT_EQ(c.take(), "20 02 00 00");
}

TEST_F(channel_test, v31_client_id_must_be_1_to_23_chars) {
    conn& c = open();
    c.feed(
        wire(connect_packet(protocol_version::v3_1, std::string(24, 'x')), protocol_version::v3_1),
        at(0));
    EXPECT_EQ(c.take(), "20 02 00 02");
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.requests.empty());

    conn& e = open();
    e.feed(wire(connect_packet(protocol_version::v3_1, ""), protocol_version::v3_1), at(0));
    EXPECT_EQ(e.take(), "20 02 00 02");
    EXPECT_TRUE(e.io.closed);
}

TEST_F(channel_test, v311_empty_client_id_needs_clean_session) {
    conn& c = open();
    c.feed(wire(connect_packet(protocol_version::v3_1_1, "", /*clean=*/false),
                protocol_version::v3_1_1),
           at(0));
    EXPECT_EQ(c.take(), "20 02 00 02");
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, v311_empty_client_id_with_clean_session_gets_one) {
    conn& c = open();
    c.feed(wire(connect_packet(protocol_version::v3_1_1, ""), protocol_version::v3_1_1), at(0));
    EXPECT_EQ(c.take(), "20 02 00 00");  // 3.1.1 does not tell the client its id
    EXPECT_EQ(c.ch->client_id(), "auto-1");
    EXPECT_EQ(broker.requests.at(0).client_id, "auto-1");
}

TEST_F(channel_test, client_id_longer_than_max_clientid_len) {
    cfg.max_clientid_len = 4;
    conn& c3 = open();
    c3.feed(wire(connect_packet(protocol_version::v3_1_1, "12345"), protocol_version::v3_1_1),
            at(0));
    EXPECT_EQ(c3.take(), "20 02 00 02");
    EXPECT_TRUE(c3.io.closed);

    conn& c5 = open();
    c5.feed(wire(connect_packet(protocol_version::v5, "12345"), protocol_version::v5), at(0));
    EXPECT_EQ(c5.take(), with_reason(0x20, "00 85", "client id too long"));
    EXPECT_TRUE(c5.io.closed);
}

TEST_F(channel_test, unknown_protocol_level_gets_v311_code_1) {
    conn& c = open();
    c.feed_hex("10 0E 00 04 4D 51 54 54 06 02 00 3C 00 02 63 31", at(0));  // level 6
    EXPECT_EQ(c.take(), "20 02 00 01");
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(broker.requests.empty());
}

TEST_F(channel_test, v311_persistent_session_uses_zone_expiry_and_reports_present) {
    cfg.session.session_expiry_interval = 7200;
    conn& a = open();
    a.feed(wire(connect_packet(protocol_version::v3_1_1, "p", /*clean=*/false),
                protocol_version::v3_1_1),
           at(0));
    EXPECT_EQ(a.take(), "20 02 00 00");
    EXPECT_EQ(broker.requests.at(0).expiry_interval, 7200u);
    a.feed_hex("E0 00", at(1));
    EXPECT_TRUE(a.io.closed);
    ASSERT_NE(broker.find("p"), nullptr);  // survived: expiry 7200

    conn& b = open(at(2));
    b.feed(wire(connect_packet(protocol_version::v3_1_1, "p", /*clean=*/false),
                protocol_version::v3_1_1),
           at(2));
    EXPECT_EQ(b.take(), "20 02 01 00");
}

TEST_F(channel_test, v31_connack_has_no_session_present_flag) {
    conn& a = open();
    a.feed(wire(connect_packet(protocol_version::v3_1, "p", false), protocol_version::v3_1), at(0));
    a.feed_hex("E0 00", at(1));
    conn& b = open(at(2));
    b.feed(wire(connect_packet(protocol_version::v3_1, "p", false), protocol_version::v3_1), at(2));
    EXPECT_EQ(b.take(), "20 02 00 00");
}

TEST_F(channel_test, v5_connack_announces_zone_limits) {
    conn& c = open();
    c.feed(wire(connect_packet(protocol_version::v5, "c5"), protocol_version::v5), at(0));
    EXPECT_EQ(c.take(), k_connack_v5_default);
    EXPECT_EQ(broker.requests.at(0).expiry_interval, 0u);  // absent = 0
}

TEST_F(channel_test, v5_connack_announces_restricted_zone) {
    cfg.max_qos_allowed = 1;
    cfg.retain_available = false;
    cfg.wildcard_subscription = false;
    cfg.server_keepalive = 30;
    cfg.max_topic_alias = 0;
    cfg.session.max_awaiting_rel = 0;  // unbounded: Receive Maximum 65535
    cfg.shared_subscription = false;
    conn& c = open();
    c.feed(wire(connect_packet(protocol_version::v5, "c5"), protocol_version::v5), at(0));
    // Receive Maximum 65535 is the default: absent. Maximum QoS 1, Retain Available 0,
    // Maximum Packet Size, Wildcard Subscription Available 0, Shared Subscription Available 0,
    // Server Keep Alive 30.
    EXPECT_EQ(c.take(), "20 13 00 00 10 24 01 25 00 27 00 10 00 00 28 00 2A 00 13 00 1E");
}

TEST_F(channel_test, v5_empty_client_id_is_assigned_and_returned) {
    conn& c = open();
    c.feed(wire(connect_packet(protocol_version::v5, "", /*clean=*/false), protocol_version::v5),
           at(0));
    EXPECT_EQ(c.take(),
              "20 17 00 00 14 21 00 64 27 00 10 00 00 12 00 06 " + to_hex("auto-1") + " 22 FF FF");
    EXPECT_EQ(c.ch->client_id(), "auto-1");
}

TEST_F(channel_test, v5_session_expiry_and_present_flag) {
    auto p = connect_packet(protocol_version::v5, "s", /*clean=*/false);
    p.props.session_expiry_interval = 100;
    conn& a = open();
    a.feed(wire(p, protocol_version::v5), at(0));
    EXPECT_EQ(broker.requests.at(0).expiry_interval, 100u);
    EXPECT_EQ(broker.find("s")->expiry_interval(), 100u);
    a.ch->on_socket_closed(at(1));
    EXPECT_FALSE(a.io.closed);  // the socket is gone already: no close() call
    EXPECT_EQ(broker.closed_sessions, std::vector<std::string>{"s"});

    conn& b = open(at(2));
    b.feed(wire(p, protocol_version::v5), at(2));
    EXPECT_EQ(b.take().substr(0, 11), "20 0E 01 00");
}

TEST_F(channel_test, v5_will_checks) {
    cfg.max_qos_allowed = 1;
    cfg.retain_available = false;
    auto p = connect_packet(protocol_version::v5, "w");
    p.will.emplace();
    p.will->topic = "will";
    p.will->qos = 2;
    conn& qos = open();
    qos.feed(wire(p, protocol_version::v5), at(0));
    EXPECT_EQ(qos.take(), with_reason(0x20, "00 9B", "will QoS above maximum"));
    EXPECT_TRUE(qos.io.closed);

    p.will->qos = 0;
    p.will->retain = true;
    conn& retain = open();
    retain.feed(wire(p, protocol_version::v5), at(0));
    EXPECT_EQ(retain.take(), with_reason(0x20, "00 9A", "will retain not available"));

    p.will->retain = false;
    p.will->topic = "a/+";
    conn& topic = open();
    topic.feed(wire(p, protocol_version::v5), at(0));
    EXPECT_EQ(topic.take(), with_reason(0x20, "00 90", "wildcard in topic name"));
    EXPECT_TRUE(broker.requests.empty());
}

TEST_F(channel_test, v311_will_qos_above_maximum_closes_silently) {
    cfg.max_qos_allowed = 1;
    auto p = connect_packet(protocol_version::v3_1_1, "w");
    p.will.emplace();
    p.will->topic = "will";
    p.will->qos = 2;
    conn& c = open();
    c.feed(wire(p, protocol_version::v3_1_1), at(0));
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, v5_enhanced_authentication_is_refused) {
    auto p = connect_packet(protocol_version::v5, "a");
    p.props.authentication_method = "SCRAM-SHA-1";
    conn& c = open();
    c.feed(wire(p, protocol_version::v5), at(0));
    EXPECT_EQ(c.take(), with_reason(0x20, "00 8C", "enhanced authentication not supported"));
    EXPECT_TRUE(c.io.closed);
}

TEST_F(channel_test, first_packet_must_be_connect) {
    conn& c = open();
    c.feed_hex("C0 00", at(0));  // PINGREQ
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.io.closed);
    EXPECT_TRUE(c.ch->closed());
}

TEST_F(channel_test, second_connect_is_a_protocol_error) {
    conn& c3 = connected(protocol_version::v3_1_1, "c3");
    c3.feed_hex(k_connect_311, at(1));
    EXPECT_EQ(c3.take(), "");
    EXPECT_TRUE(c3.io.closed);

    conn& c5 = connected(protocol_version::v5, "c5");
    c5.feed(wire(connect_packet(protocol_version::v5, "c5"), protocol_version::v5), at(1));
    EXPECT_EQ(c5.take(), with_reason(0xE0, "82", "second CONNECT"));
    EXPECT_TRUE(c5.io.closed);
}

TEST_F(channel_test, idle_timeout_before_connect) {
    conn& c = open(at(0));
    c.ch->on_tick(at(14.9));
    EXPECT_FALSE(c.io.closed);
    c.ch->on_tick(at(15));
    EXPECT_TRUE(c.io.closed);
    EXPECT_EQ(c.take(), "");
}

TEST_F(channel_test, asynchronous_grant_holds_pipelined_packets) {
    broker.defer_grants = true;
    conn& c = open();
    // CONNECT and a PINGREQ in one read: nothing may be answered before CONNACK.
    c.feed(hex(k_connect_311) + hex("C0 00"), at(0));
    EXPECT_EQ(c.take(), "");
    EXPECT_TRUE(c.ch->read_paused());
    EXPECT_EQ(c.ch->attached_session(), nullptr);
    c.feed_hex("C0 00", at(0.5));  // more bytes while waiting stay in the parser
    EXPECT_EQ(c.take(), "");

    broker.release_grants();
    EXPECT_EQ(c.take(), "20 02 00 00 D0 00 D0 00");
    EXPECT_FALSE(c.ch->read_paused());
    EXPECT_NE(c.ch->attached_session(), nullptr);
}

TEST_F(channel_test, socket_closed_while_waiting_for_grant_returns_the_session) {
    broker.defer_grants = true;
    conn& c = open();
    c.feed_hex(k_connect_311, at(0));
    c.ch->on_socket_closed(at(1));
    EXPECT_TRUE(c.ch->closed());
    broker.release_grants();
    EXPECT_EQ(c.take(), "");
    EXPECT_EQ(broker.closed_sessions, std::vector<std::string>{"c1"});
    EXPECT_EQ(broker.find("c1"), nullptr);  // expiry 0: discarded by the broker
}

TEST_F(channel_test, refused_session_is_answered_in_connack) {
    broker.refuse = reason_code::server_unavailable;
    conn& c3 = open();
    c3.feed_hex(k_connect_311, at(0));
    EXPECT_EQ(c3.take(), "20 02 00 03");
    EXPECT_TRUE(c3.io.closed);

    conn& c5 = open();
    c5.feed(wire(connect_packet(protocol_version::v5, "c5"), protocol_version::v5), at(0));
    EXPECT_EQ(c5.take(), with_reason(0x20, "00 88", "session refused"));
    EXPECT_TRUE(c5.io.closed);
}

// 0x8B is not a CONNACK reason code (spec 3.2.2.2): shutting down is "server unavailable".
TEST_F(channel_test, kick_before_connack_answers_in_connack) {
    broker.defer_grants = true;
    conn& c = open();
    c.feed(wire(connect_packet(protocol_version::v5, "k"), protocol_version::v5), at(0));
    c.ch->kick(reason_code::server_shutting_down, at(1));
    EXPECT_EQ(c.take(), with_reason(0x20, "00 88", "server shutting down"));
    EXPECT_TRUE(c.io.closed);
}

// A newer CONNECT took the client id over while this one waited for its session: CONNACK
// has no code for that (0x8E is DISCONNECT-only), so the connection closes unanswered, and
// the session granted late goes straight back to the broker.
TEST_F(channel_test, takeover_before_connack_closes_without_connack) {
    broker.defer_grants = true;
    conn& c5 = open();
    c5.feed(wire(connect_packet(protocol_version::v5, "t5"), protocol_version::v5), at(0));
    conn& c3 = open();
    c3.feed(wire(connect_packet(protocol_version::v3_1_1, "t3"), protocol_version::v3_1_1), at(0));
    c5.ch->kick(reason_code::session_taken_over, at(1));
    c3.ch->kick(reason_code::session_taken_over, at(1));
    EXPECT_EQ(c5.take(), "");
    EXPECT_EQ(c3.take(), "");
    EXPECT_TRUE(c5.io.closed);
    EXPECT_TRUE(c3.io.closed);
    EXPECT_TRUE(c5.ch->closed());
    broker.release_grants();
    EXPECT_EQ(c5.take(), "");
    EXPECT_EQ(c5.ch->attached_session(), nullptr);
    EXPECT_EQ(broker.closed_sessions, (std::vector<std::string>{"t5", "t3"}));
}

}  // namespace
}  // namespace emqd::channel::test
