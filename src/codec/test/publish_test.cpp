// PUBLISH and PUBACK/PUBREC/PUBREL/PUBCOMP: spec byte vectors, zero-copy views, round trips.

#include <gtest/gtest.h>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using core::reason_code;

bool points_into(std::string_view view, const std::string& wire) {
    return view.data() >= wire.data() && view.data() + view.size() <= wire.data() + wire.size();
}

TEST(publish, qos0_spec_bytes) {
    const auto wire = hex("30 07 00 03 61 2F 62 68 69");  // topic "a/b", payload "hi"
    for (auto v : all_versions) {
        if (is_v5(v))
            continue;
        auto p = decode_as<publish_packet>(wire, v);
        EXPECT_EQ(p.qos, 0);
        EXPECT_EQ(p.topic, "a/b");
        EXPECT_EQ(p.payload, "hi");
        EXPECT_TRUE(points_into(p.topic, wire));
        EXPECT_TRUE(points_into(p.payload, wire));
        EXPECT_EQ(to_hex(encoded(p, v)), to_hex(wire));
    }
}

TEST(publish, qos1_dup_retain_spec_bytes) {
    const auto wire = hex("3B 09 00 03 61 2F 62 00 0A 68 69");
    auto p = decode_as<publish_packet>(wire, protocol_version::v3_1_1);
    EXPECT_EQ(p.qos, 1);
    EXPECT_TRUE(p.dup);
    EXPECT_TRUE(p.retain);
    EXPECT_EQ(p.packet_id, 10);
    EXPECT_EQ(p.payload, "hi");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), to_hex(wire));
}

TEST(publish, v5_properties_spec_bytes) {
    // QoS 2, pid 1, props: Topic Alias 3, Subscription Identifier 2 and 300, Payload Format 1.
    const auto wire =
        hex("34 14 00 03 61 2F 62 00 01"
            " 0A 23 00 03 0B 02 0B AC 02 01 01"
            " 68 69");
    auto p = decode_as<publish_packet>(wire, protocol_version::v5);
    EXPECT_EQ(p.qos, 2);
    EXPECT_EQ(p.topic_alias, 3);
    EXPECT_EQ(p.subscription_identifiers, (std::vector<std::uint32_t>{2, 300}));
    EXPECT_EQ(p.props.payload_format_indicator, 1);
    EXPECT_EQ(p.payload, "hi");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), to_hex(wire));
}

// A topic with multi-byte UTF-8 characters (not plain ASCII) is checked exactly and valid.
TEST(publish, utf8_topic) {
    const auto wire = hex("30 0A 00 06 C3 A9 2F E2 82 AC 68 69");  // "é/€", "hi"
    for (auto v : {protocol_version::v3_1_1, protocol_version::v3_1}) {
        auto p = decode_as<publish_packet>(wire, v);
        EXPECT_EQ(p.topic, "\xC3\xA9/\xE2\x82\xAC");
        EXPECT_EQ(p.payload, "hi");
    }
}

TEST(publish, v5_empty_topic_needs_alias) {
    const auto with_alias = hex("30 07 00 00 03 23 00 01 78");
    auto p = decode_as<publish_packet>(with_alias, protocol_version::v5);
    EXPECT_TRUE(p.topic.empty());
    EXPECT_EQ(p.topic_alias, 1);
    EXPECT_EQ(p.payload, "x");
    EXPECT_EQ(decode_error(hex("30 04 00 00 00 78"), protocol_version::v5),
              reason_code::topic_name_invalid);
    EXPECT_EQ(decode_error(hex("30 03 00 00 78"), protocol_version::v3_1_1),
              reason_code::topic_name_invalid);
}

TEST(publish, all_message_properties_round_trip) {
    core::message_properties mp;
    mp.payload_format_indicator = 0;
    mp.message_expiry_interval = 100;
    mp.content_type = "application/json";
    mp.response_topic = "reply/here";
    mp.correlation_data = std::string("\x00\xff", 2);
    mp.user = {{"a", "1"}, {"a", "2"}};
    publish_packet p;
    p.qos = 1;
    p.packet_id = 77;
    p.topic = "t/1";
    p.payload = std::string_view("\x00payload", 8);
    p.topic_alias = 9;
    p.subscription_identifiers = {1, 268435455};
    p.props = mp;
    for (auto v : all_versions) {
        const std::string wire = encoded(p, v);
        auto back = decode_as<publish_packet>(wire, v);
        EXPECT_EQ(back.payload, p.payload);
        EXPECT_EQ(back.packet_id, 77);
        if (is_v5(v)) {
            EXPECT_EQ(back.props.correlation_data, mp.correlation_data);
            EXPECT_EQ(back.props.user, mp.user);
            EXPECT_EQ(back.props.message_expiry_interval, 100u);
            EXPECT_EQ(back.subscription_identifiers, p.subscription_identifiers);
        } else {
            EXPECT_TRUE(back.props.empty());
            EXPECT_FALSE(back.topic_alias);
        }
        EXPECT_EQ(to_hex(encoded(back, v)), to_hex(wire));
    }
}

TEST(publish, view_encodes_the_message_properties_with_the_expiry_override) {
    core::message_properties mp;
    mp.message_expiry_interval = 100;
    mp.content_type = "c";
    const std::uint32_t sub_ids[] = {5};
    publish_view p;
    p.topic = "t";
    p.payload = "x";
    p.props = &mp;
    p.message_expiry_override = 42;
    p.subscription_identifiers = sub_ids;
    // props: 0B 05 (subscription id 5), 02 00 00 00 2A (expiry 42), 03 00 01 63 (content type)
    std::string out;
    encode(p, protocol_version::v5, out);
    EXPECT_EQ(to_hex(out), "30 10 00 01 74 0B 0B 05 02 00 00 00 2A 03 00 01 63 78");
    out.clear();
    encode(p, protocol_version::v3_1_1, out);  // no properties before v5
    EXPECT_EQ(to_hex(out), "30 04 00 01 74 78");
    // Without the message's properties: only the override (none here: no properties).
    p.props = nullptr;
    p.message_expiry_override.reset();
    p.subscription_identifiers = {};
    out.clear();
    encode(p, protocol_version::v5, out);
    EXPECT_EQ(to_hex(out), "30 05 00 01 74 00 78");
}

// publish_packet and the view encode the same bytes (encode(publish_packet) goes through one).
TEST(publish, packet_and_view_encode_alike) {
    publish_packet p;
    p.qos = 1;
    p.dup = true;
    p.retain = true;
    p.topic = "a/b";
    p.packet_id = 7;
    p.payload = "hi";
    p.topic_alias = 3;
    p.subscription_identifiers = {1, 200};
    p.props.content_type = "c";
    p.props.message_expiry_interval = 9;
    publish_view view;
    view.qos = 1;
    view.dup = true;
    view.retain = true;
    view.topic = "a/b";
    view.packet_id = 7;
    view.payload = "hi";
    view.topic_alias = 3;
    view.subscription_identifiers = p.subscription_identifiers;
    view.props = &p.props;
    for (auto v : all_versions) {
        std::string out;
        encode(view, v, out);
        EXPECT_EQ(to_hex(out), to_hex(encoded(p, v)));
    }
}

TEST(publish, header_only_encoding_counts_the_payload_it_leaves_out) {
    const std::string payload(300, 'p');  // Remaining Length needs two bytes
    for (auto v : {protocol_version::v3_1_1, protocol_version::v5}) {
        publish_view p;
        p.topic = "a/b";
        p.qos = 1;
        p.packet_id = 9;
        p.payload = payload;
        std::string whole, head;
        encode(p, v, whole);
        const std::size_t n = encode_publish_header(p, v, head);
        EXPECT_EQ(n, head.size());
        EXPECT_EQ(head + payload, whole);
    }
}

TEST(publish, encode_does_not_reallocate_reserved_output) {
    publish_packet p;
    p.qos = 1;
    p.packet_id = 1;
    p.topic = "sensors/room1/temperature";
    p.payload = "21.5";
    std::string out;
    out.reserve(256);
    const char* before = out.data();
    for (int i = 0; i < 4; ++i)
        encode(p, protocol_version::v5, out);
    EXPECT_EQ(out.data(), before);
}

TEST(publish, large_payload_uses_multi_byte_remaining_length) {
    std::string payload(200, 'x');
    publish_packet p;
    p.topic = "a";
    p.payload = payload;
    const std::string wire = encoded(p, protocol_version::v3_1_1);
    EXPECT_EQ(to_hex(wire.substr(0, 3)), "30 CB 01");  // 203 = 0x4B | 0x80, 0x01
    EXPECT_EQ(frame_of(wire).wire_size(), wire.size());
}

TEST(ack, spec_bytes_3_1_1) {
    struct {
        packet_type type;
        const char* wire;
    } cases[] = {{packet_type::puback, "40 02 00 0A"},
                 {packet_type::pubrec, "50 02 00 0A"},
                 {packet_type::pubrel, "62 02 00 0A"},
                 {packet_type::pubcomp, "70 02 00 0A"}};
    for (const auto& c : cases) {
        const auto wire = hex(c.wire);
        auto p = decode_as<ack_packet>(wire, protocol_version::v3_1_1);
        EXPECT_EQ(p.type, c.type);
        EXPECT_EQ(p.packet_id, 10);
        EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1)), c.wire);
        EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), c.wire);  // success: short form
    }
}

TEST(ack, v5_short_and_full_forms) {
    auto p = decode_as<ack_packet>(hex("40 03 00 0A 10"), protocol_version::v5);
    EXPECT_EQ(p.reason, reason_code::no_matching_subscribers);
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "40 03 00 0A 10");
    p = decode_as<ack_packet>(hex("40 04 00 0A 00 00"), protocol_version::v5);
    EXPECT_EQ(p.reason, reason_code::success);
    p = decode_as<ack_packet>(hex("70 08 00 0A 92 04 1F 00 01 78"), protocol_version::v5);
    EXPECT_EQ(p.type, packet_type::pubcomp);
    EXPECT_EQ(p.reason, reason_code::packet_identifier_not_found);
    EXPECT_EQ(p.reason_string, "x");
}

TEST(ack, v5_reason_string_and_user_properties) {
    ack_packet p;
    p.type = packet_type::pubrel;
    p.packet_id = 5;
    p.reason = reason_code::packet_identifier_not_found;
    p.reason_string = "gone";
    p.user = {{"k", "v"}};
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)),
              "62 12 00 05 92 0E 1F 00 04 67 6F 6E 65 26 00 01 6B 00 01 76");
    for (auto t :
         {packet_type::puback, packet_type::pubrec, packet_type::pubrel, packet_type::pubcomp}) {
        p.type = t;
        p.reason = t == packet_type::puback || t == packet_type::pubrec
                       ? reason_code::quota_exceeded
                       : reason_code::packet_identifier_not_found;
        for (auto v : all_versions) {
            auto back = round_trip(p, v);
            EXPECT_EQ(back.type, t);
            EXPECT_EQ(back.reason, is_v5(v) ? p.reason : reason_code::success);
            EXPECT_EQ(back.user.size(), is_v5(v) ? 1u : 0u);
        }
    }
}

}  // namespace
}  // namespace emqd::codec::test
