// Channel lifecycle: bytes in, frames out of the parser, dispatch by packet type, timers,
// and the two functions every path ends in: fail() (a protocol error becomes a CONNACK or
// DISCONNECT reason code, here and nowhere else) and close() (the only teardown).
//
// Why one error path: handlers only *return* a core::error. Whether that error is answered
// with a v5 CONNACK, a v5 DISCONNECT, a 3.1.1 CONNACK return code, or silence depends on
// the connection's state and version, not on the handler, so it is decided once (the
// mosquitto read_handle.c / FlashMQ threadloop.cpp pattern of style.md §5.2).

#include "channel/channel.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <type_traits>
#include <variant>

#include "channel/channel_impl.h"

namespace emqd::channel {

using core::reason_code;

namespace {

/// Reason codes that have a meaningful MQTT 3.1/3.1.1 CONNACK return code (1-5). Other
/// errors before CONNACK (malformed packet, bad will topic, ...) close a 3.x connection
/// without an answer, as 3.1.1 has nothing to say about them (spec 3.2.2.3).
bool has_v3_connack_code(reason_code rc) {
    switch (rc) {
        case reason_code::unsupported_protocol_version:
        case reason_code::client_identifier_not_valid:
        case reason_code::bad_user_name_or_password:
        case reason_code::not_authorized:
        case reason_code::server_unavailable:
        case reason_code::server_busy:
        case reason_code::banned:
        case reason_code::server_shutting_down:
        case reason_code::bad_authentication_method:
        case reason_code::use_another_server:
        case reason_code::server_moved:
        case reason_code::connection_rate_exceeded:
        case reason_code::quota_exceeded:
            return true;
        default:
            return false;
    }
}

/// The v5 CONNACK reason code for an error before CONNACK, or nothing when CONNACK has no
/// code for it (spec 3.2.2.2 lists the valid ones) and the connection is closed without an
/// answer, which the spec allows (4.13). Server shutting down (0x8B) is not a CONNACK code:
/// it is answered as Server unavailable (0x88), as 3.1.1 answers it (code 3). Session taken
/// over (0x8E) before CONNACK means a newer CONNECT for the same client id won while this
/// one waited for its session: no CONNACK code says that, and the client never had the
/// session, so the connection is just closed (as in 3.1.1).
std::optional<reason_code> v5_connack_code(reason_code rc) {
    switch (rc) {
        case reason_code::server_shutting_down:
            return reason_code::server_unavailable;
        case reason_code::unspecified_error:
        case reason_code::malformed_packet:
        case reason_code::protocol_error:
        case reason_code::implementation_specific_error:
        case reason_code::unsupported_protocol_version:
        case reason_code::client_identifier_not_valid:
        case reason_code::bad_user_name_or_password:
        case reason_code::not_authorized:
        case reason_code::server_unavailable:
        case reason_code::server_busy:
        case reason_code::banned:
        case reason_code::bad_authentication_method:
        case reason_code::topic_name_invalid:
        case reason_code::packet_too_large:
        case reason_code::quota_exceeded:
        case reason_code::payload_format_invalid:
        case reason_code::retain_not_supported:
        case reason_code::qos_not_supported:
        case reason_code::use_another_server:
        case reason_code::server_moved:
        case reason_code::connection_rate_exceeded:
            return rc;
        default:
            return std::nullopt;
    }
}

}  // namespace

channel::impl::impl(channel& self, const channel_config& cfg, broker_services& broker,
                    connection_io& io, clock::time_point now)
    : _self(self),
      _cfg(cfg),
      _broker(broker),
      _io(io),
      _parser(cfg.max_packet_size),
      _last_received(now),
      _now(now) {}

// --- dispatch ----------------------------------------------------------------------------

void channel::impl::process(clock::time_point now) {
    if (_dispatching)
        return;  // the outer loop on the stack picks up from here
    _dispatching = true;
    while ((_state == state::awaiting_connect || _state == state::connected) && !_throttled) {
        if (_io.pending_output() > k_max_pending_output) {
            _output_blocked = true;  // on_output_drained resumes
            break;
        }
        auto next = _parser.next();
        if (!next) {
            fail(next.err(), now);
            break;
        }
        if (!*next)
            break;  // need more bytes
        const codec::frame& f = **next;
        const bool publish = f.type() == codec::packet_type::publish;
        const core::status st =
            _state == state::awaiting_connect ? handle_connect_frame(f, now) : handle_frame(f, now);
        if (!st) {
            fail(st.err(), now);
            break;
        }
        // Counted once handled: the PUBLISH that spends the budget is the last one before
        // the pause (conn_messages_in).
        if (publish && _state == state::connected && !_io.count_publish(now))
            _throttled = true;
    }
    _dispatching = false;
}

core::status channel::impl::handle_frame(const codec::frame& f, clock::time_point now) {
    auto decoded = codec::decode(f, _version);
    if (!decoded)
        return decoded.err();
    codec::packet& pkt = *decoded;
    return std::visit(
        [&](auto& p) -> core::status {
            using P = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<P, codec::publish_packet>) {
                return handle_publish(p, now);
            } else if constexpr (std::is_same_v<P, codec::ack_packet>) {
                return handle_ack(p, now);
            } else if constexpr (std::is_same_v<P, codec::subscribe_packet>) {
                return handle_subscribe(p, now);
            } else if constexpr (std::is_same_v<P, codec::unsubscribe_packet>) {
                return handle_unsubscribe(p);
            } else if constexpr (std::is_same_v<P, codec::pingreq_packet>) {
                send(codec::pingresp_packet{});
                return {};
            } else if constexpr (std::is_same_v<P, codec::disconnect_packet>) {
                return handle_disconnect(p, now);
            } else if constexpr (std::is_same_v<P, codec::connect_packet>) {
                return core::fail(reason_code::protocol_error, "second CONNECT");
            } else if constexpr (std::is_same_v<P, codec::auth_packet>) {
                // Enhanced authentication is refused at CONNECT (0x8C), so there is never an
                // authentication method in force: AUTH is a protocol error (spec 4.12).
                return core::fail(reason_code::protocol_error,
                                  "AUTH without authentication method");
            } else {
                // CONNACK, SUBACK, UNSUBACK, PINGRESP: server-to-client only.
                return core::fail(reason_code::protocol_error, "packet not allowed from a client");
            }
        },
        pkt);
}

core::status channel::impl::handle_disconnect(const codec::disconnect_packet& d,
                                              clock::time_point now) {
    if (codec::is_v5(_version) && d.session_expiry_interval) {
        // Spec 3.14.2.2.2: a session that was to end with the connection may not be
        // extended at the last moment.
        if (_expiry_interval == 0 && *d.session_expiry_interval != 0)
            return core::fail(reason_code::protocol_error,
                              "DISCONNECT sets a session expiry after CONNECT set 0");
        _expiry_interval = *d.session_expiry_interval;
        _session->set_expiry_interval(_expiry_interval);
    }
    // Normal disconnection deletes the will; v5 0x04 asks for it to be published anyway.
    const bool with_will = codec::is_v5(_version) && d.reason == reason_code::disconnect_with_will;
    close(with_will ? will_action::publish : will_action::discard, now, /*close_io=*/true);
    return {};
}

// --- timers ------------------------------------------------------------------------------

void channel::impl::on_tick(clock::time_point now) {
    switch (_state) {
        case state::awaiting_connect:
            if (now - _last_received >=
                (_refusal == reason_code::success
                     ? _cfg.idle_timeout
                     : std::min<std::chrono::milliseconds>(_cfg.idle_timeout, k_refusal_timeout)))
                fail(core::fail(reason_code::keep_alive_timeout, "no CONNECT within idle_timeout"),
                     now);
            return;
        case state::connecting:  // the broker owns this phase; its open_session times out
        case state::closed:
            return;
        case state::connected:
            break;
    }
    if (_throttled)
        _last_received = now;  // we are not reading: its silence is ours
    if (_keep_alive != 0) {
        // zone.keepalive_backoff: 0.75 gives the spec's 1.5 x keep alive (spec 3.1.2.10).
        const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(
            2.0 * _cfg.keepalive_backoff * 1000.0 * static_cast<double>(_keep_alive)));
        if (now - _last_received >= timeout) {
            fail(core::fail(reason_code::keep_alive_timeout, "keep alive timeout"), now);
            return;
        }
    }
    // v5 resends only on reconnect (spec 4.4); 3.x retries on a timer, as EMQ X does.
    _session->tick(now, /*retry=*/!codec::is_v5(_version));
}

// --- errors and teardown -----------------------------------------------------------------

void channel::impl::fail(const core::error& e, clock::time_point now) {
    if (_state == state::closed)
        return;
    spdlog::debug("channel {}: closing: {} (0x{:02x})", _client_id.view(), e.what,
                  core::to_byte(e.code));
    if (_state == state::awaiting_connect || _state == state::connecting) {
        const std::optional<reason_code> code = !_version_known          ? std::nullopt
                                                : codec::is_v5(_version) ? v5_connack_code(e.code)
                                                : has_v3_connack_code(e.code)
                                                    ? std::optional(e.code)
                                                    : std::nullopt;
        if (code) {
            codec::connack_packet ack;
            ack.reason = *code;
            const bool redirect =
                e.code == reason_code::use_another_server || e.code == reason_code::server_moved;
            if (redirect && !_cfg.redirect_to.empty())
                ack.props.server_reference = _cfg.redirect_to;  // spec 4.11
            send_with_reason(std::move(ack), e.what);
        }
        // The CONNECT was not accepted, so there is no will and no session yet.
        close(will_action::discard, now, /*close_io=*/true);
        return;
    }
    if (codec::is_v5(_version)) {
        codec::disconnect_packet d;
        d.reason = e.code;
        send_with_reason(std::move(d), e.what);
    }
    close(will_action::publish, now, /*close_io=*/true);
}

void channel::impl::close(will_action will, clock::time_point now, bool close_io) {
    if (_state == state::closed)
        return;
    const bool accepted = _state == state::connected;
    // A will exists only once the CONNECT was accepted (CONNACK sent).
    if (!accepted)
        will = will_action::discard;
    // Flapping detection counts the ends of accepted connections, whatever ended them
    // (DISCONNECT, socket error, keepalive, takeover), as EMQ X does.
    if (accepted && _cfg.enable_flapping_detect)
        _broker.access().connection_closed(_client_id.view(), now);
    _state = state::closed;
    _now = now;
    // Detach before the will is published: a will routed back to this client's own session
    // must be queued by the session, not written to a connection that is going away.
    if (_session)
        _session->detach(now);
    settle_will(will, now);
    if (_session) {
        session::session* s = _session;
        _session = nullptr;
        _broker.session_closed(s);  // the broker decides: discard (expiry 0) or keep
    }
    _aliases.reset();
    if (close_io)
        _io.close();
}

// --- public API --------------------------------------------------------------------------

channel::channel(const channel_config& cfg, broker_services& broker, connection_io& io,
                 clock::time_point now)
    : _impl(std::make_unique<impl>(*this, cfg, broker, io, now)) {}

channel::~channel() {
    // The broker closes a channel (on_socket_closed / kick) before destroying it. If it did
    // not, at least never leave the session with a sink pointing at freed memory.
    if (_impl->_session)
        _impl->_session->detach(_impl->_now);
}

void channel::refuse(core::reason_code reason) {
    _impl->_refusal = reason;
    _impl->_parser.set_max_packet_size(std::min(_impl->_cfg.max_packet_size, k_refusal_max_packet));
}

void channel::throttle() {
    _impl->_throttled = true;
}

void channel::resume(clock::time_point now) {
    impl& c = *_impl;
    if (!c._throttled)
        return;
    c._throttled = false;
    c._now = now;
    c.received(now);
    c.process(now);
}

std::span<std::uint8_t> channel::read_buffer(std::size_t hint) {
    return _impl->_parser.prepare(hint);
}

void channel::on_read(std::size_t n, clock::time_point now) {
    impl& c = *_impl;
    c._parser.commit(n);
    c._now = now;
    if (n > 0)
        c.received(now);  // any bytes count as activity for keep alive
    if (c._state == impl::state::closed)
        return;
    c.process(now);
}

void channel::on_tick(clock::time_point now) {
    _impl->_now = now;
    _impl->on_tick(now);
}

void channel::on_socket_closed(clock::time_point now) {
    // Not a normal DISCONNECT (that closes the channel first), so the will is published.
    _impl->close(impl::will_action::publish, now, /*close_io=*/false);
}

void channel::kick(core::reason_code reason, clock::time_point now) {
    _impl->_now = now;
    // A server-initiated close is put on the wire exactly like an error: CONNACK (when it
    // has a code for the reason) before the CONNECT was answered, DISCONNECT (v5) after. The
    // session is only detached; the broker's session_closed decides whether it survives (takeover:
    // it does).
    const char* why = reason == reason_code::session_taken_over     ? "session taken over"
                      : reason == reason_code::server_shutting_down ? "server shutting down"
                                                                    : "closed by the broker";
    _impl->fail(core::fail(reason, why), now);
}

session::session* channel::attached_session() const {
    return _impl->_state == impl::state::connected ? _impl->_session : nullptr;
}

std::string_view channel::client_id() const {
    return _impl->_client_id.view();
}

bool channel::closed() const {
    return _impl->_state == impl::state::closed;
}

bool channel::read_paused() const {
    return _impl->_state == impl::state::connecting || _impl->_throttled || _impl->_output_blocked;
}

void channel::on_output_drained(clock::time_point now) {
    impl& c = *_impl;
    if (!c._output_blocked || c._io.pending_output() > k_max_pending_output / 2)
        return;
    c._output_blocked = false;
    c._now = now;
    if (c._state == impl::state::connected && !c.send_owed_retained(now))
        return;  // still owed: more output first
    c.process(now);
}

std::uint64_t channel::slow_consumer_drops() const {
    return _impl->_extras ? _impl->_extras->slow_consumer_drops : 0;
}

bool channel::send_publish(const session::publish_out& p) {
    return _impl->send_publish(p);
}

void channel::send_pubrel(std::uint16_t packet_id) {
    _impl->send_pubrel(packet_id);
}

}  // namespace emqd::channel
