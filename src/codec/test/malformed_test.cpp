// A table of invalid packets and the reason code decode() must report for each, in 3.1.1
// and 5.0. Each entry is written as "HEADER | BODY"; the Remaining Length is computed.

#include <gtest/gtest.h>

#include "codec/test/test_util.h"

namespace emqd::codec::test {
namespace {

using core::reason_code;
constexpr auto v4 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

struct bad_case {
    const char* name;
    protocol_version version;
    const char* packet;  // "30 | 00 01 61"
    reason_code expected;
};

constexpr reason_code k_malformed = reason_code::malformed_packet;
constexpr reason_code k_protocol = reason_code::protocol_error;
constexpr reason_code k_topic = reason_code::topic_name_invalid;
constexpr reason_code k_version = reason_code::unsupported_protocol_version;

// "MQTT" 4, clean session, keep alive 60 / the same with level 5.
#define V4_HDR "00 04 4D 51 54 54 04 "
#define V5_HDR "00 04 4D 51 54 54 05 02 00 3C "

const bad_case k_cases[] = {
    // fixed header [MQTT-2.1.3-1], spec 2.1.2
    {"packet type 0", v4, "00 |", k_malformed},
    {"packet type 0 v5", v5, "00 |", k_malformed},
    {"CONNECT header flags", v4, "11 |" V4_HDR "02 00 3C 00 01 61", k_malformed},
    {"PUBREL flags 0", v4, "60 | 00 01", k_malformed},
    {"PUBREL flags 0 v5", v5, "60 | 00 01", k_malformed},
    {"SUBSCRIBE flags 0", v4, "80 | 00 01 00 01 61 00", k_malformed},
    {"UNSUBSCRIBE flags 0", v5, "A0 | 00 01 00 00 01 61", k_malformed},
    {"PUBACK flags 2", v4, "42 | 00 01", k_malformed},
    {"PINGREQ flags", v4, "C1 |", k_malformed},
    {"PINGREQ body", v5, "C0 | 00", k_malformed},
    {"DISCONNECT 3.1.1 body", v4, "E0 | 00", k_malformed},
    // PUBLISH
    {"PUBLISH QoS 3", v4, "36 | 00 01 61 00 01", k_malformed},
    {"PUBLISH QoS 3 v5", v5, "36 | 00 01 61 00 01 00", k_malformed},
    {"PUBLISH DUP on QoS 0", v4, "38 | 00 01 61", k_malformed},
    {"PUBLISH truncated topic", v4, "30 | 00 05 61", k_malformed},
    {"PUBLISH truncated packet id", v5, "32 | 00 01 61 00", k_malformed},
    {"PUBLISH '#' in topic", v4, "30 | 00 01 23", k_topic},
    {"PUBLISH '+' in topic v5", v5, "30 | 00 03 61 2F 2B 00", k_topic},
    {"PUBLISH empty topic 3.1.1", v4, "30 | 00 00", k_topic},
    {"PUBLISH empty topic v5 no alias", v5, "30 | 00 00 00", k_topic},
    {"PUBLISH packet id 0", v4, "32 | 00 01 61 00 00", k_protocol},
    {"PUBLISH overlong UTF-8", v4, "30 | 00 02 C0 80", k_malformed},
    {"PUBLISH U+0000 in topic", v5, "30 | 00 01 00 00", k_malformed},
    {"PUBLISH surrogate in topic", v4, "30 | 00 03 ED A0 80", k_malformed},
    {"PUBLISH truncated UTF-8", v4, "30 | 00 02 61 E2", k_malformed},
    // A topic that is not plain ASCII takes both exact checks: UTF-8, then the name rules.
    {"PUBLISH '#' after UTF-8 in topic", v4, "30 | 00 04 C3 A9 2F 23", k_topic},
    {"PUBLISH '+' before bad UTF-8", v5, "30 | 00 03 2B 2F C0 00", k_malformed},
    {"PUBLISH U+0000 after UTF-8", v4, "30 | 00 03 C3 A9 00", k_malformed},
    {"PUBLISH Topic Alias 0", v5, "30 | 00 01 61 03 23 00 00", reason_code::topic_alias_invalid},
    {"PUBLISH duplicate Topic Alias", v5, "30 | 00 01 61 06 23 00 01 23 00 02", k_protocol},
    {"PUBLISH Session Expiry not allowed", v5, "30 | 00 01 61 05 11 00 00 00 01", k_malformed},
    {"PUBLISH unknown property", v5, "30 | 00 01 61 02 05 00", k_malformed},
    {"PUBLISH property length too long", v5, "30 | 00 01 61 05 01", k_malformed},
    {"PUBLISH Subscription Identifier 0", v5, "30 | 00 01 61 02 0B 00", k_protocol},
    {"PUBLISH 5-byte VBI property", v5, "30 | 00 01 61 06 0B FF FF FF FF 01", k_malformed},
    {"PUBLISH Payload Format 2", v5, "30 | 00 01 61 02 01 02", k_protocol},
    {"PUBLISH duplicate Content Type", v5, "30 | 00 01 61 08 03 00 01 61 03 00 01 62", k_protocol},
    {"PUBLISH wildcard Response Topic", v5, "30 | 00 01 61 05 08 00 02 61 23", k_protocol},
    {"PUBLISH bad UTF-8 User Property", v5, "30 | 00 01 61 07 26 00 01 FF 00 01 61", k_malformed},
    // PUBACK .. PUBCOMP
    {"PUBACK packet id 0", v4, "40 | 00 00", k_protocol},
    {"PUBACK trailing bytes 3.1.1", v4, "40 | 00 01 00", k_malformed},
    {"PUBACK truncated", v5, "40 | 00", k_malformed},
    {"PUBACK reason 0x04", v5, "40 | 00 01 04", k_protocol},
    {"PUBACK Topic Alias not allowed", v5, "40 | 00 01 00 03 23 00 01", k_malformed},
    {"PUBREL reason 0x10", v5, "62 | 00 01 10", k_protocol},
    {"PUBCOMP duplicate Reason String", v5, "70 | 00 01 00 08 1F 00 01 61 1F 00 01 62", k_protocol},
    // SUBSCRIBE / UNSUBSCRIBE
    {"SUBSCRIBE no topic", v4, "82 | 00 01", k_protocol},
    {"SUBSCRIBE no topic v5", v5, "82 | 00 01 00", k_protocol},
    {"SUBSCRIBE packet id 0", v4, "82 | 00 00 00 01 61 00", k_protocol},
    {"SUBSCRIBE QoS 3", v4, "82 | 00 01 00 01 61 03", k_malformed},
    {"SUBSCRIBE reserved option bits 3.1.1", v4, "82 | 00 01 00 01 61 04", k_protocol},
    {"SUBSCRIBE Retain Handling 3", v5, "82 | 00 01 00 00 01 61 30", k_protocol},
    {"SUBSCRIBE reserved option bits v5", v5, "82 | 00 01 00 00 01 61 40", k_protocol},
    {"SUBSCRIBE No Local on shared", v5, "82 | 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04",
     k_protocol},
    {"SUBSCRIBE two Subscription Identifiers", v5, "82 | 00 01 04 0B 01 0B 02 00 01 61 00",
     k_protocol},
    {"SUBSCRIBE Subscription Identifier 0", v5, "82 | 00 01 02 0B 00 00 01 61 00", k_protocol},
    {"SUBSCRIBE missing options", v4, "82 | 00 01 00 01 61", k_malformed},
    {"SUBSCRIBE bad UTF-8 filter", v4, "82 | 00 01 00 01 FF 00", k_malformed},
    {"UNSUBSCRIBE no filter", v4, "A2 | 00 01", k_protocol},
    {"UNSUBSCRIBE packet id 0", v4, "A2 | 00 00 00 01 61", k_protocol},
    {"UNSUBSCRIBE Reason String not allowed", v5, "A2 | 00 01 04 1F 00 01 61 00 01 61",
     k_malformed},
    // CONNECT [MQTT-3.1.2-*]
    {"CONNECT reserved flag", v4, "10 |" V4_HDR "03 00 3C 00 01 61", k_malformed},
    {"CONNECT will QoS without will", v4, "10 |" V4_HDR "0A 00 3C 00 01 61", k_malformed},
    {"CONNECT will retain without will", v4, "10 |" V4_HDR "22 00 3C 00 01 61", k_malformed},
    {"CONNECT will QoS 3", v4, "10 |" V4_HDR "1E 00 3C 00 01 61", k_malformed},
    {"CONNECT password without user 3.1.1", v4, "10 |" V4_HDR "42 00 3C 00 01 61", k_malformed},
    {"CONNECT protocol name MQTX", v4, "10 | 00 04 4D 51 54 58 04 02 00 3C 00 01 61", k_version},
    {"CONNECT level 6", v5, "10 | 00 04 4D 51 54 54 06 02 00 3C 00 01 61", k_version},
    {"CONNECT MQIsdp level 4", v4, "10 | 00 06 4D 51 49 73 64 70 04 02 00 3C 00 01 61", k_version},
    {"CONNECT truncated", v4, "10 |" V4_HDR "02 00 3C", k_malformed},
    {"CONNECT trailing bytes", v4, "10 |" V4_HDR "02 00 3C 00 01 61 00", k_malformed},
    {"CONNECT bad UTF-8 client id", v4, "10 |" V4_HDR "02 00 3C 00 01 80", k_malformed},
    {"CONNECT truncated will", v4, "10 |" V4_HDR "06 00 3C 00 01 61 00 01 77", k_malformed},
    {"CONNECT Receive Maximum 0", v5, "10 |" V5_HDR "03 21 00 00 00 01 61", k_protocol},
    {"CONNECT Maximum Packet Size 0", v5, "10 |" V5_HDR "05 27 00 00 00 00 00 01 61", k_protocol},
    {"CONNECT Request Problem Information 2", v5, "10 |" V5_HDR "02 17 02 00 01 61", k_protocol},
    {"CONNECT Request Response Information 2", v5, "10 |" V5_HDR "02 19 02 00 01 61", k_protocol},
    {"CONNECT duplicate Session Expiry", v5,
     "10 |" V5_HDR "0A 11 00 00 00 01 11 00 00 00 02 00 01 61", k_protocol},
    {"CONNECT Authentication Data without Method", v5, "10 |" V5_HDR "04 16 00 01 61 00 01 61",
     k_protocol},
    {"CONNECT Topic Alias not allowed", v5, "10 |" V5_HDR "03 23 00 01 00 01 61", k_malformed},
    {"CONNECT Will Delay outside Will Properties", v5, "10 |" V5_HDR "05 18 00 00 00 01 00 01 61",
     k_malformed},
    // server -> client packets
    {"CONNACK reserved flags", v4, "20 | 02 00", k_malformed},
    {"CONNACK trailing 3.1.1", v4, "20 | 00 00 00", k_malformed},
    {"CONNACK return code 6", v4, "20 | 00 06", k_malformed},
    {"CONNACK reason 0x01", v5, "20 | 00 01 00", k_protocol},
    {"CONNACK v5 missing properties", v5, "20 | 00 00", k_malformed},
    {"SUBACK return code 3", v4, "90 | 00 01 03", k_malformed},
    {"SUBACK no return codes", v5, "90 | 00 01 00", k_protocol},
    {"UNSUBACK 3.1.1 with payload", v4, "B0 | 00 01 00", k_malformed},
    {"UNSUBACK reason 0x01", v5, "B0 | 00 01 00 01", k_protocol},
    {"DISCONNECT reason 0x05", v5, "E0 | 05", k_protocol},
    {"DISCONNECT Receive Maximum not allowed", v5, "E0 | 00 03 21 00 01", k_malformed},
    {"AUTH reason 0x01", v5, "F0 | 01", k_protocol},
    {"AUTH in 3.1.1", v4, "F0 |", k_malformed},
    {"AUTH data without method", v5, "F0 | 18 04 16 00 01 61", k_protocol},
};

std::string build(const char* spec) {
    const std::string_view s(spec);
    const auto bar = s.find('|');
    const std::string header = hex(s.substr(0, bar));
    const std::string body = hex(s.substr(bar + 1));
    std::string wire = header;
    std::uint32_t len = static_cast<std::uint32_t>(body.size());
    do {
        std::uint8_t b = len & 0x7F;
        len >>= 7;
        if (len)
            b |= 0x80;
        wire.push_back(static_cast<char>(b));
    } while (len);
    return wire + body;
}

TEST(malformed, table_has_enough_cases) {
    EXPECT_GE(std::size(k_cases), 40u);
}

TEST(malformed, every_case_reports_its_reason_code) {
    for (const bad_case& c : k_cases) {
        const std::string wire = build(c.packet);
        auto r = decode_wire(wire, c.version);
        if (r) {
            ADD_FAILURE() << c.name << ": decoded successfully";
            continue;
        }
        EXPECT_EQ(core::to_byte(r.err().code), core::to_byte(c.expected))
            << c.name << " (" << r.err().what << ")";
    }
}

TEST(malformed, every_truncation_of_valid_packets_fails_cleanly) {
    // Cutting a valid body anywhere must give an error value, never a crash.
    connect_packet c;
    c.version = v5;
    c.client_id = "id";
    c.username = "u";
    c.password = "p";
    c.will.emplace();
    c.will->topic = "w";
    c.will->props.content_type = "c";
    c.props.receive_maximum = 5;
    const std::string wire = encoded(c, v5);
    const frame full = frame_of(wire);
    for (std::size_t n = 0; n < full.body.size(); ++n) {
        frame f = full;
        f.body = full.body.first(n);
        EXPECT_FALSE(decode(f, v5)) << "prefix " << n;
    }
}

}  // namespace
}  // namespace emqd::codec::test
