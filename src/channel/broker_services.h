#pragma once
// What a channel needs from the rest of the broker (implemented by broker::shard). This is
// the seam between the per-connection protocol and the shared broker state: the channel
// never touches another connection, the router's locks, or another shard directly.
//
// Thread safety: called only on the channel's own shard. Callbacks are invoked on that
// shard too, and only while the channel is alive (the broker re-checks liveness).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "auth/access_control.h"
#include "channel/frame_cache.h"
#include "codec/protocol_version.h"
#include "core/guid.h"
#include "core/message.h"
#include "core/reason_code.h"
#include "core/shared_string.h"
#include "router/retained_store.h"
#include "router/router.h"
#include "session/session.h"

namespace emqd::channel {

struct session_request {
    core::shared_string client_id;  // the channel's, shared
    bool clean_start = true;
    std::uint32_t expiry_interval = 0;  // seconds, as negotiated
    codec::protocol_version version = codec::protocol_version::v3_1_1;
};

struct session_grant {
    core::reason_code reason = core::reason_code::success;
    session::session* session = nullptr;  // owned by the shard's session table
    bool session_present = false;
};

class broker_services {
public:
    virtual ~broker_services() = default;

    /// Opens the session for a CONNECT: creates one, or takes over the existing one (kicking
    /// its connection with session_taken_over, wherever it runs). May complete later, after
    /// other shards answered; `done` runs on this shard and only if the channel still exists.
    virtual void open_session(const session_request& req,
                              std::function<void(session_grant)> done) = 0;
    /// The connection of a session closed. The broker discards the session now if its
    /// expiry interval is 0, or keeps it detached until it expires.
    virtual void session_closed(session::session* s) = 0;

    /// Routes a message to every matching subscriber (and stores it if retained).
    virtual void publish(core::message_ptr msg) = 0;
    /// Holds the message back and publishes it `seconds` from now (EMQ X delayed publish;
    /// `msg->topic` is already the target topic). False if the broker holds
    /// mqtt.delayed.max_delayed_messages already, or if the message would take it past
    /// mqtt.delayed.max_delayed_bytes: the message is refused, not held.
    virtual bool publish_delayed(core::message_ptr msg, std::uint32_t seconds) = 0;

    /// The ticket of this shard's storage writer (session::session_store::ticket): compare
    /// it before and after an operation to learn whether the operation wrote anything that
    /// an acknowledgement must wait for. 0 without storage.
    virtual std::uint64_t storage_ticket() const = 0;
    /// Calls channel::durable() on this shard once everything written up to `ticket` is
    /// durable (storage.sync_policy), if the channel still exists then.
    virtual void notify_when_durable(std::uint64_t ticket) = 0;

    /// Bans and flapping detection, shared by every shard (thread-safe).
    virtual auth::access_control& access() = 0;
    virtual const router::retained_store& retained() const = 0;
    /// The shard's QoS 0 frame cache (shared by the shard's channels).
    virtual frame_cache& qos0_frames() = 0;
    virtual core::guid next_guid(std::chrono::steady_clock::time_point now) = 0;
    /// A fresh client id for an empty one (v5 Assigned Client Identifier).
    virtual std::string assign_client_id() = 0;
};

}  // namespace emqd::channel
