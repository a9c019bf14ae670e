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

#include "channel/broker_services.h"
#include "channel/channel_config.h"
#include "channel/connection_io.h"
#include "core/reason_code.h"
#include "session/session.h"

namespace emqd::channel {

using clock = std::chrono::steady_clock;

class channel final : public session::session_sink {
public:
    /// `cfg`, `broker` and `io` must outlive the channel (the zone config lives as long as
    /// the broker). `now` starts the CONNECT idle timeout.
    channel(const channel_config& cfg, broker_services& broker, connection_io& io,
            clock::time_point now);
    ~channel() override;

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
    /// down, 0x8E session taken over). The session is detached, not discarded; the will is
    /// published per its rules.
    void kick(core::reason_code reason, clock::time_point now);

    /// The session attached to this connection, or null (before CONNACK, after close).
    session::session* attached_session() const;
    const std::string& client_id() const;
    bool closed() const;
    /// True while the channel dispatches nothing and keeps what it read in its parser: the
    /// broker is opening the session (CONNECT accepted, no CONNACK yet), or more than 4 MB of
    /// output wait to be written (the client doesn't read its answers). The broker should
    /// stop reading this socket until it turns false (bounds that buffer).
    bool read_paused() const;
    /// Some output was written: if dispatch stopped for the output backlog and at most half
    /// of it is left, handle what was held back (which may write and pause again).
    void on_output_drained(clock::time_point now);
    /// QoS 0 messages dropped because the outbound buffer was over its bound (slow consumer).
    std::uint64_t slow_consumer_drops() const;

    // session_sink
    bool send_publish(const session::publish_out& p) override;
    void send_pubrel(std::uint16_t packet_id) override;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::channel
