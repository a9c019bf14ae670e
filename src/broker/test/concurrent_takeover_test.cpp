// Two CONNECTs claiming one persistent session in the same event-loop batch: the second
// claim reaches the first while that one is still pending (shard_sessions.cpp, "if a third
// connection claims the id while B is still pending"). To make the batch deterministic the
// test runs a one-shard broker built by hand and holds its thread while the clients send,
// so the shard's next poll sees both CONNECTs at once.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "broker/broker_context.h"
#include "broker/shard.h"
#include "broker/test/test_client.h"

namespace emqd::broker {
namespace {

using codec::protocol_version;
using test::test_client;

class concurrent_takeover_test : public ::testing::Test {
protected:
    void SetUp() override {
        _ctx.listeners.push_back(
            std::make_unique<listener_state>(listener_spec{"external", "127.0.0.1", 0, 1000}));
        _ctx.shards.push_back(std::make_unique<shard>(0, _ctx));
        _ctx.shards[0]->open_listeners();
        _port = _ctx.listeners[0]->bound_port;
        _thread = std::thread([this] { _ctx.shards[0]->run(); });
    }
    void TearDown() override {
        _ctx.shards[0]->stop();
        _thread.join();
        _ctx.shards.clear();  // sessions unsubscribe from the router: before it goes
    }

    /// Waits until the shard has accepted `n` connections, so that their sockets are
    /// watched before anything is sent on them.
    void wait_accepted(std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (_ctx.listeners[0]->connections() < n) {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "not accepted";
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    /// Runs `send` while the shard's thread is held in a task of its own: what `send`
    /// writes is handled in the shard's next batch.
    template <class F>
    void while_shard_held(F send) {
        std::promise<void> held, release;
        boost::asio::post(_ctx.shards[0]->io(), [&held, done = release.get_future()] {
            held.set_value();
            done.wait();
        });
        held.get_future().wait();
        send();
        release.set_value();
    }

    static codec::publish_packet qos1(std::string_view topic, std::string_view payload,
                                      std::uint16_t id) {
        codec::publish_packet p;
        p.topic = topic;
        p.payload = payload;
        p.qos = 1;
        p.packet_id = id;
        return p;
    }

    broker_context _ctx{broker_config{}};
    std::uint16_t _port = 0;
    std::thread _thread;
};

TEST_F(concurrent_takeover_test, the_newest_claim_wins_and_keeps_the_session) {
    const auto v = protocol_version::v3_1_1;
    test_client owner(_port, v);
    ASSERT_FALSE(owner.connect("dup", false).session_present);
    codec::subscribe_packet sub;
    sub.packet_id = 1;
    sub.topics.push_back({"dup/t", 1});
    owner.send(sub);
    owner.expect<codec::suback_packet>();
    // A message in flight to the owner (never acknowledged): it must follow the session.
    test_client pub(_port, v);
    pub.connect("dup-pub");
    pub.send(qos1("dup/t", "before", 1));
    pub.expect<codec::ack_packet>();
    const auto first = owner.expect<codec::publish_packet>();

    test_client a(_port, v), b(_port, v);
    wait_accepted(4);
    codec::connect_packet c;
    c.version = v;
    c.client_id = "dup";
    c.clean_start = false;
    c.keep_alive = 60;
    while_shard_held([&] {
        a.send(c);
        b.send(c);
    });

    // Both claims were made before either was served: the first is closed unanswered (a
    // 3.1.1 CONNACK has no code for "taken over"), the second gets the session.
    auto ra = a.receive();
    auto rb = b.receive();
    ASSERT_NE(ra.has_value(), rb.has_value()) << "exactly one of the two must be answered";
    test_client& winner = ra ? a : b;
    test_client& loser = ra ? b : a;
    EXPECT_TRUE(loser.closed_by_peer());
    const auto& answer = ra ? *ra : *rb;
    ASSERT_TRUE(std::holds_alternative<codec::connack_packet>(answer));
    const auto& ack = std::get<codec::connack_packet>(answer);
    EXPECT_EQ(ack.reason, core::reason_code::success);
    EXPECT_TRUE(ack.session_present);
    EXPECT_TRUE(owner.closed_by_peer());

    // The session moved twice and is whole: the unacknowledged message is resent, then
    // the subscription routes new messages to the winner.
    const auto again = winner.expect<codec::publish_packet>();
    EXPECT_EQ(again.payload, "before");
    EXPECT_TRUE(again.dup);
    EXPECT_EQ(again.packet_id, first.packet_id);
    pub.send(qos1("dup/t", "after", 2));
    pub.expect<codec::ack_packet>();
    const auto next = winner.expect<codec::publish_packet>();
    EXPECT_EQ(next.payload, "after");
    EXPECT_FALSE(next.dup);
    winner.send(codec::pingreq_packet{});
    winner.expect<codec::pingresp_packet>();
}

}  // namespace
}  // namespace emqd::broker
