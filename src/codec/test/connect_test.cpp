// CONNECT and CONNACK: spec byte vectors, every field in every version, round trips.

#include <gtest/gtest.h>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using core::reason_code;

connect_packet full_connect(protocol_version v) {
    connect_packet p;
    p.version = v;
    p.clean_start = false;
    p.keep_alive = 300;
    p.client_id = "client-1";
    p.username = "user";
    p.password = std::string("p\0ss", 4);
    will_message w;
    w.topic = "will/topic";
    w.payload = std::string("bye\xff", 4);
    w.qos = 2;
    w.retain = true;
    if (is_v5(v)) {
        w.will_delay_interval = 30;
        w.props.payload_format_indicator = 1;
        w.props.message_expiry_interval = 3600;
        w.props.content_type = "text/plain";
        w.props.response_topic = "resp/topic";
        w.props.correlation_data = std::string("\x00\x01", 2);
        w.props.user = {{"wk", "wv"}, {"wk", "wv2"}};
        p.props.session_expiry_interval = 120;
        p.props.receive_maximum = 10;
        p.props.maximum_packet_size = 65536;
        p.props.topic_alias_maximum = 5;
        p.props.request_response_information = 1;
        p.props.request_problem_information = 0;
        p.props.user = {{"k", "v"}};
        p.props.authentication_method = "SCRAM-SHA-1";
        p.props.authentication_data = std::string("\x01\x02\x03", 3);
    }
    p.will = w;
    return p;
}

TEST(connect, decodes_spec_example_3_1_1) {
    // Protocol name "MQTT", level 4, clean session, keep alive 60, client id "a".
    const auto wire = hex("10 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 61");
    auto p = decode_as<connect_packet>(wire, protocol_version::v5);  // version ignored
    EXPECT_EQ(p.version, protocol_version::v3_1_1);
    EXPECT_TRUE(p.clean_start);
    EXPECT_EQ(p.keep_alive, 60);
    EXPECT_EQ(p.client_id, "a");
    EXPECT_FALSE(p.username || p.password || p.will);
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), to_hex(wire));
}

TEST(connect, decodes_mqisdp_3_1) {
    const auto wire = hex("10 0F 00 06 4D 51 49 73 64 70 03 02 00 3C 00 01 61");
    auto p = decode_as<connect_packet>(wire, protocol_version::v3_1_1);
    EXPECT_EQ(p.version, protocol_version::v3_1);
    EXPECT_EQ(p.client_id, "a");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1)), to_hex(wire));
}

TEST(connect, decodes_v5_properties_and_will) {
    // flags: user, password, will retain, will QoS 1, will, clean = 0xEE
    const auto wire =
        hex("10 2C 00 04 4D 51 54 54 05 EE 00 0A"
            " 08 11 00 00 00 0A 21 00 14"  // props: Session Expiry 10, Receive Maximum 20
            " 00 02 69 64"                 // client id "id"
            " 05 18 00 00 00 05"           // will props: Will Delay 5
            " 00 01 77 00 02 68 69"        // will topic "w", payload "hi"
            " 00 01 75 00 03 70 77 64");   // user "u", password "pwd"
    auto p = decode_as<connect_packet>(wire, protocol_version::v3_1_1);
    EXPECT_EQ(p.version, protocol_version::v5);
    EXPECT_EQ(p.props.session_expiry_interval, 10u);
    EXPECT_EQ(p.props.receive_maximum, 20);
    EXPECT_EQ(p.client_id, "id");
    ASSERT_TRUE(p.will);
    EXPECT_EQ(p.will->qos, 1);
    EXPECT_TRUE(p.will->retain);
    EXPECT_EQ(p.will->will_delay_interval, 5u);
    EXPECT_EQ(p.will->topic, "w");
    EXPECT_EQ(p.will->payload, "hi");
    EXPECT_EQ(p.username, "u");
    EXPECT_EQ(p.password, "pwd");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), to_hex(wire));
}

TEST(connect, round_trips_every_field_in_every_version) {
    for (auto v : all_versions) {
        auto back = round_trip(full_connect(v), v);
        const auto want = full_connect(v);
        EXPECT_EQ(back.version, v);
        EXPECT_EQ(back.client_id, want.client_id);
        EXPECT_EQ(back.password, want.password);
        ASSERT_TRUE(back.will);
        EXPECT_EQ(back.will->payload, want.will->payload);
        EXPECT_EQ(back.will->qos, 2);
        if (is_v5(v)) {
            EXPECT_EQ(back.props.authentication_data, want.props.authentication_data);
            EXPECT_EQ(back.props.user, want.props.user);
            EXPECT_EQ(back.props.request_problem_information, 0);
            EXPECT_EQ(back.will->props.correlation_data, want.will->props.correlation_data);
            EXPECT_EQ(back.will->props.user, want.will->props.user);
            EXPECT_EQ(back.will->will_delay_interval, 30u);
        } else {
            EXPECT_FALSE(back.props.session_expiry_interval);
        }
    }
}

TEST(connect, v5_allows_password_without_user_name) {
    connect_packet p;
    p.version = protocol_version::v5;
    p.password = "secret";
    auto back = round_trip(p, protocol_version::v5);
    EXPECT_FALSE(back.username);
    EXPECT_EQ(back.password, "secret");
    p.version = protocol_version::v3_1_1;
    EXPECT_EQ(decode_error(encoded(p, p.version), p.version), reason_code::malformed_packet);
}

TEST(connect, peek_version) {
    auto wire = hex("10 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00");
    auto v = peek_connect_version(frame_of(wire));
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, protocol_version::v5);
    wire = hex("10 0D 00 04 4D 51 54 54 07 02 00 3C 00 00 00");
    v = peek_connect_version(frame_of(wire));
    ASSERT_FALSE(v);
    EXPECT_EQ(v.err().code, reason_code::unsupported_protocol_version);
}

TEST(connect, will_topic_must_be_a_topic_name) {
    auto p = full_connect(protocol_version::v3_1_1);
    p.will->topic = "will/#";
    EXPECT_EQ(decode_error(encoded(p, p.version), p.version), reason_code::topic_name_invalid);
}

TEST(connack, spec_bytes_3_1_1) {
    const auto wire = hex("20 02 01 00");
    auto p = decode_as<connack_packet>(wire, protocol_version::v3_1_1);
    EXPECT_TRUE(p.session_present);
    EXPECT_EQ(p.reason, reason_code::success);
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), to_hex(wire));
}

TEST(connack, v3_return_codes_map_from_reason_codes) {
    connack_packet p;
    p.reason = reason_code::bad_user_name_or_password;
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), "20 02 00 04");
    p.reason = reason_code::banned;
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), "20 02 00 05");
    p.reason = reason_code::unsupported_protocol_version;
    p.session_present = true;  // 3.1 has no Session Present flag
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1)), "20 02 00 01");
    auto back = decode_as<connack_packet>(hex("20 02 00 02"), protocol_version::v3_1_1);
    EXPECT_EQ(back.reason, reason_code::client_identifier_not_valid);
    EXPECT_EQ(decode_error(hex("20 02 00 06"), protocol_version::v3_1_1),
              reason_code::malformed_packet);
}

TEST(connack, spec_bytes_v5) {
    connack_packet p;
    p.reason = reason_code::not_authorized;
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "20 03 00 87 00");
    p.reason = reason_code::success;
    p.props.topic_alias_maximum = 10;
    p.props.assigned_client_identifier = "ab";
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "20 0B 00 00 08 12 00 02 61 62 22 00 0A");
}

TEST(connack, round_trips_every_property) {
    connack_packet p;
    p.session_present = true;
    auto& c = p.props;
    c.session_expiry_interval = 1;
    c.receive_maximum = 2;
    c.maximum_qos = 1;
    c.retain_available = 0;
    c.maximum_packet_size = 4;
    c.assigned_client_identifier = "auto-1";
    c.topic_alias_maximum = 5;
    c.reason_string = "ok";
    c.user = {{"a", "b"}};
    c.wildcard_subscription_available = 1;
    c.subscription_identifiers_available = 0;
    c.shared_subscription_available = 1;
    c.server_keep_alive = 30;
    c.response_information = "resp/";
    c.server_reference = "other:1883";
    c.authentication_method = "m";
    c.authentication_data = "d";
    for (auto v : all_versions) {
        auto back = round_trip(p, v);
        EXPECT_EQ(back.session_present, v != protocol_version::v3_1);
        if (is_v5(v)) {
            EXPECT_EQ(back.props.server_keep_alive, 30);
            EXPECT_EQ(back.props.server_reference, "other:1883");
            EXPECT_EQ(back.props.user, c.user);
            EXPECT_EQ(back.props.subscription_identifiers_available, 0);
        }
    }
}

}  // namespace
}  // namespace emqd::codec::test
