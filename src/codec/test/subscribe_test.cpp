// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK: spec byte vectors and round trips.

#include <gtest/gtest.h>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using core::reason_code;

TEST(subscribe, spec_bytes_3_1_1) {
    // pid 1; "a/b" QoS 1, "c/#" QoS 2
    const auto wire = hex("82 0E 00 01 00 03 61 2F 62 01 00 03 63 2F 23 02");
    for (auto v : {protocol_version::v3_1, protocol_version::v3_1_1}) {
        auto p = decode_as<subscribe_packet>(wire, v);
        EXPECT_EQ(p.packet_id, 1);
        ASSERT_EQ(p.topics.size(), 2u);
        EXPECT_EQ(p.topics[0].filter, "a/b");
        EXPECT_EQ(p.topics[0].qos, 1);
        EXPECT_EQ(p.topics[1].filter, "c/#");
        EXPECT_EQ(p.topics[1].qos, 2);
        EXPECT_EQ(to_hex(encoded(p, v)), to_hex(wire));
    }
}

TEST(subscribe, v5_options_and_subscription_identifier) {
    // props: Subscription Identifier 5; options 0x1D = RH 1, RAP, NL, QoS 1
    const auto wire = hex("82 0B 00 01 02 0B 05 00 03 61 2F 62 1D");
    auto p = decode_as<subscribe_packet>(wire, protocol_version::v5);
    EXPECT_EQ(p.subscription_identifier, 5u);
    ASSERT_EQ(p.topics.size(), 1u);
    const auto& s = p.topics[0];
    EXPECT_EQ(s.qos, 1);
    EXPECT_TRUE(s.no_local);
    EXPECT_TRUE(s.retain_as_published);
    EXPECT_EQ(s.retain_handling, 1);
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), to_hex(wire));
    // For 3.1.1 the v5 options are dropped.
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), "82 08 00 01 00 03 61 2F 62 01");
}

TEST(subscribe, no_local_on_shared_is_a_protocol_error) {
    // [MQTT-3.8.3-4], for both spellings of a shared subscription; options 0x05 = NL, QoS 1.
    EXPECT_EQ(decode_error(hex("82 0F 00 01 00 00 09 24 71 75 65 75 65 2F 61 62 05"),
                           protocol_version::v5),
              reason_code::protocol_error);  // $queue/ab
    EXPECT_EQ(decode_error(hex("82 0F 00 01 00 00 09 24 73 68 61 72 65 2F 67 2F 05"),
                           protocol_version::v5),
              reason_code::protocol_error);  // $share/g/
    // Without No Local it decodes (the channel judges the filter).
    auto p = decode_as<subscribe_packet>(hex("82 0F 00 01 00 00 09 24 71 75 65 75 65 2F 61 62 01"),
                                         protocol_version::v5);
    EXPECT_EQ(p.topics.at(0).filter, "$queue/ab");
}

TEST(subscribe, invalid_filter_still_decodes) {
    // "a/#/b" is not a valid filter: the channel answers 0x8F for that slot.
    const auto wire = hex("82 0A 00 02 00 05 61 2F 23 2F 62 00");
    auto p = decode_as<subscribe_packet>(wire, protocol_version::v3_1_1);
    ASSERT_EQ(p.topics.size(), 1u);
    EXPECT_EQ(p.topics[0].filter, "a/#/b");
}

TEST(subscribe, round_trip_every_version) {
    subscribe_packet p;
    p.packet_id = 0xBEEF;
    p.topics = {{"x/+/y", 2, true, true, 2}, {"$share/g/z", 0, false, false, 0}};
    p.subscription_identifier = 268435455;
    p.user = {{"u", "v"}};
    for (auto v : all_versions) {
        auto back = round_trip(p, v);
        ASSERT_EQ(back.topics.size(), 2u);
        EXPECT_EQ(back.topics[0].retain_handling, is_v5(v) ? 2 : 0);
        EXPECT_EQ(back.topics[1].filter, "$share/g/z");
        EXPECT_EQ(back.subscription_identifier.has_value(), is_v5(v));
    }
}

TEST(suback, spec_bytes) {
    suback_packet p;
    p.packet_id = 1;
    p.reasons = {reason_code::granted_qos_1, reason_code::topic_filter_invalid,
                 reason_code::success};
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), "90 05 00 01 01 80 00");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1)), "90 05 00 01 01 80 00");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "90 06 00 01 00 01 8F 00");
    auto back = decode_as<suback_packet>(hex("90 05 00 01 01 80 00"), protocol_version::v3_1_1);
    EXPECT_EQ(back.reasons,
              (std::vector<reason_code>{reason_code::granted_qos_1, reason_code::unspecified_error,
                                        reason_code::success}));
}

TEST(suback, round_trip_with_properties) {
    suback_packet p;
    p.packet_id = 3;
    p.reasons = {reason_code::granted_qos_2, reason_code::not_authorized};
    p.reason_string = "partly";
    p.user = {{"a", "b"}};
    for (auto v : all_versions) {
        auto back = round_trip(p, v);
        EXPECT_EQ(back.reason_string.has_value(), is_v5(v));
        EXPECT_EQ(back.reasons[1],
                  is_v5(v) ? reason_code::not_authorized : reason_code::unspecified_error);
    }
}

TEST(unsubscribe, spec_bytes) {
    const auto wire = hex("A2 0C 00 02 00 03 61 2F 62 00 03 63 2F 23");
    auto p = decode_as<unsubscribe_packet>(wire, protocol_version::v3_1_1);
    EXPECT_EQ(p.packet_id, 2);
    EXPECT_EQ(p.filters, (std::vector<std::string>{"a/b", "c/#"}));
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), to_hex(wire));
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)),
              "A2 0D 00 02 00 00 03 61 2F 62 00 03 63 2F 23");
}

TEST(unsubscribe, round_trip_with_user_properties) {
    unsubscribe_packet p;
    p.packet_id = 9;
    p.filters = {"a", "b/+"};
    p.user = {{"k", "v"}, {"k", "w"}};
    for (auto v : all_versions) {
        auto back = round_trip(p, v);
        EXPECT_EQ(back.filters, p.filters);
        EXPECT_EQ(back.user.size(), is_v5(v) ? 2u : 0u);
    }
}

TEST(unsuback, spec_bytes) {
    unsuback_packet p;
    p.packet_id = 2;
    p.reasons = {reason_code::success, reason_code::no_subscription_existed};
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), "B0 02 00 02");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "B0 05 00 02 00 00 11");
    auto back = decode_as<unsuback_packet>(hex("B0 05 00 02 00 00 11"), protocol_version::v5);
    EXPECT_EQ(back.reasons, p.reasons);
}

TEST(unsuback, round_trip_with_properties) {
    unsuback_packet p;
    p.packet_id = 4;
    p.reasons = {reason_code::not_authorized};
    p.reason_string = "no";
    p.user = {{"x", "y"}};
    for (auto v : all_versions) {
        auto back = round_trip(p, v);
        EXPECT_EQ(back.packet_id, 4);
        EXPECT_EQ(back.reasons.size(), is_v5(v) ? 1u : 0u);
    }
}

}  // namespace
}  // namespace emqd::codec::test
