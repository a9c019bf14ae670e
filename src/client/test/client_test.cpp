// client: scripted server bytes in, exact client bytes out (style.md §7.1: no sockets, no
// sleeps). fake_io records the output and close requests; recorder records every event.

#include "client/client.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "codec/test/test_util.h"

namespace emqd::client {
namespace {

using codec::protocol_version;
using codec::test::hex;
using codec::test::to_hex;
using core::reason_code;
using namespace std::chrono_literals;

const client::clock::time_point t0 = client::clock::time_point{} + std::chrono::hours(1);

struct fake_io final : client_io {
    int outputs = 0;  // on_output() calls
    bool closed = false;
    void on_output() override { ++outputs; }
    void on_close() override { closed = true; }
};

struct recorder final : client_handler {
    std::vector<std::string> events;
    std::vector<std::string> payloads;
    client* self = nullptr;
    bool publish_on_connack = false;

    void on_connack(const codec::connack_packet& p) override {
        events.push_back("connack " + std::to_string(core::to_byte(p.reason)));
        if (publish_on_connack)
            self->publish("t", "from-callback", 0);
    }
    void on_message(const codec::publish_packet& p) override {
        events.push_back("message " + std::string(p.topic) + " q" + std::to_string(p.qos));
        payloads.emplace_back(p.payload);
    }
    void on_suback(const codec::suback_packet& p) override {
        events.push_back("suback " + std::to_string(p.packet_id) + " " +
                         std::to_string(core::to_byte(p.reasons.at(0))));
    }
    void on_unsuback(const codec::unsuback_packet& p) override {
        events.push_back("unsuback " + std::to_string(p.packet_id));
    }
    void on_publish_done(std::uint16_t id, reason_code r) override {
        events.push_back("done " + std::to_string(id) + " " + std::to_string(core::to_byte(r)));
    }
    void on_writable() override { events.push_back("writable"); }
    void on_closed(const core::error& why) override {
        events.push_back("closed " + std::to_string(core::to_byte(why.code)));
    }
};

class client_test : public ::testing::Test {
protected:
    void open(protocol_version v = protocol_version::v3_1_1, std::uint16_t max_inflight = 16) {
        client_options o;
        o.version = v;
        o.client_id = "c1";
        o.keep_alive = 10;
        o.max_inflight = max_inflight;
        c = std::make_unique<client>(o, h, io);
        h.self = c.get();
        c->start(t0);
    }
    /// Feeds the server's bytes (hex) in one read.
    void feed(std::string_view hex_bytes) {
        const std::string b = hex(hex_bytes);
        auto space = c->read_buffer(b.size());
        std::memcpy(space.data(), b.data(), b.size());
        c->on_read(b.size());
    }
    /// What the client queued since the last call, as hex.
    std::string out() {
        std::string buf;
        c->swap_output(buf);
        return to_hex(buf);
    }
    void connect(protocol_version v = protocol_version::v3_1_1, std::uint16_t max_inflight = 16) {
        open(v, max_inflight);
        (void)out();
        feed(codec::is_v5(v) ? "20 03 00 00 00" : "20 02 00 00");
        h.events.clear();
    }

    fake_io io;
    recorder h;
    std::unique_ptr<client> c;
};

TEST_F(client_test, start_queues_connect_and_connack_connects) {
    open();
    EXPECT_EQ(io.outputs, 1);
    EXPECT_EQ(out(), to_hex(hex("10 0E 00 04 4D 51 54 54 04 02 00 0A 00 02 63 31")));
    EXPECT_EQ(c->current_state(), client::state::connecting);
    EXPECT_FALSE(c->publish("t", "x", 0));  // not before CONNACK
    feed("20 02 00 00");
    EXPECT_TRUE(c->connected());
    EXPECT_EQ(h.events, std::vector<std::string>{"connack 0"});
}

TEST_F(client_test, v31_connect_says_mqisdp) {
    open(protocol_version::v3_1);
    EXPECT_EQ(out(), to_hex(hex("10 10 00 06 4D 51 49 73 64 70 03 02 00 0A 00 02 63 31")));
}

TEST_F(client_test, refused_connack_reports_the_reason_and_closes) {
    open();
    feed("20 02 00 05");  // 3.1.1: not authorized
    EXPECT_EQ(h.events, (std::vector<std::string>{"connack 135", "closed 135"}));
    EXPECT_TRUE(c->closed());
    EXPECT_TRUE(io.closed);
}

TEST_F(client_test, callbacks_may_publish) {
    open();
    h.publish_on_connack = true;
    (void)out();
    feed("20 02 00 00");
    EXPECT_EQ(out(), to_hex(hex("30 10 00 01 74") + "from-callback"));
}

TEST_F(client_test, subscribe_and_suback) {
    connect();
    const codec::subscription_request reqs[] = {{"a/#", 1}};
    auto id = c->subscribe(reqs);
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, 1);
    EXPECT_EQ(out(), to_hex(hex("82 08 00 01 00 03 61 2F 23 01")));
    feed("90 03 00 01 01");
    EXPECT_EQ(h.events, std::vector<std::string>{"suback 1 1"});
    EXPECT_EQ(c->inflight(), 0u);
    const std::string filters[] = {"a/#"};
    EXPECT_EQ(c->unsubscribe(filters), 2);
    EXPECT_EQ(out(), to_hex(hex("A2 07 00 02 00 03 61 2F 23")));
    feed("B0 02 00 02");
    EXPECT_EQ(h.events.back(), "unsuback 2");
}

TEST_F(client_test, publish_qos0_and_qos1_with_puback) {
    connect();
    EXPECT_EQ(c->publish("a/b", "hi", 0), 0);
    EXPECT_EQ(c->publish("a/b", "hi", 1), 1);
    EXPECT_EQ(out(), to_hex(hex("30 07 00 03 61 2F 62 68 69 32 09 00 03 61 2F 62 00 01 68 69")));
    EXPECT_EQ(c->inflight(), 1u);
    feed("40 02 00 01");
    EXPECT_EQ(h.events, std::vector<std::string>{"done 1 0"});
    EXPECT_EQ(c->inflight(), 0u);
}

TEST_F(client_test, publish_qos2_flow) {
    connect();
    EXPECT_EQ(c->publish("t", "", 2), 1);
    EXPECT_EQ(out(), to_hex(hex("34 05 00 01 74 00 01")));
    feed("50 02 00 01");                           // PUBREC
    EXPECT_EQ(out(), to_hex(hex("62 02 00 01")));  // PUBREL
    EXPECT_TRUE(h.events.empty());
    feed("70 02 00 01");  // PUBCOMP
    EXPECT_EQ(h.events, std::vector<std::string>{"done 1 0"});
    EXPECT_EQ(c->inflight(), 0u);
}

TEST_F(client_test, v5_pubrec_error_ends_the_flow) {
    connect(protocol_version::v5);
    EXPECT_EQ(c->publish("t", "", 2), 1);
    (void)out();
    feed("50 03 00 01 87");  // PUBREC not authorized: no PUBREL
    EXPECT_EQ(out(), "");
    EXPECT_EQ(h.events, std::vector<std::string>{"done 1 135"});
}

TEST_F(client_test, window_limits_publishes_and_acks_may_come_out_of_order) {
    connect(protocol_version::v3_1_1, 2);
    EXPECT_EQ(c->publish("t", "1", 1), 1);
    EXPECT_EQ(c->publish("t", "2", 1), 2);
    EXPECT_TRUE(c->window_full());
    EXPECT_FALSE(c->publish("t", "3", 1));   // refused, nothing queued
    EXPECT_EQ(c->publish("t", "q0", 0), 0);  // QoS 0 needs no packet id
    (void)out();
    feed("40 02 00 02 40 02 00 01");
    EXPECT_EQ(h.events, (std::vector<std::string>{"done 2 0", "done 1 0"}));
    EXPECT_EQ(c->publish("t", "3", 1), 3);
}

TEST_F(client_test, v5_receive_maximum_lowers_the_window) {
    open(protocol_version::v5);
    feed("20 06 00 00 03 21 00 01");  // Receive Maximum 1
    EXPECT_EQ(c->publish("t", "1", 1), 1);
    EXPECT_TRUE(c->window_full());
    EXPECT_FALSE(c->publish("t", "2", 1));
}

TEST_F(client_test, inbound_qos1_is_delivered_and_acked) {
    connect();
    feed("32 08 00 01 74 00 07 61 62 63");
    EXPECT_EQ(h.events, std::vector<std::string>{"message t q1"});
    EXPECT_EQ(h.payloads.back(), "abc");
    EXPECT_EQ(out(), to_hex(hex("40 02 00 07")));
}

TEST_F(client_test, inbound_qos2_is_delivered_once) {
    connect();
    feed("34 06 00 01 74 00 09 78");
    EXPECT_EQ(out(), to_hex(hex("50 02 00 09")));
    feed("3C 06 00 01 74 00 09 78");  // resent with DUP before PUBREL
    EXPECT_EQ(out(), to_hex(hex("50 02 00 09")));
    feed("62 02 00 09");
    EXPECT_EQ(out(), to_hex(hex("70 02 00 09")));
    EXPECT_EQ(h.events, std::vector<std::string>{"message t q2"});
    feed("34 06 00 01 74 00 09 79");  // id 9 again after release: a new message
    EXPECT_EQ(h.events.size(), 2u);
}

TEST_F(client_test, bytes_split_anywhere_give_the_same_packets) {
    connect();
    const std::string msgs = hex("30 04 00 01 74 31 30 04 00 01 74 32");
    for (char ch : msgs) {
        auto space = c->read_buffer(1);
        space[0] = static_cast<std::uint8_t>(ch);
        c->on_read(1);
    }
    EXPECT_EQ(h.payloads, (std::vector<std::string>{"1", "2"}));
}

TEST_F(client_test, packet_before_connack_is_a_protocol_error) {
    open();
    feed("30 04 00 01 74 31");
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 130"});
    EXPECT_TRUE(io.closed);
    EXPECT_TRUE(c->closed());
}

TEST_F(client_test, ack_for_nothing_in_flight_is_a_protocol_error) {
    connect();
    feed("40 02 00 05");
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 130"});
}

TEST_F(client_test, v5_malformed_packet_gets_disconnect_0x81) {
    connect(protocol_version::v5);
    feed("36 04 00 01 74 31");  // QoS 3
    EXPECT_EQ(out(), to_hex(hex("E0 01 81")));
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 129"});
}

TEST_F(client_test, server_disconnect_reports_its_reason) {
    connect(protocol_version::v5);
    feed("E0 01 8B");
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 139"});
    EXPECT_TRUE(io.closed);
    EXPECT_EQ(out(), "");  // nothing sent back
}

TEST_F(client_test, keep_alive_pings_then_times_out) {
    connect();  // keep alive 10 s
    c->on_tick(t0 + 9s);
    EXPECT_EQ(out(), "");
    c->on_tick(t0 + 10s);
    EXPECT_EQ(out(), to_hex(hex("C0 00")));
    feed("D0 00");  // PINGRESP
    c->on_tick(t0 + 19s);
    EXPECT_EQ(out(), "");
    c->on_tick(t0 + 20s);
    EXPECT_EQ(out(), to_hex(hex("C0 00")));
    c->on_tick(t0 + 30s);  // no PINGRESP within the keep alive
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 141"});
    EXPECT_TRUE(io.closed);
}

TEST_F(client_test, sending_postpones_the_ping) {
    connect();
    c->on_tick(t0 + 5s);
    c->publish("t", "x", 0);
    c->on_tick(t0 + 6s);  // the publish is timed here, by the next tick
    (void)out();
    c->on_tick(t0 + 15s);
    EXPECT_EQ(out(), "");
    c->on_tick(t0 + 16s);
    EXPECT_EQ(out(), to_hex(hex("C0 00")));
}

TEST_F(client_test, disconnect_sends_disconnect_and_reports_success) {
    connect();
    c->disconnect();
    EXPECT_EQ(out(), to_hex(hex("E0 00")));
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 0"});
    EXPECT_TRUE(io.closed);
    EXPECT_FALSE(c->publish("t", "x", 0));
    c->on_socket_closed("late");  // no second on_closed
    EXPECT_EQ(h.events.size(), 1u);
}

TEST_F(client_test, socket_end_reports_unspecified_error) {
    connect();
    c->on_socket_closed("connection reset");
    EXPECT_EQ(h.events, std::vector<std::string>{"closed 128"});
    EXPECT_FALSE(io.closed);  // the binding closed it already
}

TEST_F(client_test, written_output_makes_it_writable) {
    connect();
    c->publish("t", "x", 0);
    c->on_written();  // the binding has not taken the new output yet
    EXPECT_TRUE(h.events.empty());
    (void)out();
    c->on_written();
    EXPECT_EQ(h.events, std::vector<std::string>{"writable"});
}

TEST_F(client_test, output_notifies_once_per_empty_to_pending) {
    connect();
    io.outputs = 0;
    c->publish("t", "1", 0);
    c->publish("t", "2", 0);
    EXPECT_EQ(io.outputs, 1);
    (void)out();
    c->publish("t", "3", 0);
    EXPECT_EQ(io.outputs, 2);
}

}  // namespace
}  // namespace emqd::client
