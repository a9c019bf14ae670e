// What a v5 client learns and asks for at CONNECT: the capabilities CONNACK announces (only
// what differs from the spec's defaults), Response Information, Reason Strings and Request
// Problem Information under the client's Maximum Packet Size, and maintenance redirection.

#include "channel/test/channel_fixture.h"

namespace emqd::channel::test {
namespace {

constexpr protocol_version v311 = protocol_version::v3_1_1;
constexpr protocol_version v5 = protocol_version::v5;

TEST_F(channel_test, v5_connack_leaves_out_what_equals_the_defaults) {
    cfg.max_packet_size = 268435455;       // the protocol's limit
    cfg.session.max_awaiting_rel = 65535;  // Receive Maximum 65535
    conn& c = open();
    c.feed(wire(connect_packet(v5, "c"), v5), at(0));
    // Only Topic Alias Maximum 65535 remains.
    EXPECT_EQ(c.take(), "20 06 00 00 03 22 FF FF");
}

TEST_F(channel_test, v5_response_information_only_when_asked_and_configured) {
    cfg.response_information = "replies/%c/";
    auto asks = connect_packet(v5, "c1");
    asks.props.request_response_information = 1;
    conn& a = open();
    a.feed(wire(asks, v5), at(0));
    codec::connack_packet expected;
    expected.props.receive_maximum = 100;
    expected.props.maximum_packet_size = 1024 * 1024;
    expected.props.topic_alias_maximum = 65535;
    expected.props.response_information = "replies/c1/";
    EXPECT_EQ(a.take(), to_hex(wire(expected, v5)));

    conn& quiet = open();  // did not ask
    quiet.feed(wire(connect_packet(v5, "c2"), v5), at(0));
    EXPECT_EQ(quiet.take(), "20 0E 00 00 0B 21 00 64 27 00 10 00 00 22 FF FF");

    cfg.response_information.clear();  // asked, nothing configured: nothing sent
    asks.client_id = "c3";
    conn& none = open();
    none.feed(wire(asks, v5), at(0));
    EXPECT_EQ(none.take(), "20 0E 00 00 0B 21 00 64 27 00 10 00 00 22 FF FF");
}

TEST_F(channel_test, v5_request_problem_information_0_silences_acks_not_disconnect) {
    auto p = connect_packet(v5, "c");
    p.props.request_problem_information = 0;
    conn& c = connected(p);
    c.feed_hex("62 02 00 07", at(1));  // PUBREL for an unknown id
    EXPECT_EQ(c.take(), "70 03 00 07 92");
    codec::subscribe_packet s;
    s.packet_id = 1;
    s.topics.resize(1);
    s.topics[0].filter = "a/#/b";
    c.feed(wire(s, v5), at(1));
    EXPECT_EQ(c.take(), "90 04 00 01 00 8F");
    c.feed_hex("30 08 00 00 03 23 00 09 68 69", at(2));  // unknown topic alias
    EXPECT_EQ(c.take(), with_reason(0xE0, "82", "unknown topic alias"));
}

TEST_F(channel_test, v5_reason_string_is_dropped_past_the_client_maximum_packet_size) {
    auto p = connect_packet(v5, "c");
    p.props.maximum_packet_size = 24;
    conn& c = connected(p);
    c.feed_hex("62 02 00 07", at(1));  // PUBCOMP with its reason string would be 48 bytes
    EXPECT_EQ(c.take(), "70 03 00 07 92");
    c.feed_hex("30 08 00 00 03 23 00 09 68 69", at(2));
    EXPECT_EQ(c.take(), "E0 01 82");

    // A refused CONNECT honours the size too: 0x85 without its reason string.
    cfg.max_clientid_len = 23;
    auto refused = connect_packet(v5, std::string(30, 'x'));
    refused.props.maximum_packet_size = 8;
    conn& r = open();
    r.feed(wire(refused, v5), at(3));
    EXPECT_EQ(r.take(), "20 03 00 85 00");
}

TEST_F(channel_test, redirect_refuses_every_connect_with_the_server_reference) {
    cfg.redirect_to = "other:1883";
    conn& c5 = open();
    c5.feed(wire(connect_packet(v5, "c5"), v5), at(0));
    codec::connack_packet temporary;
    temporary.reason = reason_code::use_another_server;
    temporary.props.reason_string = "use another server";
    temporary.props.server_reference = "other:1883";
    EXPECT_EQ(c5.take(), to_hex(wire(temporary, v5)));
    EXPECT_TRUE(c5.io.closed);

    conn& c3 = open();
    c3.feed(wire(connect_packet(v311, "c3"), v311), at(0));
    EXPECT_EQ(c3.take(), "20 02 00 03");  // Server unavailable
    EXPECT_TRUE(c3.io.closed);

    cfg.redirect_permanent = true;
    conn& moved = open();
    moved.feed(wire(connect_packet(v5, "m"), v5), at(0));
    codec::connack_packet permanent;
    permanent.reason = reason_code::server_moved;
    permanent.props.reason_string = "server moved";
    permanent.props.server_reference = "other:1883";
    EXPECT_EQ(moved.take(), to_hex(wire(permanent, v5)));
    EXPECT_TRUE(broker.requests.empty());  // no session was opened
}

}  // namespace
}  // namespace emqd::channel::test
