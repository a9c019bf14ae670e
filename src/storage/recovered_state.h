#pragma once
// What a previous run left in the store, as store::open() read it back (after purging what
// had expired): the broker rebuilds its sessions and retained messages from it.
//
// Message times are converted for this process: core::message::received_at is a steady
// clock time placed so that the message's age is the wall time elapsed since it arrived
// (Message Expiry counts on across the restart).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/message.h"
#include "router/subscriber.h"
#include "session/session_store.h"

namespace emqd::storage {

struct recovered_delivery {
    core::message_ptr msg;
    /// The options of the session's subscriptions that matched, as put_delivery got them
    /// (shared_group is 0: the router assigns group ids per process).
    std::vector<router::subscription_options> matched;
    /// From put_qos2_progress; 0 and none when the delivery had no QoS 2 progress.
    std::uint16_t packet_id = 0;
    session::qos2_progress progress = session::qos2_progress::none;
};

struct recovered_session {
    /// disconnected_at is always set: a session left attached by a crash counts as
    /// disconnected at open()'s `now`. Subscription options have shared_group 0.
    session::stored_session session;
    std::vector<recovered_delivery> deliveries;  // message id order
    std::vector<std::uint16_t> awaiting_rel;     // ascending
};

struct recovered_state {
    std::vector<recovered_session> sessions;  // store id order
    std::vector<core::message_ptr> retained;  // topic byte order

    // Deleted at open (the deletions were synced before open() returned).
    std::size_t expired_sessions = 0;    // with all their records
    std::size_t expired_deliveries = 0;  // Message Expiry passed (of live sessions)
    std::size_t expired_retained = 0;
    /// Records whose value could not be decoded (logged, deleted).
    std::size_t undecodable = 0;
    /// Deliveries, QoS 2 progress or awaiting-PUBREL ids whose session record is missing
    /// or undecodable, or QoS 2 progress without its delivery (logged, deleted).
    std::size_t orphans = 0;
};

}  // namespace emqd::storage
