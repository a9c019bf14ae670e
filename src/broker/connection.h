#pragma once
// One client connection on a shard: glues a transport stream to a channel. It implements
// the channel's two seams: connection_io (bytes out, close) and broker_services (forwarded
// to the shard with this connection's identity, so asynchronous answers can find it again).
//
// Writes are gathered: the channel appends to _output during a loop turn, the shard flushes
// every dirty connection once at the end of the turn, and while a write is in flight new
// bytes accumulate for the next one.
//
// THREADING WARNING: owned by one shard; every call happens on that shard's thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "channel/broker_services.h"
#include "channel/channel.h"
#include "channel/connection_io.h"
#include "transport/stream.h"

namespace emqd::broker {

class shard;
struct listener_state;

class connection final : public channel::connection_io,
                         public channel::broker_services,
                         public transport::stream_handler {
public:
    connection(shard& owner, std::uint64_t id, std::unique_ptr<transport::stream> stream,
               listener_state& listener);
    ~connection() override;

    void start();
    std::uint64_t id() const { return _id; }
    channel::channel& chan() { return *_channel; }
    bool finished() const { return _finished; }
    /// Writes what the channel queued (called by the shard once per loop turn).
    void flush();
    /// Continue reading after the shard's fairness limit stopped a read burst.
    void resume_reading();
    /// About once a second: channel timers, and the bound on how long a close may take.
    void on_tick(channel::clock::time_point now);
    /// The session grant was handed to the channel: continue reading if it paused.
    void resume_after_grant();

    // connection_io
    std::string& output() override { return _output; }
    void notify_output() override;
    void append_frame(std::shared_ptr<const std::string> frame) override;
    std::size_t pending_output() const override { return _output.size() + _segment_bytes; }
    std::optional<core::ip_address> peer_address() const override;
    void close() override;

    // broker_services (forwarded to the shard)
    void open_session(const channel::session_request& req,
                      std::function<void(channel::session_grant)> done) override;
    void session_closed(session::session* s) override;
    void publish(core::message_ptr msg) override;
    auth::access_control& access() override;
    const router::retained_store& retained() const override;
    channel::frame_cache& qos0_frames() override;
    core::guid next_guid() override;
    std::string assign_client_id() override;

    // stream_handler
    void on_readable() override;
    void on_write_complete(std::error_code ec) override;

private:
    void request_read();
    void socket_gone();
    void finish();

    shard& _shard;
    std::uint64_t _id;
    std::unique_ptr<transport::stream> _stream;
    listener_state& _listener;
    std::unique_ptr<channel::channel> _channel;
    /// Outbound bytes in order: sealed segments, then _output (the open tail). A segment is
    /// either bytes of this connection or a frame shared with others (QoS 0 fan-out).
    struct segment {
        std::string owned;
        std::shared_ptr<const std::string> shared;
        std::string_view bytes() const { return shared ? std::string_view(*shared) : owned; }
    };
    void seal_output();

    std::string _output;                   // appended by the channel
    std::vector<segment> _segments;        // sealed, waiting for the next write
    std::size_t _segment_bytes = 0;        // bytes in _segments and _writing
    std::vector<segment> _writing;         // being written; stable until on_write_complete
    std::vector<std::string_view> _views;  // _writing as the stream sees it
    bool _write_active = false;
    bool _read_scheduled = false;  // a direct read is queued for the end of the turn
    bool _read_paused = false;     // stopped reading while the session was being opened
    bool _output_paused = false;   // stopped reading while too much output waits
    channel::clock::time_point _closing_since{};
    bool _flush_scheduled = false;
    bool _closing = false;   // close requested: flush, then finish
    bool _finished = false;  // socket closed; the shard frees us at the end of the turn
};

}  // namespace emqd::broker
