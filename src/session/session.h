#pragma once
// The session of one client: what survives a disconnect (spec 4.1) and the QoS 1/2 state.
//
//         |<----------------- max queue length ----------------->|
//   IN -> |          message queue         |   inflight window   | -> OUT
//                                          |<--- window size --->|
//
// Outbound QoS 1/2 messages enter the inflight window (bounded by max_inflight and by the
// client's Receive Maximum) when a connection is attached and the window has room; others
// wait in the queue. When the queue is full, a QoS 0 message is dropped first, then the
// oldest. Packet ids are 16-bit, per session and direction, never 0, never reused while in
// flight. Inbound QoS 2 ids wait in "awaiting PUBREL" (bounded, with a timeout).
//
// Shared subscriptions: the session is a member of a group per $share/... filter, available
// to the router's picking while a connection is attached. What arrives through one is a
// delivery of its own (never merged with another subscription's) that remembers its group:
// when the connection goes, the broker hands the unacknowledged ones to another member.
//
// Ownership: a session is owned by its shard's session table and touched only on that shard.
// While a connection is attached the session sends through a session_sink (the channel); a
// session moves to another shard only detached, by the broker, on takeover.
//
// THREADING WARNING: no member may be called from a thread other than the owning shard's.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/message.h"
#include "core/result.h"
#include "core/shared_string.h"
#include "router/router.h"
#include "router/subscriber.h"
#include "session/drop_counters.h"
#include "session/message_queue.h"
#include "session/session_config.h"
#include "session/session_store.h"
#include "session/shard_context.h"

namespace emqd::session {

using clock = std::chrono::steady_clock;

namespace detail {
struct delivery;  // session/delivery.h
}

/// One outbound PUBLISH as the session asks the connection to send it.
struct publish_out {
    const core::message& msg;
    std::uint8_t qos;
    bool retain;
    bool dup;
    std::uint16_t packet_id;  // 0 for QoS 0
    std::span<const std::uint32_t> subscription_ids;
    /// The shared pointer `msg` came from: lets the connection send the payload by
    /// reference (keeping the message alive until written) instead of copying it.
    const core::message_ptr& owner;
};

/// What a session sends through while a connection is attached (implemented by the channel).
/// Both calls happen on the session's shard, synchronously, from inside a session member;
/// an implementation must not call back into the session from them (queue a close
/// instead). `p` and what it refers to are valid only for the duration of the call.
class session_sink {
public:
    virtual ~session_sink() = default;
    /// Sends a PUBLISH. Returns false if it could not be sent and must be treated as
    /// delivered-and-dropped (e.g. larger than the client's Maximum Packet Size, spec 3.1.2.11.4):
    /// the session then forgets it (a QoS 1/2 message does not stay inflight).
    virtual bool send_publish(const publish_out& p) = 0;
    virtual void send_pubrel(std::uint16_t packet_id) = 0;
};

class session {
public:
    /// `cfg` and `router` must outlive the session; `cfg` is read on every call, so a zone
    /// reload takes effect at once. Starts detached at clock::time_point{}, with no
    /// subscriptions; `self` is the handle the router knows this session by. `shard` is
    /// the owning shard's context (see set_shard); null: no global queue cap, drops not
    /// summed, nothing stored.
    session(const session_config& cfg, core::shared_string client_id, router::router& router,
            router::subscriber_id self, shard_context* shard = nullptr);
    ~session();  // removes every subscription from the router
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    const core::shared_string& client_id() const { return _client_id; }
    router::subscriber_id id() const { return _self; }
    /// After the broker moves the session to another shard: re-registers every
    /// subscription under the new handle. Each filter is added under `new_id` before it is
    /// removed under the old one, so no publish in between misses it (the old shard skips a
    /// handle whose session is gone). Shared memberships keep their availability.
    void rebind(router::subscriber_id new_id);
    /// The context of the shard that owns the session (null while it travels between
    /// shards): its queued bytes are charged to that shard's budget, its drops summed there,
    /// its records written through that shard's storage writer. Must be called on the
    /// thread of the shard owning the old context when it is released, and of the new one
    /// when it is set, so: release (null) on the old shard, set on the new.
    void set_shard(shard_context* shard);

    // --- persistence (session_store.h) --------------------------------------------------
    /// Makes the session persistent under `store_id` (non-zero), before it subscribes: its
    /// routes carry the id, and from now on it keeps its stored records up to date through
    /// the shard's writer (deliveries forgotten when acknowledged or dropped, QoS 2
    /// progress, awaiting-PUBREL ids, the session record on subscribe/unsubscribe and
    /// detach).
    void set_store_id(std::uint64_t store_id) { _store_id = store_id; }
    std::uint64_t store_id() const { return _store_id; }
    /// True if the publishing shard stores `msg` for a persistent session whose matched
    /// subscriptions are `matched` (a QoS 1/2 message that some subscription takes at QoS
    /// 1/2; No Local is not known there and not considered). The session forgets what it
    /// does not keep.
    static bool stored(const core::message& msg,
                       std::span<const router::subscription_options> matched);
    /// The durable part of this session now; `now` is the current steady time.
    stored_session record(clock::time_point now) const;
    /// Writes record() through the shard's writer (a persistent session on a shard with
    /// storage; otherwise nothing).
    void persist(clock::time_point now) const;
    /// A delivery read back from storage after a restart, for a detached session: queued as
    /// deliver() would queue it, or, with QoS 2 progress, put back in the window under its
    /// packet id (resent with DUP, or as PUBREL, on attach). Call in message id order.
    void restore(const core::message_ptr& msg,
                 std::span<const router::subscription_options> matched, std::uint16_t packet_id,
                 qos2_progress progress, clock::time_point now);

    // --- connection -------------------------------------------------------------------
    /// Attaches a connection (`sink` non-null, valid until detach()). `receive_maximum` is
    /// the client's (v5) or 65535 (0 is read as 65535). Resends the inflight window in send
    /// order (spec 4.4): PUBLISH with DUP=1, or PUBREL for entries already PUBREC'd; then
    /// moves queued messages into the window while it has room. The window size is
    /// min(max_inflight (0 = 65535), receive_maximum); a smaller new window than what is
    /// inflight is honoured as acks arrive. Shared memberships become available.
    void attach(session_sink* sink, std::uint16_t receive_maximum, clock::time_point now);
    /// Detaches the connection; inflight entries and the queue are kept for the next attach
    /// (but see hand_off_shared). Shared memberships become unavailable: the router gives
    /// their messages to other members while there are any.
    void detach(clock::time_point now);
    bool attached() const { return _sink != nullptr; }
    /// When the session was last detached (for expiry); meaningful while detached.
    clock::time_point detached_at() const { return _detached_at; }

    /// Session Expiry Interval in seconds (0 = ends with the connection; 0xFFFFFFFF = never).
    std::uint32_t expiry_interval() const { return _expiry_interval; }
    void set_expiry_interval(std::uint32_t s) { _expiry_interval = s; }
    /// True if detached, expiry_interval is not 0xFFFFFFFF and at least expiry_interval
    /// seconds have passed since detached_at().
    bool expired(clock::time_point now) const;

    // --- subscriptions ----------------------------------------------------------------
    /// The prefix of an EMQ fastlane subscription: `$fastlane/<filter>`, routed as <filter>
    /// with subscription_options::fastlane set.
    static constexpr std::string_view fastlane_prefix = "$fastlane/";
    /// The filter the router knows a subscription by: `filter` without fastlane_prefix.
    static std::string_view routed_filter(std::string_view filter);

    /// Subscribes (validated filter, plain or shared, as the client wrote it) in the router
    /// under id() and records it; replaces the options of an existing subscription. Returns
    /// true if the subscription is new. A session holding both `F` and `$fastlane/F` is
    /// routed once, as `F` (the router keeps one route per filter and session): the
    /// fastlane one then only takes over when `F` is unsubscribed.
    bool subscribe(const std::string& filter, const router::subscription_options& opts);
    /// Removes it from the router and the session; returns false if there was none.
    bool unsubscribe(const std::string& filter);
    using subscription_map = std::map<std::string, router::subscription_options, std::less<>>;
    /// Valid until the next subscribe() or unsubscribe() (the map of a session without
    /// subscriptions is not kept).
    const subscription_map& subscriptions() const;

    // --- outbound messages ------------------------------------------------------------
    /// A routed message; `matched` holds the options of every subscription of this session
    /// that matched. Applies No Local, merges overlapping subscriptions (one delivery at the
    /// highest QoS, all subscription identifiers), caps QoS, then sends or queues. A shared
    /// subscription's route (options.shared_group != 0) is never merged: it is a delivery of
    /// its own, with its own QoS, retain flag and subscription identifier.
    /// Details: a matched entry with no_local is skipped when msg->from_client_id equals
    /// client_id(); nothing is sent if none is left. Delivered QoS = min(msg qos, highest
    /// granted), or max if cfg.upgrade_qos. RETAIN = msg->retain only if some remaining
    /// subscription has retain_as_published. An expired message is dropped (counted).
    /// Attached: QoS 0 is sent at once; QoS 1/2 enters the window under a fresh packet id if
    /// it has room and nothing is queued, else it is queued. Detached: QoS 1/2 is queued,
    /// QoS 0 only if cfg.mqueue_store_qos0 (else dropped, counted). A queue at one of its
    /// bounds (cfg.max_mqueue_len, cfg.max_mqueue_bytes, the shard's budget) drops a QoS 0
    /// message first (the incoming one if QoS 0, else the oldest queued), then the oldest,
    /// counted by reason (message_queue.h).
    void deliver(const core::message_ptr& msg,
                 std::span<const router::subscription_options> matched, clock::time_point now);
    /// A retained message sent because of a SUBSCRIBE: retain flag set (spec 3.3.1.3).
    void deliver_retained(const core::message_ptr& msg, const router::subscription_options& opts,
                          clock::time_point now);

    /// Client acknowledgements. Errors carry packet_identifier_not_found: no inflight entry
    /// with that id in the matching state (PUBACK: a QoS 1 entry; PUBREC: a QoS 2 entry;
    /// PUBCOMP: a QoS 2 entry already PUBREC'd). A duplicate PUBREC resends PUBREL. PUBACK and
    /// PUBCOMP complete the flow, free a window slot and move queued messages in (expired
    /// ones are dropped, counted). PUBREC keeps the slot (spec 4.9: the quota returns on
    /// PUBCOMP) and releases the message.
    core::status on_puback(std::uint16_t packet_id, clock::time_point now);
    core::status on_pubrec(std::uint16_t packet_id, clock::time_point now);  // sends PUBREL
    /// A v5 PUBREC with a reason code >= 0x80: the receiver refused the message, the flow
    /// ends here without PUBREL and the packet id is free again (spec 4.3.3).
    core::status on_pubrec_refused(std::uint16_t packet_id, clock::time_point now);
    core::status on_pubcomp(std::uint16_t packet_id, clock::time_point now);

    /// Offers `give(msg, group)` every message that came through shared group `group` at
    /// QoS 1/2 and that the client has not acknowledged: inflight without PUBACK/PUBREC
    /// (even if sent), then queued, each in order. Those `give` takes (returns true) are
    /// forgotten here; the others stay. `give` must not call back into this session. Meant
    /// for a detached session (the broker calls it when the connection goes, or before the
    /// session ends).
    void hand_off_shared(const std::function<bool(const core::message_ptr&, std::uint64_t)>& give);

    // --- inbound QoS 2 ----------------------------------------------------------------
    /// Records an inbound QoS 2 PUBLISH awaiting PUBREL. Returns true if it is new (the
    /// message must be published), false for a duplicate (DUP resend: don't publish again),
    /// or an error when max_awaiting_rel is reached (receive_maximum_exceeded). `packet_id`
    /// is non-zero (the codec rejects 0). The id is forgotten after await_rel_timeout.
    core::result<bool> awaiting_rel_insert(std::uint16_t packet_id, clock::time_point now);
    /// On PUBREL: true if the id was awaiting release.
    bool awaiting_rel_release(std::uint16_t packet_id);

    // --- time ---------------------------------------------------------------------------
    /// Periodic work (called about once a second by the shard): resend unacknowledged
    /// messages after retry_interval (only when `retry` is set: MQTT 3.1/3.1.1 connections;
    /// v5 resends only on reconnect), drop awaiting-PUBREL ids after await_rel_timeout,
    /// drop expired queued messages. A retried entry gets sent_at = now. A zero
    /// retry_interval or await_rel_timeout disables that part.
    void tick(clock::time_point now, bool retry);

    // --- will (v5 Will Delay Interval) ------------------------------------------------------
    /// A will held back until `due` unless the session resumes first (spec 3.1.3.2.2).
    struct pending_will {
        core::message_ptr msg;
        clock::time_point due;
    };
    /// Null when there is none (held apart: most sessions never have one).
    std::unique_ptr<pending_will>& will() { return _will; }

    // --- introspection ------------------------------------------------------------------
    std::size_t inflight_size() const;
    std::size_t queue_size() const;
    /// Bytes queued, as charged against cfg.max_mqueue_bytes and the shard's budget.
    std::uint64_t queue_bytes() const;
    /// Inbound QoS 2 packet ids awaiting PUBREL.
    std::size_t awaiting_rel_size() const;
    /// Messages this session lost, by reason: queue bounds (count, bytes, global bytes),
    /// expiry (on delivery, in the queue, or when moving into the window), and QoS 0 while
    /// detached without mqueue_store_qos0.
    const drop_counters& drops() const;
    std::uint64_t dropped() const { return drops().total(); }

private:
    void resend_unsent(clock::time_point now);
    /// The options the router should hold for `routed` (a routed_filter()), or null when the
    /// session has no subscription routed there.
    const router::subscription_options* route_of(std::string_view routed) const;
    void set_shared_available(bool available);
    // Implementation-defined state; see session.cpp. Ordered without holes: an idle
    // session is 112 bytes (the allocator's 112-byte size class).
    const session_config& _cfg;
    core::shared_string _client_id;  // shared with the channel and the client registry
    router::router& _router;
    router::subscriber_id _self;
    session_sink* _sink = nullptr;
    clock::time_point _detached_at{};
    std::uint32_t _expiry_interval = 0;
    std::uint16_t _receive_maximum = 65535;
    std::uint16_t _next_packet_id = 1;  // while _state is null: where its ids resume
    /// Null while there are none: a map is 48 bytes, its pointer 8.
    std::unique_ptr<subscription_map> _subscriptions;
    std::unique_ptr<pending_will> _will;
    std::unique_ptr<drop_counters> _drops;  // null until the first drop
    shard_context* _shard = nullptr;
    std::uint64_t _store_id = 0;  // 0 = not persistent
    struct state;
    /// Inflight window, queue, awaiting rel: null while all are empty. Created by the first
    /// QoS 1/2 message or queued message (flows()), freed by the tick that finds it empty
    /// again, so an idle session holds none of it (and no slab sized by a past burst).
    std::unique_ptr<state> _state;

    state& flows();
    void release_idle_flows();

    std::size_t window_capacity() const;
    void dispatch(detail::delivery&& d, clock::time_point now);
    void send_new(detail::delivery&& d, clock::time_point now);
    void drain(clock::time_point now);
    /// Counts drops here and in the shard's sum.
    void count_drops(const drop_counters& d);
    void count_drop(drop_reason r, std::uint64_t n = 1);
    queue_budget* budget() const { return _shard ? &_shard->budget : nullptr; }
    /// The shard's writer if this session is persistent, else null.
    session_store* store() const { return _store_id != 0 && _shard ? _shard->store : nullptr; }
    /// `d` leaves the session (acknowledged, dropped, expired, handed off): its stored
    /// record goes too, and its QoS 2 progress record if it has one: `inflight` and QoS 2
    /// (queued deliveries have none: restore() erases a restored one it queues).
    void forget(const detail::delivery& d, bool inflight);
    /// forget() as the queue's drop observer (none for a session that stores nothing).
    detail::message_queue::drop_observer forgetting();
};

}  // namespace emqd::session
