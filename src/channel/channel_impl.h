#pragma once
// Internal state of one channel, shared by the channel's translation units:
//
//   channel.cpp            lifecycle, frame dispatch, timers, the error -> wire mapping (fail)
//                          and the single teardown path (close)
//   connect_handler.cpp    CONNECT validation, redirection, authentication seam, mountpoint,
//                          session grant, CONNACK
//   publish_handler.cpp    inbound PUBLISH, QoS 1/2 flows, inbound topic aliases, client acks
//   subscribe_handler.cpp  SUBSCRIBE / UNSUBSCRIBE, subscription quota, retained delivery
//   delivery.cpp           session_sink: outbound PUBLISH / PUBREL, outbound topic aliases,
//                          unmounting, size and backpressure
//   will.cpp               Last Will: build, publish now, or park in the session (delay)
//
// State machine (one direction only):
//
//   awaiting_connect --CONNECT ok--> connecting --grant ok--> connected --> closed
//          |                             |                        |
//          +------ any error ------------+---- error / kick ------+--> closed
//
// Invariants:
//   - Frames are dispatched only in awaiting_connect and connected, and not while throttled.
//     While connecting (the broker is opening the session, maybe on other shards) bytes stay
//     in the parser; the dispatch loop resumes from the grant callback (or from resume()).
//     Likewise while more than k_max_pending_output bytes wait to be written; it resumes
//     from on_output_drained.
//   - _session is non-null exactly while connected (and during teardown).
//   - Every protocol violation is a core::error returned by a handler; fail() is the only
//     place that turns one into bytes (CONNACK or DISCONNECT) and the only caller of close()
//     for errors. Handlers never write error packets themselves.
//   - After close() the channel makes no call on connection_io.
//   - Topics inside the broker are mounted (mountpoint.h); the client only ever sees and
//     names unmounted ones: mount on the way in (publish, will, filters), unmount on the way
//     out (delivery). Topic aliases, in both directions, name unmounted topics.
//
// THREADING WARNING: like the channel, touched only on its shard.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "channel/broker_services.h"
#include "channel/channel.h"
#include "channel/channel_config.h"
#include "channel/connection_io.h"
#include "channel/mountpoint.h"
#include "channel/outbound_topic_aliases.h"
#include "codec/packet.h"
#include "codec/stream_parser.h"
#include "core/result.h"
#include "core/shared_string.h"
#include "session/session.h"

namespace emqd::channel {

/// QoS 0 messages are dropped (and counted) while this many bytes wait to be written: a slow
/// consumer must not grow memory without bound (design.md "Backpressure"). QoS 1/2 are
/// bounded by the session's inflight window and queue instead.
inline constexpr std::size_t k_max_pending_qos0_bytes = 1024 * 1024;
/// The channel handles no further packet from the client while this many bytes wait to be
/// written, and resumes below half of it (channel::read_paused, on_output_drained). Every
/// request can cause output (PUBACK, PINGRESP, SUBACK and the retained messages it owes):
/// a client that doesn't read the answers must not grow them without bound, however many
/// requests one socket read carried.
inline constexpr std::size_t k_max_pending_output = 4 * 1024 * 1024;
/// From this size on a payload is written by reference rather than copied into the
/// connection's output: below it, one memcpy is cheaper than another iovec entry.
inline constexpr std::size_t k_payload_by_reference = 1024;

/// PUBACK/PUBREC/PUBREL/PUBCOMP without v5 extras.
inline codec::ack_packet make_ack(codec::packet_type type, std::uint16_t packet_id,
                                  core::reason_code reason = core::reason_code::success) {
    codec::ack_packet a;
    a.type = type;
    a.packet_id = packet_id;
    a.reason = reason;
    return a;
}

/// Where a packet keeps its v5 Reason String.
inline std::optional<std::string>& reason_string_of(codec::connack_packet& p) {
    return p.props.reason_string;
}
template <class Packet>
std::optional<std::string>& reason_string_of(Packet& p) {
    return p.reason_string;
}

struct channel::impl {
    enum class state : std::uint8_t { awaiting_connect, connecting, connected, closed };
    /// What close() does with the Last Will.
    enum class will_action { publish, discard };

    impl(channel& self, const channel_config& cfg, broker_services& broker, connection_io& io,
         clock::time_point now);

    // --- channel.cpp: lifecycle and dispatch -------------------------------------------
    /// Cuts and handles frames until the parser needs bytes, the channel waits for its
    /// session, or it closes. Re-entrant calls (from a synchronous callback) are no-ops: the
    /// outer loop continues.
    void process(clock::time_point now);
    core::status handle_frame(const codec::frame& f, clock::time_point now);
    core::status handle_disconnect(const codec::disconnect_packet& d, clock::time_point now);
    void on_tick(clock::time_point now);
    /// THE error -> wire mapping (style.md §5.2). Before CONNACK: CONNACK with the code (v5,
    /// or 3.x when it has a 3.x return code), else nothing. After: v5 DISCONNECT with the
    /// code. Then close(), publishing the will if the connection was accepted.
    void fail(const core::error& e, clock::time_point now);
    /// The single teardown path: detaches the session, handles the will, hands the session
    /// back to the broker, closes the connection (unless the socket is already gone).
    void close(will_action will, clock::time_point now, bool close_io);
    /// Appends one encoded packet to the output and wakes the writer.
    template <class Packet>
    void send(const Packet& p) {
        codec::encode(p, _version, _io.output());
        _io.notify_output();
    }
    /// Sends an answer carrying a reason code, with `what` as its v5 Reason String unless the
    /// string would take the packet past the client's Maximum Packet Size (spec 3.1.2.11.4)
    /// or, on any packet but CONNACK and DISCONNECT, the client set Request Problem
    /// Information to 0 [MQTT-3.1.2-29].
    template <class Packet>
    void send_with_reason(Packet p, const char* what) {
        constexpr bool always = std::is_same_v<Packet, codec::connack_packet> ||
                                std::is_same_v<Packet, codec::disconnect_packet>;
        std::optional<std::string>& reason_string = reason_string_of(p);
        if (codec::is_v5(_version) && (always || _problem_information) && *what != '\0')
            reason_string = what;
        std::string& out = _io.output();
        const std::size_t mark = out.size();
        if (!fits(codec::encode(p, _version, out)) && reason_string) {
            out.resize(mark);
            reason_string.reset();
            codec::encode(p, _version, out);
        }
        _io.notify_output();
    }

    // --- connect_handler.cpp -------------------------------------------------------------
    core::status handle_connect_frame(const codec::frame& f, clock::time_point now);
    core::status validate_connect(codec::connect_packet& c);
    core::status authenticate(const codec::connect_packet& c, clock::time_point now);
    core::status resolve_mountpoint(const codec::connect_packet& c);
    void on_session_granted(session_grant g);
    void send_connack(bool session_present);

    // --- publish_handler.cpp -------------------------------------------------------------
    core::status handle_publish(codec::publish_packet& p, clock::time_point now);
    core::result<std::string_view> resolve_topic(const codec::publish_packet& p);
    /// A PUBLISH that is valid but will not be routed: QoS 1/2 are acknowledged with `e`'s
    /// code (v5; 3.x has no code), QoS 0 is dropped. Not a protocol error: the connection
    /// stays open.
    void refuse_publish(const codec::publish_packet& p, const core::error& e);
    /// Sends `ack` once storage ticket `ticket` is durable (0: nothing to wait for), and
    /// never before an acknowledgement held earlier.
    void send_ack(codec::ack_packet ack, std::uint64_t ticket);
    /// What an operation between `before` (storage_ticket() read before it) and now wrote:
    /// the ticket to wait for, or 0.
    std::uint64_t written_since(std::uint64_t before) const {
        const std::uint64_t now = _broker.storage_ticket();
        return now != before ? now : 0;
    }
    core::status handle_ack(const codec::ack_packet& a, clock::time_point now);

    // --- subscribe_handler.cpp -----------------------------------------------------------
    core::status handle_subscribe(const codec::subscribe_packet& p, clock::time_point now);
    core::status handle_unsubscribe(const codec::unsubscribe_packet& p);
    /// Writes the retained messages owed to new subscriptions, in order, until none is left
    /// (true) or k_max_pending_output bytes wait to be written (false: _output_blocked is
    /// set and on_output_drained continues). The QoS 0 slow-consumer bound is lifted
    /// meanwhile: these are owed, not a backlog, and this is what bounds them instead.
    bool send_owed_retained(clock::time_point now);
    /// Per-filter checks of a SUBSCRIBE; the error's code goes in the SUBACK slot.
    core::status check_filter(const codec::subscription_request& r) const;
    /// `filter` under the client's mountpoint; 0x8F if that makes it invalid.
    core::result<std::string> mount_filter(std::string_view filter) const;

    // --- delivery.cpp --------------------------------------------------------------------
    bool send_publish(const session::publish_out& p);
    /// A small QoS 0 PUBLISH through the shard's frame cache (frame_cache.h), or straight into
    /// the output when the shard announced it for this subscriber alone.
    bool send_shared_qos0(const session::publish_out& p, const codec::publish_view& pk);
    /// Encodes `pk` into the output, the payload by reference when large. False, with the
    /// output unchanged, if the packet exceeds the client's Maximum Packet Size.
    bool write_publish(const codec::publish_view& pk, const core::message_ptr& owner);
    /// Within the client's v5 Maximum Packet Size (spec 3.1.2.11.4)?
    bool fits(std::size_t n) const {
        return _client_max_packet_size == 0 || n <= _client_max_packet_size;
    }
    /// A PUBLISH (to `topic`) not sent because it exceeds the client's Maximum Packet Size:
    /// counted; returns false, what send_publish reports for it.
    bool drop_too_large(std::string_view topic);
    void send_pubrel(std::uint16_t packet_id);

    // --- will.cpp ------------------------------------------------------------------------
    void settle_will(will_action action, clock::time_point now);

    // --- data ----------------------------------------------------------------------------
    channel& _self;
    const channel_config& _cfg;  // the zone's; outlives every channel of the zone
    broker_services& _broker;
    connection_io& _io;
    codec::stream_parser _parser;

    state _state = state::awaiting_connect;
    bool _dispatching = false;
    bool _delivering_retained = false;  // send_owed_retained is writing
    /// Rate limited (channel::throttle, or count_publish refused): dispatch nothing.
    bool _throttled = false;
    /// Not success: refuse the CONNECT with this code (channel::refuse).
    core::reason_code _refusal = core::reason_code::success;
    bool _output_blocked = false;  // stopped dispatching: over k_max_pending_output
    /// False until the CONNECT told us how to answer: errors before that close silently.
    bool _version_known = false;
    codec::protocol_version _version = codec::protocol_version::v3_1_1;

    /// Shared with the session and the client registry (8 bytes here, one copy in all).
    core::shared_string _client_id;
    std::uint32_t _expiry_interval = 0;         // as negotiated in CONNECT (seconds)
    std::uint32_t _client_max_packet_size = 0;  // v5 Maximum Packet Size; 0 = protocol limit
    std::uint16_t _keep_alive = 0;              // effective, seconds (0 = none)
    std::uint16_t _client_receive_maximum = 65535;
    bool _client_id_assigned = false;  // v5: returned as Assigned Client Identifier
    bool _server_keep_alive = false;   // v5: announced Server Keep Alive
    bool _problem_information = true;  // v5 Request Problem Information
    // What only some connections use is allocated on first use (null: none), so that an
    // idle connection without them stays small: 160 bytes, a size class of the allocator
    // (a will alone is ~240 bytes).
    std::unique_ptr<codec::will_message> _will;
    /// Rarely set: a mountpoint, drop counters, a pending Response Information.
    struct extras {
        mountpoint mount;  // resolved for this client at CONNECT
        /// v5: what CONNACK answers to Request Response Information, resolved at CONNECT
        /// (the user name is not kept for it); sent once, then cleared.
        std::optional<std::string> response_information;
        std::uint64_t slow_consumer_drops = 0;
        std::uint64_t too_large_drops = 0;
        /// Acknowledgements waiting for storage (send_ack), in arrival order; ticket 0: none
        /// of its own, held only to keep the order (spec 4.6).
        struct held_ack {
            std::uint64_t ticket;
            codec::ack_packet ack;
        };
        std::deque<held_ack> held_acks;
    };
    std::unique_ptr<extras> _extras;
    extras& more() {
        if (!_extras)
            _extras = std::make_unique<extras>();
        return *_extras;
    }
    /// The client's mountpoint (an empty one when it has none).
    const mountpoint& mount() const {
        static const mountpoint none;
        return _extras ? _extras->mount : none;
    }

    session::session* _session = nullptr;
    /// v5 Topic Aliases (spec 3.3.2.3.4). Per connection, never per session.
    struct topic_aliases {
        explicit topic_aliases(std::uint16_t outbound_maximum) : outbound(outbound_maximum) {}
        std::unordered_map<std::uint16_t, std::string> inbound;  // alias -> topic
        outbound_topic_aliases outbound;  // up to the client's Topic Alias Maximum
    };
    /// Allocated at CONNECT when the client takes outbound aliases, or by the first alias it
    /// defines.
    std::unique_ptr<topic_aliases> _aliases;
    /// The outbound aliases, or null when the client takes none.
    outbound_topic_aliases* out_aliases() const {
        return _aliases && _aliases->outbound.maximum() != 0 ? &_aliases->outbound : nullptr;
    }

    /// Keep alive: when the client last sent bytes (or we last resumed reading it). Until a
    /// CONNECT is accepted: when the connection was created, the start of the CONNECT idle
    /// timeout, which bytes arriving meanwhile don't extend (one field for both: see
    /// received()).
    clock::time_point _last_received;
    void received(clock::time_point now) {
        if (_state != state::awaiting_connect)
            _last_received = std::max(_last_received, now);
    }
    /// The latest time the broker gave us (any entry point). Used where a callback carries
    /// no time (session grant, session_sink): the broker ticks every second, and keeping the
    /// channel's time explicit makes it testable without sleeps.
    clock::time_point _now;

    /// Retained messages owed to subscriptions (spec 3.3.1.3) and not written yet: one entry
    /// per subscription, its messages matched from the retained store when its turn comes.
    struct owed_retained {
        std::string filter;  // mounted, without $fastlane/
        router::subscription_options opts;
        std::vector<core::message_ptr> messages;
        std::size_t sent = 0;
        bool matched = false;
    };
    struct owed_retained_list {
        std::vector<owed_retained> entries;
        std::size_t next = 0;  // first entry not finished
    };
    std::unique_ptr<owed_retained_list> _owed;  // null when nothing is owed
};

}  // namespace emqd::channel
