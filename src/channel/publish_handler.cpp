// Inbound PUBLISH and the acknowledgement packets.
//
// Inbound QoS flows (the server is the receiver, spec 4.3):
//   QoS 0: publish.
//   QoS 1: publish, PUBACK. A DUP resend is published again (QoS 1 is at-least-once).
//   QoS 2: awaiting_rel_insert(id): new -> publish; duplicate -> don't. PUBREC either way.
//          PUBREL releases the id -> PUBCOMP (v5: 0x92 when the id was unknown).
// The awaiting-PUBREL set lives in the session, so it survives a reconnect, and its bound
// (max_awaiting_rel) is how we enforce the inbound v5 Receive Maximum (0x93).
//
// Outbound acknowledgements (the server is the sender): PUBACK/PUBREC/PUBCOMP go to the
// session, which owns the inflight window. An unknown packet id there is not fatal in any
// version (it happens legitimately after a resend); it is only logged.
//
// Delayed publish (EMQ X): a PUBLISH to `$delayed/<seconds>/<topic>` is acknowledged at once
// and handed to the broker, which routes it to <topic> when the delay has passed. A malformed
// delayed topic, or a full delayed store (mqtt.delayed.max_delayed_messages, or a message
// that would pass mqtt.delayed.max_delayed_bytes), refuses the message: v5 QoS 1/2 see
// 0x90 / 0x97 in PUBACK or PUBREC (which ends a QoS 2 flow, spec 4.3.3); 3.1.1 is just
// acknowledged; nothing is routed; the connection stays. A mountpoint applies to <topic>.
//
// Inbound topic aliases (v5, spec 3.3.2.3.4): a per-connection map alias -> topic, as the
// client names it (before the mountpoint). A PUBLISH with alias and topic (re)defines it;
// with alias and an empty topic uses it. We copy the topic into the map once per
// definition; the message still gets its single copy of the (mounted) topic and of the
// payload, taken when it is built.

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>

#include "channel/channel_impl.h"
#include "core/topic.h"

namespace emqd::channel {

using core::reason_code;

core::result<std::string_view> channel::impl::resolve_topic(const codec::publish_packet& p) {
    if (!codec::is_v5(_version) || !p.topic_alias) {
        if (p.topic.empty() && codec::is_v5(_version))
            return core::fail(reason_code::protocol_error, "empty topic without topic alias");
        return p.topic;
    }
    const std::uint16_t alias = *p.topic_alias;
    if (alias == 0 || alias > _cfg.max_topic_alias)
        return core::fail(reason_code::topic_alias_invalid, "topic alias out of range");
    if (!p.topic.empty()) {
        if (!_aliases)
            _aliases = std::make_unique<topic_aliases>(0);  // the client takes no outbound ones
        auto [it, inserted] = _aliases->inbound.try_emplace(alias, p.topic);
        if (!inserted)
            it->second.assign(p.topic);
        return p.topic;
    }
    if (!_aliases)
        return core::fail(reason_code::protocol_error, "unknown topic alias");
    const auto it = _aliases->inbound.find(alias);
    if (it == _aliases->inbound.end())
        return core::fail(reason_code::protocol_error, "unknown topic alias");
    return std::string_view(it->second);
}

core::status channel::impl::handle_publish(codec::publish_packet& p, clock::time_point now) {
    if (!p.subscription_identifiers.empty())  // [MQTT-3.3.4-6]: only the server sends them
        return core::fail(reason_code::protocol_error, "Subscription Identifier from a client");
    if (p.qos > _cfg.max_qos_allowed)
        return core::fail(reason_code::qos_not_supported, "PUBLISH QoS above maximum");
    if (p.retain && !_cfg.retain_available)
        return core::fail(reason_code::retain_not_supported, "retain not available");
    auto topic = resolve_topic(p);
    if (!topic)
        return topic.err();
    // What this message writes to storage (for persistent sessions, retained, QoS 2 state)
    // must be durable before it is acknowledged.
    const std::uint64_t ticket_before = _broker.storage_ticket();
    if (auto st = core::validate_topic_name(*topic, {_cfg.max_topic_levels}); !st)
        return st;
    // AUTHORIZATION SEAM: the ACL check (`client.authorize` publish) goes here; a denied
    // publish is refused (refuse_publish) with 0x87.
    std::optional<core::delayed_topic> delayed;
    if (topic->starts_with(core::delayed_prefix)) {
        auto d = core::parse_delayed_topic(*topic, {_cfg.max_topic_levels});
        if (!d) {
            refuse_publish(p, d.err());
            return {};
        }
        delayed = *d;
    }

    if (p.qos == 2) {
        auto fresh = _session->awaiting_rel_insert(p.packet_id, now);
        if (!fresh)
            return fresh.err();  // receive_maximum_exceeded: v5 0x93, 3.x close
        if (!*fresh) {
            // DUP resend of a message we already routed: acknowledge, don't publish twice.
            send_ack(make_ack(codec::packet_type::pubrec, p.packet_id), 0);
            return {};
        }
    }

    auto msg = std::make_shared<core::message>();
    msg->id = _broker.next_guid(now);
    // The one copy of topic and payload (codec/publish.h).
    msg->topic = mount().mount_topic(delayed ? delayed->topic : *topic);
    msg->payload.assign(p.payload);
    msg->qos = p.qos;
    msg->retain = p.retain;
    msg->from_client_id = _client_id.str();
    msg->received_at = now;  // Message Expiry Interval counts from here
    // Topic Alias and Subscription Identifiers are per-hop fields of publish_packet, not
    // message properties: the message carries only what is forwarded.
    if (!p.props.empty())
        msg->props = std::move(p.props);
    if (!delayed) {
        _broker.publish(std::move(msg));
    } else if (!_broker.publish_delayed(std::move(msg), delayed->seconds)) {
        if (p.qos == 2)
            _session->awaiting_rel_release(p.packet_id);  // the refusal ends the flow
        refuse_publish(p, core::fail(reason_code::quota_exceeded, "delayed message store is full"));
        return {};
    }

    if (p.qos == 1)
        send_ack(make_ack(codec::packet_type::puback, p.packet_id), written_since(ticket_before));
    if (p.qos == 2)
        send_ack(make_ack(codec::packet_type::pubrec, p.packet_id), written_since(ticket_before));
    return {};
}

void channel::impl::send_ack(codec::ack_packet ack, std::uint64_t ticket) {
    if (ticket == 0 && (!_extras || _extras->held_acks.empty())) {
        send(ack);
        return;
    }
    more().held_acks.push_back({ticket, std::move(ack)});
    if (ticket != 0)
        _broker.notify_when_durable(ticket);
}

void channel::durable(std::uint64_t ticket) {
    impl& m = *_impl;
    if (!m._extras)
        return;
    auto& held = m._extras->held_acks;
    while (!held.empty() && held.front().ticket <= ticket) {
        if (m._state == impl::state::connected)
            m.send(held.front().ack);
        held.pop_front();
    }
}

void channel::impl::refuse_publish(const codec::publish_packet& p, const core::error& e) {
    spdlog::debug("channel {}: PUBLISH refused: {}", _client_id.view(), e.what);
    if (p.qos == 1)
        send_with_reason(make_ack(codec::packet_type::puback, p.packet_id, e.code), e.what);
    else if (p.qos == 2)
        send_with_reason(make_ack(codec::packet_type::pubrec, p.packet_id, e.code), e.what);
}

core::status channel::impl::handle_ack(const codec::ack_packet& a, clock::time_point now) {
    switch (a.type) {
        case codec::packet_type::puback:
            if (auto st = _session->on_puback(a.packet_id, now); !st)
                spdlog::debug("channel {}: PUBACK {}: {}", _client_id.view(), a.packet_id,
                              st.err().what);
            return {};
        case codec::packet_type::pubrec:
            if (core::is_error(a.reason)) {  // v5: refused by the client, no PUBREL (4.3.3)
                if (auto st = _session->on_pubrec_refused(a.packet_id, now); !st)
                    spdlog::debug("channel {}: PUBREC {}: {}", _client_id.view(), a.packet_id,
                                  st.err().what);
                return {};
            }
            if (auto st = _session->on_pubrec(a.packet_id, now); !st) {
                // Unknown id: answer PUBREL anyway so the client can finish its own state
                // (v5 with 0x92, spec 4.3.3; EMQ X does the same for 3.x).
                send_with_reason(make_ack(codec::packet_type::pubrel, a.packet_id, st.err().code),
                                 st.err().what);
            }
            return {};
        case codec::packet_type::pubcomp:
            if (auto st = _session->on_pubcomp(a.packet_id, now); !st)
                spdlog::debug("channel {}: PUBCOMP {}: {}", _client_id.view(), a.packet_id,
                              st.err().what);
            return {};
        case codec::packet_type::pubrel:
            if (const std::uint64_t before = _broker.storage_ticket();
                _session->awaiting_rel_release(a.packet_id) || !codec::is_v5(_version)) {
                // The id must be gone from storage before the client may reuse it.
                send_ack(make_ack(codec::packet_type::pubcomp, a.packet_id), written_since(before));
            } else {
                send_with_reason(make_ack(codec::packet_type::pubcomp, a.packet_id,
                                          reason_code::packet_identifier_not_found),
                                 "PUBREL for an unknown packet identifier");
            }
            return {};
        default:
            return core::fail(reason_code::protocol_error, "unexpected acknowledgement");
    }
}

}  // namespace emqd::channel
