#pragma once
// An MQTT 3.1 / 3.1.1 / 5.0 client connection, Sans-I/O like the broker's channel: it is fed
// the bytes the server sent and queues the bytes to send; events go to a client_handler.
// No sockets and no timers: a binding (tcp_client) moves the bytes, the application calls
// on_tick() about once a second. One object is one connection; reconnecting is a new object.
//
//   client c(opts, handler, io);
//   c.start(now);                                  // queues CONNECT
//   ... bytes arrive: auto buf = c.read_buffer(4096); n = recv(buf); c.on_read(n);
//   ... handler.on_connack(success) -> c.subscribe(...), c.publish(...)
//   ... io.on_output(): c.swap_output(out); write(out); out.clear(); c.on_written();
//
// The wire format is the codec's (stream_parser, decode, encode). Inbound QoS 1 and 2 are
// acknowledged automatically; outbound QoS 1 and 2 take packet ids from a bounded window
// (outbound_window) and complete with on_publish_done(). Messages are not stored for resend:
// what is in flight when the connection ends is reported by the window, not retried.
//
// Hot path: publish() encodes into the pending output buffer and on_read() decodes into
// views of the read buffer; both buffers keep their memory, so steady state allocates
// nothing per message (v5 messages with properties excepted).
//
// THREADING WARNING: not thread-safe; a client and its handler belong to one thread (one
// event loop).

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "client/client_handler.h"
#include "client/client_io.h"
#include "client/client_options.h"
#include "client/outbound_window.h"
#include "codec/packet.h"
#include "codec/stream_parser.h"

namespace emqd::client {

class client {
public:
    using clock = std::chrono::steady_clock;
    enum class state : std::uint8_t { idle, connecting, connected, closed };

    /// `handler` and `io` must outlive the client.
    client(client_options opts, client_handler& handler, client_io& io);

    /// The byte stream is open: queues CONNECT. `now` starts the keep alive. Once only.
    void start(clock::time_point now);

    /// Space for the next read, at least `hint` bytes (valid until the next call here).
    std::span<std::uint8_t> read_buffer(std::size_t hint);
    /// `n` bytes were read into read_buffer(): handles every complete packet (callbacks run
    /// from here). A malformed or unexpected packet closes the connection (v5: DISCONNECT
    /// with its reason code first).
    void on_read(std::size_t n);
    /// Keep alive: PINGREQ when nothing was sent for the keep alive interval, and
    /// keep_alive_timeout when a PINGREQ gets no PINGRESP within it. A send is timed by the
    /// first tick after it (no clock read per message), so a PINGREQ may come one tick
    /// interval late: call about once a second, and at least twice per keep alive interval
    /// (servers allow one and a half).
    void on_tick(clock::time_point now);
    /// The binding wrote everything swap_output() gave it: calls on_writable() when nothing
    /// new is pending.
    void on_written();
    /// The socket ended or failed (`why`: a static description). Reports on_closed() unless
    /// the client closed first.
    void on_socket_closed(const char* why);

    /// Queues DISCONNECT (v5: with `reason`) and ends the connection: on_closed(success).
    void disconnect(core::reason_code reason = core::reason_code::success);

    /// Queues a PUBLISH; p.packet_id is assigned here for QoS 1/2. Returns the packet id (0
    /// for QoS 0), or nullopt when nothing was queued: not connected, or QoS > 0 and the
    /// window is full (wait for on_publish_done()). The views in `p` may die after the call.
    std::optional<std::uint16_t> publish(codec::publish_packet p);
    std::optional<std::uint16_t> publish(std::string_view topic, std::string_view payload,
                                         std::uint8_t qos, bool retain = false);
    /// Queues a SUBSCRIBE / UNSUBSCRIBE; answered by on_suback() / on_unsuback() with the
    /// returned packet id. nullopt: not connected or the window is full.
    std::optional<std::uint16_t> subscribe(std::span<const codec::subscription_request> topics);
    std::optional<std::uint16_t> unsubscribe(std::span<const std::string> filters);

    /// Exchanges the pending output with `buf` (pass an empty buffer, keep it for the next
    /// call): the binding writes one buffer while the client fills the other, and both keep
    /// their capacity.
    void swap_output(std::string& buf) { _out.swap(buf); }
    std::size_t pending_output() const { return _out.size(); }

    state current_state() const { return _state; }
    bool connected() const { return _state == state::connected; }
    bool closed() const { return _state == state::closed; }
    /// True when a QoS > 0 publish() would be refused for the window.
    bool window_full() const { return _window.full(); }
    std::size_t inflight() const { return _window.size(); }
    const client_options& options() const { return _opts; }
    /// The negotiated keep alive in seconds (v5: Server Keep Alive if the server set one).
    std::uint16_t keep_alive() const { return _keep_alive; }

private:
    void dispatch(const codec::frame& f);
    void handle(const codec::connack_packet& p);
    void handle(const codec::publish_packet& p);
    void handle(const codec::ack_packet& p);
    void handle(const codec::suback_packet& p);
    void handle(const codec::unsuback_packet& p);
    void handle(const codec::disconnect_packet& p);
    void send_ack(codec::packet_type type, std::uint16_t id);
    /// Closes for a protocol violation by the server (v5: DISCONNECT `e.code` first).
    void fail(const core::error& e);
    /// Ends the connection: state closed, window cleared, io.on_close(), on_closed(why).
    void finish(const core::error& why, bool close_io);
    void queued(std::size_t before);

    // Inbound QoS 2 ids received and not yet released (PUBREL): one bit per id, allocated
    // on the first QoS 2 message.
    bool awaiting_rel(std::uint16_t id) const;
    void set_awaiting_rel(std::uint16_t id, bool on);

    client_options _opts;
    client_handler& _handler;
    client_io& _io;
    codec::stream_parser _parser;
    outbound_window _window;
    std::string _out;
    std::unique_ptr<std::array<std::uint64_t, 1024>> _awaiting_rel;
    clock::time_point _last_send{};
    clock::time_point _ping_sent{};
    bool _sent_since_tick = false;
    bool _ping_pending = false;
    std::uint16_t _keep_alive;
    state _state = state::idle;
};

}  // namespace emqd::client
