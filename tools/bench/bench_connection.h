#pragma once
// One emqd-bench connection: a tcp_client plus what its role needs.
//
//   conn        connects and holds;
//   subscriber  connects, subscribes to its filters, then checks every message it gets: the
//               stamp gives latency and (publisher, sequence) for out-of-order counting,
//               and a closed loop credits the publisher;
//   publisher   connects, then publishes stamped messages while its worker is in the load
//               phase, as allowed by: -L, the client's QoS window, the output backlog (the
//               socket takes what it can; on_writable() resumes), and in a closed loop the
//               end-to-end window (resumed by the credit). Paced runs let the worker's pacer
//               decide when (worker.h).
//
// THREADING WARNING: belongs to its worker's thread; only publisher_slot is shared.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_context.h"
#include "client/tcp_client.h"
#include "sequence_tracker.h"

namespace emqd::bench {

class worker;

class bench_connection final : public client::client_handler {
public:
    enum class role : std::uint8_t { conn, subscriber, publisher };
    enum class phase : std::uint8_t { idle, connecting, subscribing, ready, closed };

    /// `index`: within its role (publisher index = the stamp's publisher field).
    bench_connection(worker& w, bench_context& ctx, role r, std::uint32_t index,
                     client::tcp_endpoint ep);

    void connect(std::chrono::steady_clock::time_point now);
    void tick(std::chrono::steady_clock::time_point now);
    /// Ends the connection without waiting (CONNACK timeout): counts as a failure.
    void abandon(const char* why);
    void disconnect();

    role kind() const { return _role; }
    phase state() const { return _phase; }
    std::chrono::steady_clock::time_point connect_started() const { return _started; }

    // publisher
    /// Publishes while allowed (unpaced runs). Safe to call any time.
    void pump();
    /// Whether one more message may go now (everything but pacing).
    bool can_send();
    /// Publishes one message; false if the client refused it.
    bool send_one();
    bool done() const { return _done; }

    // client_handler
    void on_connack(const codec::connack_packet& p) override;
    void on_message(const codec::publish_packet& p) override;
    void on_suback(const codec::suback_packet& p) override;
    void on_publish_done(std::uint16_t packet_id, core::reason_code reason) override;
    void on_writable() override;
    void on_closed(const core::error& why) override;

private:
    client::client& proto() { return _tcp->protocol(); }
    /// Closed loop: true while fewer than the window's deliveries are outstanding; when
    /// not, marks the slot blocked so that the next credit wakes this publisher.
    bool window_open();
    void settle(bool ok, const char* why);

    worker& _w;
    bench_context& _ctx;
    std::unique_ptr<client::tcp_client> _tcp;
    client::tcp_endpoint _ep;
    std::chrono::steady_clock::time_point _started{};
    std::uint32_t _index;
    role _role;
    phase _phase = phase::idle;
    bool _done = false;  // publisher: -L reached
    // publisher
    std::string _topic;                // template shape: the topic; seed shape: the prefix
    std::uint64_t _seq = 0;            // next sequence number
    std::uint64_t _sent_copies = 0;    // deliveries owed by the sent messages (fan-out)
    std::uint64_t _window_copies = 0;  // closed loop: at most this many outstanding; 0 = off
    std::uint32_t _fanout = 0;         // template shape: copies per message
    publisher_slot* _slot = nullptr;
    // subscriber
    sequence_tracker _seen;
};

}  // namespace emqd::bench
