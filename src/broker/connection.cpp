#include "broker/connection.h"

#include <spdlog/spdlog.h>

#include "broker/broker_context.h"
#include "broker/shard.h"

namespace emqd::broker {

namespace {
// Bytes read per read_some and reads per readiness event: large enough to amortize
// syscalls under load, small enough that one busy publisher can't starve its shard.
constexpr std::size_t read_chunk = 16 * 1024;
constexpr int reads_per_turn = 4;
// A closing connection whose peer does not read what is left to flush is dropped (reset,
// discarding what the kernel still holds for it) after this long, so it doesn't hold its
// socket, its buffers and its max_connections slot forever.
constexpr auto close_timeout = std::chrono::seconds(5);
// While the broker is overloaded, a connection that handled a PUBLISH within this long is a
// publisher and is not read (etc/emqd.conf, overload_protection).
constexpr auto publisher_window = std::chrono::seconds(10);
}  // namespace

connection::connection(shard& owner, std::uint64_t id, std::unique_ptr<transport::stream> stream,
                       listener_state& listener, listener_state::admission admitted)
    : connection(owner, id, std::move(stream), listener, admitted, channel::clock::now()) {}

connection::connection(shard& owner, std::uint64_t id, std::unique_ptr<transport::stream> stream,
                       listener_state& listener, listener_state::admission admitted,
                       channel::clock::time_point now)
    : _shard(owner),
      _id(id),
      _stream(std::move(stream)),
      _listener(listener),
      _channel(owner.zone(), *this, *this, now),
      _admitted(admitted) {
    if (admitted == listener_state::admission::refuse)
        _channel.refuse(core::reason_code::connection_rate_exceeded);  // 3.x: code 3
    else
        _limiter = owner.make_rate_limiter(read_chunk, now);
}

connection::~connection() {
    if (_stream)
        _stream->close();
    _listener.release(_admitted);
}

void connection::start() {
    _stream->start(*this);
}

// --- reading --------------------------------------------------------------------------

void connection::on_readable() {
    for (int i = 0; i < reads_per_turn; ++i) {
        if (_closing || _finished)
            return;
        if (_channel.read_paused()) {  // e.g. throttled: its parser holds one read at most
            _read_paused = true;
            return;
        }
        const auto now = channel::clock::now();  // one clock read per read
        if (now < _since + publisher_window && _shard.publishers_wait()) {
            // Overloaded, or the shards we deliver to are behind: publishers wait in their
            // TCP windows. Everyone else is read, so acknowledgements free inflight windows
            // and session queues drain (with writes, which go on). A subscriber that starts
            // publishing now is paused after the read that held its PUBLISH: one read chunk
            // at most. The channel is throttled like over a rate limit: it handles nothing
            // more and doesn't judge the keep alive by a silence that is ours; its other
            // timers run.
            _channel.throttle();
            _publisher_parked = true;
            _shard.park_publisher(*this);  // resume_publishing resumes
            return;
        }
        std::size_t want = read_chunk;
        if (_limiter) {
            want = _limiter->read_allowance(read_chunk, now);
            if (want == 0) {  // conn_bytes_in spent
                _channel.throttle();
                throttle_until_ready();
                _read_paused = true;
                return;
            }
        }
        std::error_code ec;
        auto buf = _channel.read_buffer(want);
        const std::size_t n = _stream->read_some(buf.first(want), ec);
        if (ec) {
            socket_gone();
            return;
        }
        if (n == 0) {
            // Drained: give back the read space prepared above (an idle connection holds
            // no buffer), then wait for the next edge.
            _channel.on_read(0, now);
            _stream->wait_readable();
            return;
        }
        if (_limiter)
            _limiter->bytes_read(n, now);
        _channel.on_read(n, now);
        // While the session is being opened (possibly on another shard), or while the client
        // doesn't read its answers, the channel holds what it read; stop reading until the
        // grant arrives or the output drains (resume_after_grant()).
        if (_channel.read_paused()) {
            _read_paused = true;
            return;
        }
        if (n < want) {
            // A short read drained the socket (stream.h): wait for the next arrival rather
            // than spend a system call to hear "nothing more" -- half of all reads under load.
            _stream->wait_readable();
            return;
        }
    }
    // Still readable: yield to other connections, continue next turn.
    request_read();
}

void connection::resume_reading() {
    _read_scheduled = false;
    on_readable();
}

void connection::resume_after_grant() {
    // Reading stopped without draining the socket, so no new readiness edge will come:
    // read directly on the next turn.
    if (_read_paused && !_channel.read_paused()) {
        _read_paused = false;
        request_read();
    }
}

bool connection::count_publish(channel::clock::time_point now) {
    _since = now;
    if (!_limiter || _limiter->message_handled(now))
        return true;
    throttle_until_ready();  // conn_messages_in spent; the channel stops itself
    return false;
}

void connection::throttle_until_ready() {
    if (_throttle_pending)
        return;  // the wake-up already due re-checks every limit
    _throttle_pending = true;
    _shard.throttle(*this, _limiter->ready_at());
}

void connection::on_throttle_end(channel::clock::time_point now) {
    _throttle_pending = false;
    if (_closing || _finished)
        return;
    _channel.resume(now);  // may spend the budget again, and ask for another wake-up
    resume_after_grant();
}

void connection::resume_publishing() {
    // Paused only while the channel was not already (on_readable checks read_paused()
    // first), so no rate-limit wake-up is due: the throttle is ours to end.
    if (!_publisher_parked || _closing || _finished)
        return;
    _publisher_parked = false;
    _channel.resume(channel::clock::now());
    request_read();
}

void connection::request_read() {
    // At most one pending direct read, and none while a readiness wait is armed (a wait is
    // armed only after a read found the socket drained, which never schedules one).
    if (_read_scheduled || _closing || _finished)
        return;
    _read_scheduled = true;
    _shard.schedule_read(*this);
}

void connection::socket_gone() {
    if (_finished)
        return;
    if (!_closing)
        _channel.on_socket_closed(channel::clock::now());
    finish();
}

std::optional<core::ip_address> connection::peer_address() const {
    return _stream->peer_address();
}

// --- writing --------------------------------------------------------------------------

void connection::notify_output() {
    if (_flush_scheduled || _finished)
        return;
    _flush_scheduled = true;
    _shard.schedule_flush(*this);
}

void connection::append_by_reference(std::shared_ptr<const std::string> bytes) {
    seal_output();
    outbound& o = out();
    o.segment_bytes += bytes->size();
    o.segments.push_back(outbound::segment{{}, std::move(bytes)});
    notify_output();
}

outbound& connection::out() {
    if (!_out)
        _out = _shard.outbound_buffers().take();
    return *_out;
}

void connection::release_output() {
    if (_out && _out->idle())
        _shard.outbound_buffers().give(std::move(_out));
}

void connection::seal_output() {
    if (!_out || _out->output.empty())
        return;
    outbound& o = *_out;
    o.segment_bytes += o.output.size();
    o.segments.push_back(outbound::segment{std::move(o.output), nullptr});
    o.output.clear();  // moved-from: make it a valid empty string
}

void connection::flush() {
    _flush_scheduled = false;
    if (_finished || _awaiting_writable)
        return;  // on_writable() continues
    write_pending();
}

void connection::on_writable() {
    _awaiting_writable = false;
    if (!_finished)
        write_pending();
}

void connection::write_pending() {
    // Pieces per system call: the channel coalesces small frames into the output, so a
    // turn's output is a handful of pieces (one more per large payload sent by reference).
    constexpr std::size_t max_pieces = 64;
    bool wrote = false;
    while (pending_output() > 0) {
        outbound& o = *_out;  // bytes are pending: it exists
        std::string_view views[max_pieces];
        std::size_t count = 0;
        std::size_t skip = o.sent;  // applies to the first piece only
        for (const outbound::segment& seg : o.segments) {
            if (count == max_pieces)
                break;
            views[count++] = seg.bytes().substr(skip);
            skip = 0;
        }
        if (count < max_pieces && !o.output.empty())
            views[count++] = std::string_view(o.output).substr(skip);
        std::error_code ec;
        const std::size_t n = _stream->write_some({views, count}, ec);
        if (ec) {
            socket_gone();
            return;
        }
        if (n == 0) {  // the socket is full: continue when the peer has read some
            _awaiting_writable = true;
            _stream->wait_writable();
            break;
        }
        o.consume(n);
        wrote = true;
    }
    if (wrote && _read_paused) {
        _channel.on_output_drained(channel::clock::now());
        resume_after_grant();
    }
    if (pending_output() == 0) {
        release_output();  // idle: the buffers go back to the shard
        if (_closing)
            finish();
    }
}

void connection::on_tick(channel::clock::time_point now) {
    if (_closing && now - _since > close_timeout) {
        _stream->abort();  // the peer stopped reading: give up flushing
        finish();
        return;
    }
    // Overload-paused connections tick too (CONNECT and refusal timeouts, retries, queue
    // expiry); their channel is throttled, which suspends only the keep alive.
    _channel.on_tick(now);
}

void connection::close() {
    if (_closing || _finished)
        return;
    _closing = true;
    _since = channel::clock::now();
    notify_output();  // flush what is queued, then finish
    if (!_flush_scheduled && !_awaiting_writable)
        finish();
}

void connection::finish() {
    if (_finished)
        return;
    _finished = true;
    _stream->close();
    _shard.retire(*this);
}

// --- broker services ------------------------------------------------------------------

void connection::open_session(const channel::session_request& req,
                              std::function<void(channel::session_grant)> done) {
    _shard.open_session(*this, req, std::move(done));
}

void connection::session_closed(session::session* s) {
    _shard.session_closed(s);
}
void connection::publish(core::message_ptr msg) {
    // The channel stamped the message with the time of the read that brought it: no clock
    // read per message.
    const auto now = msg->received_at;
    _shard.publish(std::move(msg), now);
}
bool connection::publish_delayed(core::message_ptr msg, std::uint32_t seconds) {
    return _shard.publish_delayed(std::move(msg), seconds);
}
std::uint64_t connection::storage_ticket() const {
    return _shard.storage_ticket();
}
void connection::notify_when_durable(std::uint64_t ticket) {
    _shard.notify_when_durable(*this, ticket);
}

auth::access_control& connection::access() {
    return _shard.access();
}
const router::retained_store& connection::retained() const {
    return _shard.retained();
}
channel::frame_cache& connection::qos0_frames() {
    return _shard.qos0_frames();
}
core::guid connection::next_guid(channel::clock::time_point now) {
    return _shard.next_guid(now);
}
std::string connection::assign_client_id() {
    return _shard.assign_client_id();
}

}  // namespace emqd::broker
