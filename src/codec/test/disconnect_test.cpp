// DISCONNECT, AUTH, PINGREQ, PINGRESP: spec byte vectors and round trips.

#include <gtest/gtest.h>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using core::reason_code;

TEST(ping, spec_bytes) {
    for (auto v : all_versions) {
        EXPECT_EQ(to_hex(encoded(pingreq_packet{}, v)), "C0 00");
        EXPECT_EQ(to_hex(encoded(pingresp_packet{}, v)), "D0 00");
        decode_as<pingreq_packet>(hex("C0 00"), v);
        decode_as<pingresp_packet>(hex("D0 00"), v);
    }
}

TEST(disconnect, spec_bytes) {
    disconnect_packet p;
    for (auto v : all_versions)
        EXPECT_EQ(to_hex(encoded(p, v)), "E0 00");
    p.reason = reason_code::disconnect_with_will;
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "E0 01 04");
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v3_1_1)), "E0 00");
    p.session_expiry_interval = 0;
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "E0 07 04 05 11 00 00 00 00");
    auto back = decode_as<disconnect_packet>(hex("E0 00"), protocol_version::v5);
    EXPECT_EQ(back.reason, reason_code::success);
    back = decode_as<disconnect_packet>(hex("E0 01 8E"), protocol_version::v5);
    EXPECT_EQ(back.reason, reason_code::session_taken_over);
    back = decode_as<disconnect_packet>(hex("E0 02 00 00"), protocol_version::v5);
    EXPECT_EQ(back.reason, reason_code::success);
}

TEST(disconnect, round_trip_all_properties) {
    disconnect_packet p;
    p.reason = reason_code::server_moved;
    p.session_expiry_interval = 60;
    p.reason_string = "moving";
    p.server_reference = "b:1883";
    p.user = {{"k", "v"}};
    for (auto v : all_versions) {
        auto back = round_trip(p, v);
        EXPECT_EQ(back.server_reference.has_value(), is_v5(v));
        EXPECT_EQ(back.session_expiry_interval.has_value(), is_v5(v));
    }
}

TEST(auth, spec_bytes_and_round_trip) {
    auth_packet p;
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "F0 00");
    p.reason = reason_code::continue_authentication;
    p.authentication_method = "M";
    p.authentication_data = "D";
    EXPECT_EQ(to_hex(encoded(p, protocol_version::v5)), "F0 0A 18 08 15 00 01 4D 16 00 01 44");
    p.reason_string = "more";
    p.user = {{"a", "b"}};
    auto back = round_trip(p, protocol_version::v5);
    EXPECT_EQ(back.reason, reason_code::continue_authentication);
    EXPECT_EQ(back.authentication_method, "M");
    EXPECT_EQ(back.authentication_data, "D");
    EXPECT_EQ(back.reason_string, "more");
    EXPECT_EQ(back.user, p.user);
    EXPECT_EQ(decode_error(hex("F0 00"), protocol_version::v3_1_1), reason_code::malformed_packet);
}

}  // namespace
}  // namespace emqd::codec::test
