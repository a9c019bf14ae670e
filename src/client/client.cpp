// Design note: the client is a small state machine (idle -> connecting -> connected ->
// closed) over the codec. Inbound bytes go through one stream_parser whose buffer is kept
// (set_keep_buffer), outbound bytes are appended to one string that the binding swaps out;
// so neither direction allocates per message. Every packet the server may send is checked
// against the state and the outbound window: an answer to nothing we sent, a PUBLISH before
// CONNACK or a packet only a client sends is a protocol error, which closes the connection
// (v5: after a DISCONNECT carrying the reason code). The client is strict on purpose: it
// is the load tool's probe of a broker's correctness.

#include "client/client.h"

#include <utility>

namespace emqd::client {

using codec::packet_type;
using core::reason_code;
using wait = outbound_window::wait;

client::client(client_options opts, client_handler& handler, client_io& io)
    : _opts(std::move(opts)),
      _handler(handler),
      _io(io),
      _parser(_opts.max_packet_size),
      _window(_opts.max_inflight),
      _keep_alive(_opts.keep_alive) {
    _parser.set_keep_buffer(true);
}

void client::start(clock::time_point now) {
    if (_state != state::idle)
        return;
    codec::connect_packet c;
    c.version = _opts.version;
    c.clean_start = _opts.clean_start;
    c.keep_alive = _opts.keep_alive;
    c.client_id = _opts.client_id;
    c.username = _opts.username;
    c.password = _opts.password;
    c.will = _opts.will;
    c.props.session_expiry_interval = _opts.session_expiry_interval;
    const std::size_t before = _out.size();
    codec::encode(c, _out);
    _state = state::connecting;
    queued(before);
    _last_send = now;  // exact here; later sends are timed by the next on_tick()
    _sent_since_tick = false;
}

std::span<std::uint8_t> client::read_buffer(std::size_t hint) {
    return _parser.prepare(hint);
}

void client::on_read(std::size_t n) {
    _parser.commit(n);
    while (_state != state::closed) {
        auto r = _parser.next();
        if (!r) {
            fail(r.err());
            return;
        }
        if (!*r)
            return;
        dispatch(**r);
    }
}

void client::dispatch(const codec::frame& f) {
    auto r = codec::decode(f, _opts.version);
    if (!r) {
        fail(r.err());
        return;
    }
    const packet_type t = f.type();
    if ((t == packet_type::connack) != (_state == state::connecting)) {
        fail(core::fail(reason_code::protocol_error,
                        t == packet_type::connack ? "second CONNACK" : "packet before CONNACK"));
        return;
    }
    std::visit(
        [&](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, codec::connack_packet> ||
                          std::is_same_v<T, codec::publish_packet> ||
                          std::is_same_v<T, codec::ack_packet> ||
                          std::is_same_v<T, codec::suback_packet> ||
                          std::is_same_v<T, codec::unsuback_packet> ||
                          std::is_same_v<T, codec::disconnect_packet>) {
                handle(p);
            } else if constexpr (std::is_same_v<T, codec::pingresp_packet>) {
                _ping_pending = false;
            } else {  // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ; AUTH (not supported)
                fail(core::fail(reason_code::protocol_error, "unexpected packet from server"));
            }
        },
        *r);
}

void client::handle(const codec::connack_packet& p) {
    if (p.reason != reason_code::success) {
        _handler.on_connack(p);
        finish(core::fail(p.reason, "connection refused"), true);
        return;
    }
    _state = state::connected;
    if (p.props.receive_maximum && *p.props.receive_maximum < _window.limit())
        _window.set_limit(*p.props.receive_maximum);  // spec 3.2.2.3.3
    if (p.props.server_keep_alive)
        _keep_alive = *p.props.server_keep_alive;  // spec 3.2.2.3.14
    _handler.on_connack(p);
}

void client::handle(const codec::publish_packet& p) {
    switch (p.qos) {
        case 0:
            _handler.on_message(p);
            return;
        case 1:
            _handler.on_message(p);
            if (_state == state::connected)
                send_ack(packet_type::puback, p.packet_id);
            return;
        default:
            if (!awaiting_rel(p.packet_id)) {  // a resend before PUBREL is not new
                set_awaiting_rel(p.packet_id, true);
                _handler.on_message(p);
            }
            if (_state == state::connected)
                send_ack(packet_type::pubrec, p.packet_id);
    }
}

void client::handle(const codec::ack_packet& p) {
    const wait w = _window.find(p.packet_id);
    switch (p.type) {
        case packet_type::puback:
            if (w != wait::puback)
                break;
            _window.complete(p.packet_id);
            _handler.on_publish_done(p.packet_id, p.reason);
            return;
        case packet_type::pubrec:
            if (w == wait::pubrec && core::is_error(p.reason)) {  // v5: refused, no PUBREL
                _window.complete(p.packet_id);
                _handler.on_publish_done(p.packet_id, p.reason);
                return;
            }
            if (w != wait::pubrec && w != wait::pubcomp)
                break;
            _window.update(p.packet_id, wait::pubcomp);
            send_ack(packet_type::pubrel, p.packet_id);
            return;
        case packet_type::pubrel:  // answered even when unknown (spec 4.3.3)
            set_awaiting_rel(p.packet_id, false);
            send_ack(packet_type::pubcomp, p.packet_id);
            return;
        case packet_type::pubcomp:
            if (w != wait::pubcomp)
                break;
            _window.complete(p.packet_id);
            _handler.on_publish_done(p.packet_id, p.reason);
            return;
        default:
            break;
    }
    fail(core::fail(reason_code::protocol_error, "acknowledgement for no packet in flight"));
}

void client::handle(const codec::suback_packet& p) {
    if (_window.find(p.packet_id) != wait::suback) {
        fail(core::fail(reason_code::protocol_error, "SUBACK for no SUBSCRIBE in flight"));
        return;
    }
    _window.complete(p.packet_id);
    _handler.on_suback(p);
}

void client::handle(const codec::unsuback_packet& p) {
    if (_window.find(p.packet_id) != wait::unsuback) {
        fail(core::fail(reason_code::protocol_error, "UNSUBACK for no UNSUBSCRIBE in flight"));
        return;
    }
    _window.complete(p.packet_id);
    _handler.on_unsuback(p);
}

void client::handle(const codec::disconnect_packet& p) {
    finish(core::fail(p.reason, "DISCONNECT from server"), true);
}

void client::on_tick(clock::time_point now) {
    if (_state != state::connected || _keep_alive == 0)
        return;
    if (_sent_since_tick) {
        _last_send = now;
        _sent_since_tick = false;
    }
    const auto interval = std::chrono::seconds(_keep_alive);
    if (_ping_pending) {
        if (now - _ping_sent >= interval)
            finish(core::fail(reason_code::keep_alive_timeout, "no PINGRESP"), true);
        return;
    }
    if (now - _last_send >= interval) {
        const std::size_t before = _out.size();
        codec::encode(codec::pingreq_packet{}, _opts.version, _out);
        _ping_pending = true;
        _ping_sent = now;
        queued(before);
        _last_send = now;
        _sent_since_tick = false;
    }
}

void client::on_written() {
    if (_out.empty() && _state != state::closed)
        _handler.on_writable();
}

void client::on_socket_closed(const char* why) {
    finish(core::fail(reason_code::unspecified_error, why), false);
}

void client::disconnect(reason_code reason) {
    if (_state == state::closed)
        return;
    if (_state != state::idle) {
        codec::disconnect_packet d;
        d.reason = reason;
        const std::size_t before = _out.size();
        codec::encode(d, _opts.version, _out);
        queued(before);
    }
    finish(core::error{reason_code::success, "disconnected"}, true);
}

std::optional<std::uint16_t> client::publish(codec::publish_packet p) {
    if (_state != state::connected)
        return std::nullopt;
    p.packet_id = 0;
    if (p.qos > 0) {
        if (_window.full())
            return std::nullopt;
        p.packet_id = _window.add(p.qos == 1 ? wait::puback : wait::pubrec);
    }
    const std::size_t before = _out.size();
    codec::encode(p, _opts.version, _out);
    queued(before);
    return p.packet_id;
}

std::optional<std::uint16_t> client::publish(std::string_view topic, std::string_view payload,
                                             std::uint8_t qos, bool retain) {
    codec::publish_packet p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.retain = retain;
    return publish(std::move(p));
}

std::optional<std::uint16_t> client::subscribe(
    std::span<const codec::subscription_request> topics) {
    if (_state != state::connected || _window.full() || topics.empty())
        return std::nullopt;
    codec::subscribe_packet s;
    s.packet_id = _window.add(wait::suback);
    s.topics.assign(topics.begin(), topics.end());
    const std::size_t before = _out.size();
    codec::encode(s, _opts.version, _out);
    queued(before);
    return s.packet_id;
}

std::optional<std::uint16_t> client::unsubscribe(std::span<const std::string> filters) {
    if (_state != state::connected || _window.full() || filters.empty())
        return std::nullopt;
    codec::unsubscribe_packet u;
    u.packet_id = _window.add(wait::unsuback);
    u.filters.assign(filters.begin(), filters.end());
    const std::size_t before = _out.size();
    codec::encode(u, _opts.version, _out);
    queued(before);
    return u.packet_id;
}

void client::send_ack(packet_type type, std::uint16_t id) {
    codec::ack_packet a;
    a.type = type;
    a.packet_id = id;
    const std::size_t before = _out.size();
    codec::encode(a, _opts.version, _out);
    queued(before);
}

void client::fail(const core::error& e) {
    if (_state == state::connected && codec::is_v5(_opts.version)) {
        codec::disconnect_packet d;
        d.reason = e.code;
        const std::size_t before = _out.size();
        codec::encode(d, _opts.version, _out);
        queued(before);
    }
    finish(e, true);
}

void client::finish(const core::error& why, bool close_io) {
    if (_state == state::closed)
        return;
    _state = state::closed;
    _window.clear();
    if (close_io)
        _io.on_close();
    _handler.on_closed(why);
}

void client::queued(std::size_t before) {
    _sent_since_tick = true;
    if (before == 0 && !_out.empty())
        _io.on_output();
}

bool client::awaiting_rel(std::uint16_t id) const {
    return _awaiting_rel && ((*_awaiting_rel)[id >> 6] >> (id & 63)) & 1;
}

void client::set_awaiting_rel(std::uint16_t id, bool on) {
    if (!_awaiting_rel) {
        if (!on)
            return;
        _awaiting_rel = std::make_unique<std::array<std::uint64_t, 1024>>();
    }
    const std::uint64_t bit = std::uint64_t{1} << (id & 63);
    if (on)
        (*_awaiting_rel)[id >> 6] |= bit;
    else
        (*_awaiting_rel)[id >> 6] &= ~bit;
}

}  // namespace emqd::client
