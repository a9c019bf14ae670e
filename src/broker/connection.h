#pragma once
// One client connection on a shard: glues a transport stream to a channel. It implements
// the channel's two seams: connection_io (bytes out, close) and broker_services (forwarded
// to the shard with this connection's identity, so asynchronous answers can find it again).
//
// Writes are gathered: the channel appends to the output during a loop turn and the shard
// flushes every dirty connection once at the end of the turn. A flush hands the kernel all
// it takes at once (non-blocking); only when the socket is full does the connection wait
// for it to become writable, while new bytes accumulate behind the unsent ones. The output
// buffers are borrowed from the shard's outbound_pool while the connection has something to
// write, so an idle connection holds no buffer and no segment list.
//
// THREADING WARNING: owned by one shard; every call happens on that shard's thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/listener_state.h"
#include "broker/outbound_pool.h"
#include "channel/broker_services.h"
#include "channel/channel.h"
#include "channel/connection_io.h"
#include "transport/rate_limiter.h"
#include "transport/stream.h"

namespace emqd::broker {

class shard;

class connection final : public channel::connection_io,
                         public channel::broker_services,
                         public transport::stream_handler {
public:
    /// `admitted` is what listener.admit() said (admit or refuse); released on destruction.
    connection(shard& owner, std::uint64_t id, std::unique_ptr<transport::stream> stream,
               listener_state& listener, listener_state::admission admitted);
    ~connection() override;

    void start();
    std::uint64_t id() const { return _id; }
    channel::channel& chan() { return _channel; }
    bool finished() const { return _finished; }
    /// Writes what the channel queued (called by the shard once per loop turn).
    void flush();
    /// Continue reading after the shard's fairness limit stopped a read burst.
    void resume_reading();
    /// About once a second: channel timers, and the bound on how long a close may take.
    void on_tick(channel::clock::time_point now);
    /// The channel may dispatch again (session granted, or output drained): continue reading
    /// if it paused.
    void resume_after_grant();
    /// The time shard::throttle() was asked for has come: the rate limits may allow more.
    void on_throttle_end(channel::clock::time_point now);
    /// Publishers need not wait any more (shard::publishers_wait()): continue reading if
    /// this one parked (only recent publishers park: on_readable).
    void resume_publishing();

    // connection_io
    std::string& output() override { return out().output; }
    void notify_output() override;
    void append_by_reference(std::shared_ptr<const std::string> bytes) override;
    std::size_t pending_output() const override { return _out ? _out->pending() : 0; }
    bool count_publish(channel::clock::time_point now) override;
    std::optional<core::ip_address> peer_address() const override;
    void close() override;

    // broker_services (forwarded to the shard)
    void open_session(const channel::session_request& req,
                      std::function<void(channel::session_grant)> done) override;
    void session_closed(session::session* s) override;
    void publish(core::message_ptr msg) override;
    bool publish_delayed(core::message_ptr msg, std::uint32_t seconds) override;
    std::uint64_t storage_ticket() const override;
    void notify_when_durable(std::uint64_t ticket) override;
    auth::access_control& access() override;
    const router::retained_store& retained() const override;
    channel::frame_cache& qos0_frames() override;
    core::guid next_guid(channel::clock::time_point now) override;
    std::string assign_client_id() override;

    // stream_handler
    void on_readable() override;
    void on_writable() override;

private:
    connection(shard& owner, std::uint64_t id, std::unique_ptr<transport::stream> stream,
               listener_state& listener, listener_state::admission admitted,
               channel::clock::time_point now);
    void request_read();
    /// Over a rate limit: wake up when the limiter allows again.
    void throttle_until_ready();
    void socket_gone();
    void finish();

    /// The output buffers, borrowed when the connection first writes.
    outbound& out();
    /// Gives the output buffers back to the pool if nothing is left to write.
    void release_output();
    void seal_output();
    /// Writes what the kernel takes now; waits for writability if it doesn't take it all.
    void write_pending();

    shard& _shard;
    std::uint64_t _id;
    std::unique_ptr<transport::stream> _stream;
    listener_state& _listener;
    channel::channel _channel;                          // after _stream: destroyed before it
    std::unique_ptr<transport::rate_limiter> _limiter;  // null: no inbound rate limit
    std::unique_ptr<outbound> _out;                     // null: nothing to write
    /// Until close(): the last inbound PUBLISH handled (count_publish), which tells who is a
    /// publisher under overload. From close() on, when the close began (it may take at most
    /// close_timeout): no PUBLISH is handled then, the channel makes no call after close.
    /// One field for both keeps the connection at 112 bytes, a size class of the allocator.
    channel::clock::time_point _since = channel::clock::time_point::min();
    listener_state::admission _admitted;
    bool _awaiting_writable = false;  // the kernel took less than offered: wait_writable()
    bool _read_scheduled = false;     // a direct read is queued for the end of the turn
    bool _read_paused = false;        // stopped reading while the channel holds frames back
    bool _publisher_parked = false;   // a publisher not read while publishers_wait()
    bool _throttle_pending = false;   // a shard::throttle() wake-up is due
    bool _flush_scheduled = false;
    bool _closing = false;   // close requested: flush, then finish
    bool _finished = false;  // socket closed; the shard frees us at the end of the turn
};

}  // namespace emqd::broker
