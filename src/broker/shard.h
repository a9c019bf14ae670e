#pragma once
// A shard: one worker thread running one event loop (design.md "Threading"). It owns the
// connections accepted by its listeners and the sessions of their clients; nothing else
// touches them. Other shards reach it only through tasks posted to its io() and its
// delivery inbox.
//
// Per loop turn: read and handle packets; route publishes (local subscribers are served
// at once, remote ones collected per destination shard); at the end of the turn, hand each
// destination one batch (one wake-up), and flush every connection with pending output
// once (gathered writes). A 1-second tick drives keepalive, retries and session expiry.
//
// Shared subscriptions: a message routed through a shared group that its member cannot take
// goes to another member of the group (redispatch), locally or through the same outbox as a
// publish: the member's session has no connection (it got the message in a race with its
// disconnect), its session is gone, or its connection went away with the message
// unacknowledged (session::hand_off_shared, from session_closed and discard_session). The
// member that takes it owns it alone from then on; a detached member keeps what no other
// available member can take, and an ending session gives it to any other member.
//
// THREADING WARNING: from other threads, only deliver(), stop() and posting to io().

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/delayed_queue.h"
#include "broker/delivery.h"
#include "broker/outbound_pool.h"
#include "broker/throttle_list.h"
#include "channel/broker_services.h"
#include "channel/channel_config.h"
#include "channel/frame_cache.h"
#include "core/guid.h"
#include "session/session.h"
#include "session/shard_context.h"
#include "transport/rate_limiter.h"
#include "transport/stream.h"

namespace boost::asio {
class io_context;
}
namespace emqd::storage {
class shard_writer;
struct recovered_session;
}  // namespace emqd::storage

namespace emqd::broker {

struct broker_context;
struct listener_state;
class connection;

class shard {
public:
    using clock = std::chrono::steady_clock;

    shard(std::uint32_t index, broker_context& ctx);
    ~shard();

    std::uint32_t index() const { return _index; }
    boost::asio::io_context& io() { return *_io; }

    /// Opens this shard's listeners (SO_REUSEPORT siblings of the other shards'); called
    /// before run(). Throws std::system_error if a port can't be bound.
    void open_listeners();
    /// The thread body: runs the event loop until stopped.
    void run();
    /// Thread-safe. Graceful stop: stop accepting, kick every client (v5: DISCONNECT
    /// 0x8B), flush, close; the loop ends when all connections are gone or after a grace
    /// period.
    void stop();

    /// Thread-safe: queues deliveries for sessions of this shard; one wake-up per batch.
    void deliver(std::vector<delivery_item>&& batch);
    /// Thread-safe: deliveries queued here by other shards and not yet handed to sessions.
    std::size_t backlog() const { return _backlog.load(std::memory_order_relaxed); }
    /// Thread-safe: the bytes this shard's session queues held at its last tick.
    std::uint64_t queued_bytes() const { return _queued_bytes.load(std::memory_order_relaxed); }

    // --- for connections of this shard -------------------------------------------------
    void open_session(connection& c, const channel::session_request& req,
                      std::function<void(channel::session_grant)> done);
    void session_closed(session::session* s);
    /// Routes `msg` and delivers it; `now` is the current time (a fresh message's
    /// received_at: its arrival is now). With storage, first writes what must survive a
    /// restart: the message for every persistent session it goes to at QoS 1/2, and a
    /// retained message (session_store.h, retained_persistence.h).
    void publish(core::message_ptr msg, clock::time_point now);
    /// The ticket of this shard's storage writer (session_store::ticket); 0 without storage.
    std::uint64_t storage_ticket() const;
    /// Calls c.chan().durable() once everything written up to `ticket` is durable (unless
    /// `c` is gone by then).
    void notify_when_durable(connection& c, std::uint64_t ticket);
    /// Before the shard's thread runs: a session read back from storage, detached.
    void restore_session(storage::recovered_session&& r, clock::time_point now);
    /// After the shard's thread stopped: hands what the writer holds to the store and
    /// drops the writer (broker::stop, before the store closes).
    void close_storage();
    /// Holds `msg` for `seconds`, then publish()es it; false when the broker already holds
    /// max_delayed_messages, or when `msg` would take it past max_delayed_bytes.
    bool publish_delayed(core::message_ptr msg, std::uint32_t seconds);
    core::guid next_guid(clock::time_point now) { return _guids.next(now); }
    std::string assign_client_id();
    const channel::channel_config& zone() const;
    const router::retained_store& retained() const;
    auth::access_control& access();
    channel::frame_cache& qos0_frames() { return _frames; }
    outbound_pool& outbound_buffers() { return _outbound; }
    void schedule_flush(connection& c);
    void schedule_read(connection& c);
    void retire(connection& c);
    /// The inbound rate limiter of a new connection (zone rate_limit.*); null when off.
    std::unique_ptr<transport::rate_limiter> make_rate_limiter(std::size_t read_size,
                                                               clock::time_point now) const;
    /// Calls c.on_throttle_end() at `when`, unless c is gone by then.
    void throttle(connection& c, clock::time_point when);
    /// True while the broker is overloaded (shard_overload.cpp).
    bool overloaded() const { return _overloaded; }
    /// True while this shard's publishers must wait (shard_flow.cpp): the broker is
    /// overloaded, a shard they deliver to has a backlog past the high watermark, or the
    /// store is behind (storage.max_backlog).
    bool publishers_wait();
    /// Parks `c`, a publisher that stopped reading because publishers_wait(): it gets
    /// resume_publishing() once they need not wait any more.
    void park_publisher(connection& c);

private:
    /// A claim on a session by a newer connection (takeover).
    struct handoff {
        router::subscriber_id to;  // the new owner's shard and session id
        bool discard = false;      // clean start: end the session instead
        /// Runs on the surrendering shard; carries the session (or null) to the new owner.
        std::function<void(std::unique_ptr<session::session>)> send;
    };
    /// A session on its way here (between open_session and adopt_session).
    struct pending_session {
        std::vector<delivery_item> held;  // deliveries that arrived meanwhile
        std::optional<handoff> claim;     // a newer connection claimed it meanwhile
    };
    struct session_entry {
        std::unique_ptr<session::session> session;
        connection* conn = nullptr;  // attached connection, if any
        bool surrendering = false;   // being handed to a new connection (takeover)
        /// Non-null while pending: apart, so that the entries of the many settled sessions
        /// stay small.
        std::unique_ptr<pending_session> pending;
    };
    /// Deliveries to a surrendered session id go to its new owner until `until`.
    struct forward {
        router::subscriber_id to;
        clock::time_point until;
    };
    using session_map = std::unordered_map<std::uint64_t, session_entry>;

    void accept(std::unique_ptr<transport::stream> stream, listener_state& listener);
    /// Logs connections refused past max_connections, at most once per interval.
    void note_refusal(const listener_state& listener, const transport::stream& stream);
    void end_of_turn();
    void schedule_end_of_turn();
    // --- shard_flow.cpp: cross-shard delivery and its backpressure ------------------------
    void drain_inbox();
    /// Resumes every parked publisher (each parks itself again if it must still wait).
    void resume_parked();
    void deliver_local(const core::message_ptr& msg, std::uint64_t session,
                       std::span<const router::subscription_options> opts, clock::time_point now);
    void tick();
    void arm_tick();
    void arm_delayed(clock::time_point due);
    void release_delayed();
    /// Publishes this shard's queued bytes and takes its share of the global cap.
    void rebalance_queue_budget();
    void surrender_session(std::uint64_t id, handoff h);
    void hand_over(session_map::iterator it, handoff h);
    void adopt_session(std::uint64_t conn_id, std::uint64_t new_id,
                       std::unique_ptr<session::session> s, const channel::session_request& req,
                       const std::function<void(channel::session_grant)>& done);
    void deliver_items(std::span<const delivery_item> items, clock::time_point now);
    /// Queues `item` for shard `to` (delivered at the end of this turn).
    void send_to_shard(std::uint32_t to, delivery_item&& item);
    /// Gives `msg`, which came through shared group `group` to `from`, to another member
    /// (router::pick_other); false if there is none.
    bool redispatch(const core::message_ptr& msg, std::uint64_t group, router::subscriber_id from,
                    bool any_member, clock::time_point now);
    /// Redispatches the unacknowledged shared messages of detached session `s`; those no
    /// member takes stay with it. `ending`: the session is about to end, any member will do.
    void hand_off_shared(session::session& s, bool ending, clock::time_point now);
    void expire_sessions(clock::time_point now);
    void discard_session(std::uint64_t id);
    void publish_will(session::session& s);
    /// Deletes what storage holds of `s`, a session that ends.
    void forget_stored(const session::session& s);
    void check_stopped();
    /// The commit thread made this writer's writes up to `ticket` durable (posted here).
    void on_durable(std::uint64_t ticket);
    /// A message for a persistent session dropped because the store is full
    /// (storage.max_size): counted, logged at most every 10 seconds.
    void note_storage_full(clock::time_point now);

    // --- shard_overload.cpp: overload protection --------------------------------------------
    /// Records a measured loop lag (this shard's thread).
    void note_lag(clock::duration lag);
    /// Shard 0, once a second: feeds the monitor and tells every shard about a transition.
    void sample_overload(clock::time_point now);
    /// Enters or leaves overload on this shard: listeners and connection reads.
    void set_overloaded(bool on);
    void pause_listeners(bool paused);  // shard.cpp: the listeners live in loop_state

    std::uint32_t _index;
    broker_context& _ctx;
    std::unique_ptr<boost::asio::io_context> _io;
    struct loop_state;
    std::unique_ptr<loop_state> _loop;  // Asio objects: listeners, timers
    core::guid_generator _guids;

    std::unordered_map<std::uint64_t, std::unique_ptr<connection>> _connections;
    std::uint64_t _next_connection_id = 1;
    std::unique_ptr<storage::shard_writer> _writer;  // null without storage
    /// Before _sessions: their queues release their bytes into its budget when they are
    /// destroyed.
    session::shard_context _session_context;
    std::atomic<std::uint64_t> _queued_bytes{0};  // budget.used() as of the last tick
    /// Connections waiting for their acknowledgements' writes: (ticket, connection id), in
    /// ticket order. _durable: the highest ticket known durable.
    std::deque<std::pair<std::uint64_t, std::uint64_t>> _durable_waiters;
    std::uint64_t _durable = 0;
    struct {
        std::uint64_t count = 0;  // since the last log line
        clock::time_point logged_at{};
    } _storage_full;
    session_map _sessions;
    std::unordered_map<std::uint64_t, forward> _forwards;  // surrendered id -> new owner

    std::vector<connection*> _dirty;    // connections with output to flush this turn
    std::vector<connection*> _readers;  // connections to resume reading next turn
    std::vector<std::unique_ptr<connection>> _retired;   // freed at the end of the turn
    std::vector<std::vector<delivery_item>> _outbox;     // per destination shard
    std::vector<router::route> _routes;                  // scratch for publish
    std::vector<router::subscription_options> _matched;  // scratch: one session's matches
    channel::frame_cache _frames;
    outbound_pool _outbound;  // lent to connections while they write
    delayed_queue _delayed;
    struct {
        std::uint64_t count = 0;
        clock::time_point logged_at{};
    } _refusals;               // note_refusal
    throttle_list _throttled;  // connections waiting for a rate limit
    std::uint64_t _ticks = 0;
    bool _turn_end_scheduled = false;
    bool _stopping = false;

    bool _overloaded = false;
    /// Worst loop lag since shard 0 last sampled it (ns): written here, exchanged by shard 0.
    std::atomic<std::int64_t> _lag_ns{0};

    std::vector<std::uint64_t> _parked;    // connections of publishers waiting (park_publisher)
    std::vector<delivery_item> _draining;  // taken from _inbox, being delivered in chunks
    std::size_t _drained = 0;              // items of _draining already delivered
    std::atomic<std::size_t> _backlog{0};  // items in _inbox and _draining not delivered
    std::atomic<std::size_t> _backlog_bytes{0};  // their message bytes (queued_size)
    /// Another shard parked publishers because of our backlog: wake them when it is low.
    std::atomic<bool> _producers_waiting{false};

    std::mutex _inbox_mutex;
    std::vector<delivery_item> _inbox;  // guarded by _inbox_mutex
    clock::time_point _inbox_since{};   // guarded: when _inbox became non-empty
    bool _drain_scheduled = false;      // guarded: a drain_inbox() is posted or running
};

}  // namespace emqd::broker
