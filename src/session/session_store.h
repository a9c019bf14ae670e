#pragma once
// What a persistent session keeps on disk, and the interface it is written through
// (design.md "Storage"). The session layer declares it; src/storage implements it on
// RocksDB; the broker wires one writer per shard.
//
// A session is persistent when its client asked for state that outlives the connection
// (3.1.1 clean session false, v5 Session Expiry Interval above zero). Such a session gets a
// store id (non-zero, unique in the data directory, never reused) when it is created; every
// record of the session is keyed by it. Clean sessions and QoS 0 deliveries never reach the
// store.
//
// Who writes what:
//   - The publishing shard, before it acknowledges a QoS 1/2 PUBLISH: one delivery record
//     per persistent session the message goes to at QoS 1/2 (the message itself, inline,
//     and the options of the matched subscriptions), and for an inbound QoS 2 message of a
//     persistent publisher its awaiting-PUBREL packet id.
//   - The session's shard: the session record (client id, expiry, subscriptions, will) when
//     the session is created, subscribes, unsubscribes, connects or disconnects; the QoS 2
//     state of a delivery (packet id sent, PUBREC received); the deletion of a delivery when
//     it is acknowledged or dropped, of an awaiting-PUBREL id on PUBREL, and of everything of
//     the session when it ends.
// Writes are buffered per shard and applied in order (per shard, and across shards in the
// order the shards hand their buffers over; a shard hands its buffer over before it posts a
// delivery or a session to another shard). ticket() names everything written so far: the
// broker sends the acknowledgement that depends on those writes once that ticket is durable.
//
// THREADING WARNING: one writer per shard, used only on that shard's thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/message.h"
#include "router/subscriber.h"

namespace emqd::session {

/// The durable part of a session (the in-memory session carries more: flows, counters).
struct stored_session {
    std::uint64_t store_id = 0;
    std::string client_id;
    std::uint32_t expiry_interval = 0;  // seconds; 0xFFFFFFFF = never
    /// When the connection went (wall clock); nullopt while a connection is attached. A
    /// session restored after a crash that left it attached counts as disconnected at the
    /// restart.
    std::optional<std::chrono::system_clock::time_point> disconnected_at;
    /// Filter as the client wrote it -> options (session::subscription_map's shape).
    std::map<std::string, router::subscription_options, std::less<>> subscriptions;
    /// The will of the connection, and its v5 Will Delay Interval in seconds: published
    /// after a crash, or when its delay passes, unless the session resumes first.
    core::message_ptr will;
    std::uint32_t will_delay = 0;
};

/// The QoS 2 progress of a stored delivery (spec 4.3.3): on restart, `sent` resends the
/// PUBLISH with DUP and the same packet id, `released` resends the PUBREL.
enum class qos2_progress : std::uint8_t { none, sent, released };

class session_store {
public:
    virtual ~session_store() = default;

    /// The session record, replacing the previous one of `s.store_id`.
    virtual void put_session(const stored_session& s) = 0;
    /// Deletes the session record and every delivery and awaiting-PUBREL id of the session.
    virtual void erase_session(std::uint64_t store_id) = 0;

    /// A message for a persistent session at QoS 1/2: the message (topic, payload, QoS,
    /// retain, properties, publisher, arrival time) and the options of the subscriptions
    /// of the session that matched it, as session::deliver() receives them. Keyed by
    /// (store_id, msg.id): restored in message id order. Called once per message and
    /// session, ever (the store relies on it: a delivery put and erased before it reached
    /// the disk costs no disk write at all).
    virtual void put_delivery(std::uint64_t store_id, const core::message& msg,
                              std::span<const router::subscription_options> matched) = 0;
    /// The QoS 2 progress of a stored delivery; qos2_progress::none erases the record.
    virtual void put_qos2_progress(std::uint64_t store_id, const core::guid& msg,
                                   std::uint16_t packet_id, qos2_progress p) = 0;
    /// Forgets the delivery (acknowledged, dropped or expired), and its QoS 2 progress
    /// record if `progress`: put_qos2_progress() was called for it (in this run or, for a
    /// restored delivery, before the restart) and the record not erased since. Without it,
    /// only the delivery record is erased (most deliveries never have progress: QoS 1, or
    /// not sent yet).
    virtual void erase_delivery(std::uint64_t store_id, const core::guid& msg, bool progress) = 0;

    /// Inbound QoS 2 packet ids of a persistent publisher awaiting PUBREL.
    virtual void put_awaiting_rel(std::uint64_t store_id, std::uint16_t packet_id) = 0;
    virtual void erase_awaiting_rel(std::uint64_t store_id, std::uint16_t packet_id) = 0;

    /// Names everything written through this writer so far (monotonic, starting above 0).
    virtual std::uint64_t ticket() const = 0;
};

}  // namespace emqd::session
