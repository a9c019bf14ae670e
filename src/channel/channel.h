#pragma once
// The MQTT state machine of one connection (design.md "src/channel"): fed bytes, emits bytes
// and events, no sockets. It parses frames, validates each packet for the negotiated
// version, answers CONNECT, keeps the keepalive, drives the session's QoS flows, maps topic
// aliases, and turns every protocol violation into the right CONNACK or DISCONNECT reason
// code in one place before closing.
//
// Lifecycle: created by the broker when a socket is accepted; read_buffer()/on_read() as
// bytes arrive; on_tick() about once a second; on_socket_closed() when the socket ends.
//
// THREADING WARNING: a channel belongs to one shard; every call happens there.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "channel/broker_services.h"
#include "channel/channel_config.h"
#include "channel/connection_io.h"
#include "core/reason_code.h"
#include "session/session.h"

namespace emqd::channel {

using clock = std::chrono::steady_clock;

/// A refused connection (channel::refuse) must send its CONNECT within this long...
inline constexpr std::chrono::seconds k_refusal_timeout{3};
/// ... and that CONNECT may be at most this large (one read's worth).
inline constexpr std::uint32_t k_refusal_max_packet = 16 * 1024;

class channel final : public session::session_sink {
public:
    /// `cfg`, `broker` and `io` must outlive the channel (the zone config lives as long as
    /// the broker). `now` starts the CONNECT idle timeout.
    channel(const channel_config& cfg, broker_services& broker, connection_io& io,
            clock::time_point now);
    ~channel() override;

    /// This connection is past a listener limit (max_connections): read its CONNECT only to
    /// learn how to answer, then answer CONNACK with `reason` (3.x: its return code) and
    /// close. No session is opened. The CONNECT must come within k_refusal_timeout and be
    /// at most k_refusal_max_packet bytes, else the connection closes without an answer:
    /// a refused connection is short-lived and small. Call before the first on_read().
    void refuse(core::reason_code reason);
    /// The broker stops reading this connection for a while (rate limit): the channel
    /// handles nothing more and suspends the keep alive timeout (the client is not silent;
    /// we are not listening) until resume().
    void throttle();
    /// Ends throttle() or a refused connection_io::count_publish(): handles what is
    /// buffered, then read_paused() tells whether to read on.
    void resume(clock::time_point now);

    /// Space for the next socket read (at least `hint` bytes).
    std::span<std::uint8_t> read_buffer(std::size_t hint);
    /// `n` bytes were read into read_buffer(): parse and handle every complete packet.
    /// n = 0 (nothing was available) releases the read space if nothing is buffered.
    void on_read(std::size_t n, clock::time_point now);
    /// Timers: CONNECT idle timeout, keepalive (2 x keepalive_backoff x keep alive), session
    /// retries.
    void on_tick(clock::time_point now);
    /// The socket closed or failed (not after a DISCONNECT from the client): publishes the
    /// will per its rules and releases the session.
    void on_socket_closed(clock::time_point now);
    /// Server-initiated close: v5 clients get DISCONNECT with `reason` (e.g. 0x8B shutting
    /// down, 0x8E session taken over). Before CONNACK neither is a CONNACK code: shutting
    /// down is answered 0x88 (server unavailable), a takeover closes without an answer
    /// (channel.cpp v5_connack_code). The session is detached, not discarded; the will is
    /// published per its rules.
    void kick(core::reason_code reason, clock::time_point now);

    /// The session attached to this connection, or null (before CONNACK, after close).
    session::session* attached_session() const;
    std::string_view client_id() const;
    bool closed() const;
    /// True while the channel dispatches nothing and keeps what it read in its parser: the
    /// broker is opening the session (CONNECT accepted, no CONNACK yet), the connection is
    /// throttled, or more than 4 MB of output wait to be written (the client doesn't read
    /// its answers). The broker should stop reading this socket until it turns false
    /// (bounds that buffer).
    bool read_paused() const;
    /// Some output was written: if dispatch stopped for the output backlog and at most half
    /// of it is left, handle what was held back (which may write and pause again).
    void on_output_drained(clock::time_point now);
    /// QoS 0 messages dropped because the outbound buffer was over its bound (slow consumer).
    std::uint64_t slow_consumer_drops() const;

    /// A message routed through `$fastlane` subscriptions only (`matched`, all fastlane):
    /// written at QoS 0 straight to the connection, bypassing the session. No Local and
    /// Retain As Published apply as for any subscription. Dropped unless connected.
    void deliver_fastlane(const core::message_ptr& msg,
                          std::span<const router::subscription_options> matched);
    /// The broker's storage made everything up to `ticket` durable
    /// (broker_services::notify_when_durable): sends the acknowledgements that waited for
    /// it, in the order their packets arrived.
    void durable(std::uint64_t ticket);

    // session_sink
    bool send_publish(const session::publish_out& p) override;
    void send_pubrel(std::uint16_t packet_id) override;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::channel
