// In-process broker tests over real loopback sockets, with two shards so that deliveries
// and takeovers cross threads. The kernel spreads connections over the shards
// (SO_REUSEPORT), so each scenario is repeated enough to exercise both directions.

#include "broker/broker.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "broker/test/test_client.h"

namespace emqd::broker {
namespace {

using codec::protocol_version;
using test::test_client;

class broker_test : public ::testing::Test {
protected:
    void SetUp() override {
        broker_config cfg;
        cfg.shards = 2;
        cfg.shared_strategy = router::shared_strategy::round_robin;
        cfg.listeners.push_back({"external", "127.0.0.1", 0, 1000});
        _broker = std::make_unique<broker>(cfg);
        _broker->start();
        _port = _broker->listener_ports().at(0);
    }
    void TearDown() override { _broker->stop(); }

    codec::suback_packet subscribe(test_client& c, const std::string& filter, std::uint8_t qos) {
        codec::subscribe_packet s;
        s.packet_id = 1;
        s.topics.push_back({filter, qos});
        c.send(s);
        return c.expect<codec::suback_packet>();
    }

    std::unique_ptr<broker> _broker;
    std::uint16_t _port = 0;
};

TEST_F(broker_test, fan_out_reaches_subscribers_on_every_shard) {
    std::vector<std::unique_ptr<test_client>> subs;
    for (int i = 0; i < 8; ++i) {
        subs.push_back(std::make_unique<test_client>(_port, protocol_version::v3_1_1));
        ASSERT_EQ(subs.back()->connect("sub" + std::to_string(i)).reason,
                  core::reason_code::success);
        ASSERT_EQ(subscribe(*subs.back(), "fan/+", 1).reasons.at(0),
                  core::reason_code::granted_qos_1);
    }
    test_client pub(_port, protocol_version::v3_1_1);
    pub.connect("pub");
    codec::publish_packet p;
    p.topic = "fan/out";
    p.payload = "hello";
    pub.send(p);
    for (auto& s : subs) {
        auto got = s->expect<codec::publish_packet>();
        EXPECT_EQ(got.topic, "fan/out");
        EXPECT_EQ(got.payload, "hello");
        EXPECT_EQ(got.qos, 0);
    }
}

TEST_F(broker_test, takeover_resumes_session_across_shards) {
    for (int round = 0; round < 6; ++round) {
        const std::string id = "taker" + std::to_string(round);
        auto first = std::make_unique<test_client>(_port, protocol_version::v5);
        ASSERT_FALSE(first->connect(id, false, 300).session_present);
        subscribe(*first, "take/" + id, 1);

        test_client second(_port, protocol_version::v5);
        auto ack = second.connect(id, false, 300);
        EXPECT_TRUE(ack.session_present) << "round " << round;
        auto d = first->expect<codec::disconnect_packet>();
        EXPECT_EQ(d.reason, core::reason_code::session_taken_over);

        // The subscription moved with the session.
        test_client pub(_port, protocol_version::v5);
        pub.connect("pub" + id);
        const std::string topic = "take/" + id;
        codec::publish_packet p;
        p.topic = topic;
        p.payload = "x";
        p.qos = 1;
        p.packet_id = 7;
        pub.send(p);
        pub.expect<codec::ack_packet>();
        auto got = second.expect<codec::publish_packet>();
        EXPECT_EQ(got.topic, "take/" + id);
        EXPECT_EQ(got.qos, 1);
    }
}

TEST_F(broker_test, offline_messages_wait_for_a_persistent_session) {
    {
        test_client c(_port, protocol_version::v3_1_1);
        c.connect("sleeper", false);
        subscribe(c, "mail/box", 1);
        codec::disconnect_packet d;
        c.send(d);
    }
    test_client pub(_port, protocol_version::v3_1_1);
    pub.connect("postman");
    for (int i = 0; i < 3; ++i) {
        codec::publish_packet p;
        p.topic = "mail/box";
        std::string payload = "letter" + std::to_string(i);
        p.payload = payload;
        p.qos = 1;
        p.packet_id = static_cast<std::uint16_t>(i + 1);
        pub.send(p);
        pub.expect<codec::ack_packet>();
    }
    test_client back(_port, protocol_version::v3_1_1);
    EXPECT_TRUE(back.connect("sleeper", false).session_present);
    for (int i = 0; i < 3; ++i) {
        auto got = back.expect<codec::publish_packet>();
        EXPECT_EQ(got.payload, "letter" + std::to_string(i));
    }
}

TEST_F(broker_test, a_client_closing_in_the_middle_of_a_burst_is_cleaned_up) {
    // More than one read turn of data, then EOF: the connection is retired while the shard
    // resumes its reads at the end of a turn (run under ASan by make test).
    test_client sub(_port, protocol_version::v3_1_1);
    sub.connect("burst-watch");
    subscribe(sub, "burst/#", 0);
    for (int round = 0; round < 5; ++round) {
        auto c = std::make_unique<test_client>(_port, protocol_version::v3_1_1);
        codec::connect_packet cp;
        cp.client_id = "burst" + std::to_string(round);
        std::string bytes;
        codec::encode(cp, bytes);
        const std::string payload(1000, 'x');
        codec::publish_packet p;
        p.topic = "burst/t";
        p.payload = payload;
        for (int i = 0; i < 200; ++i)
            codec::encode(p, protocol_version::v3_1_1, bytes);
        c->send_raw(bytes);
        c.reset();  // close right away
    }
    // The broker is still serving: the watcher receives publishes and answers pings.
    auto got = sub.expect<codec::publish_packet>();
    EXPECT_EQ(got.topic, "burst/t");
    test_client probe(_port, protocol_version::v3_1_1);
    EXPECT_EQ(probe.connect("probe").reason, core::reason_code::success);
}

TEST_F(broker_test, shared_messages_of_a_closed_member_go_to_another_on_any_shard) {
    // Round robin gives member A every other message; A acknowledges none and goes away.
    // B must then get A's messages too, each once. Repeated with fresh connections, so the
    // redispatch runs both within a shard and across shards.
    for (int round = 0; round < 8; ++round) {
        const std::string topic = "r/" + std::to_string(round);
        auto a = std::make_unique<test_client>(_port, protocol_version::v3_1_1);
        test_client b(_port, protocol_version::v3_1_1);
        a->connect("a" + std::to_string(round));
        b.connect("b" + std::to_string(round));
        ASSERT_EQ(subscribe(*a, "$share/g/" + topic, 1).reasons.at(0),
                  core::reason_code::granted_qos_1);
        ASSERT_EQ(subscribe(b, "$share/g/" + topic, 1).reasons.at(0),
                  core::reason_code::granted_qos_1);
        test_client pub(_port, protocol_version::v3_1_1);
        pub.connect("p" + std::to_string(round));
        for (std::uint16_t i = 1; i <= 4; ++i) {
            const std::string payload = "m" + std::to_string(i);
            codec::publish_packet p;
            p.topic = topic;
            p.payload = payload;
            p.qos = 1;
            p.packet_id = i;
            pub.send(p);
            pub.expect<codec::ack_packet>();
        }
        EXPECT_EQ(a->expect<codec::publish_packet>().qos, 1);
        EXPECT_EQ(a->expect<codec::publish_packet>().qos, 1);
        a.reset();  // closed with both unacknowledged
        std::multiset<std::string> got;
        for (int i = 0; i < 4; ++i) {
            auto m = b.expect<codec::publish_packet>();
            got.insert(std::string(m.payload));
            codec::ack_packet ack;
            ack.type = codec::packet_type::puback;
            ack.packet_id = m.packet_id;
            b.send(ack);
        }
        EXPECT_EQ(got, (std::multiset<std::string>{"m1", "m2", "m3", "m4"})) << round;
    }
}

TEST_F(broker_test, graceful_stop_tells_v5_clients) {
    test_client c(_port, protocol_version::v5);
    c.connect("stayer");
    _broker->stop();
    auto d = c.expect<codec::disconnect_packet>();
    EXPECT_EQ(d.reason, core::reason_code::server_shutting_down);
    EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace emqd::broker
