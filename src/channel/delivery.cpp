// Outbound packets the session asks for (session_sink): PUBLISH and PUBREL.
//
// The message is shared and immutable; per-delivery fields (QoS, DUP, packet id, remaining
// expiry, subscription ids, topic alias, the topic without the mountpoint) are added here.
// How the bytes reach the connection:
//   - A small QoS 0 frame without subscription identifiers, to a client that takes no topic
//     aliases, is encoded once per shard and copied into the output of every subscriber of
//     the same protocol family and mountpoint length (frame_cache.h) -- unless the shard
//     announced the message for this subscriber alone: then it is encoded in place.
//   - A payload of k_payload_by_reference bytes or more is not copied: the header is
//     encoded into the output and the payload follows by reference (gathered write).
//   - Otherwise the small packet is encoded straight into the connection's output.
//
// Outbound topic aliases (v5, outbound_topic_aliases.h): a client with a Topic Alias Maximum
// gets its own header for every PUBLISH, with the alias chosen for this connection at the
// moment of writing -- so a resend (DUP) is encoded against the current mapping, never
// against the one of its first sending. The alias is committed only once the packet is
// written. A new alias adds three bytes: if that alone takes the packet past the client's
// Maximum Packet Size, it goes without one.
//
// Three reasons not to send:
//   - v5 Maximum Packet Size of the client (spec 3.1.2.11.4): measured after encoding and
//     cut off again if too large; the session treats `false` as delivered-and-dropped.
//   - The topic lies outside the client's mountpoint (mountpoint.h): delivered-and-dropped.
//   - Slow consumer: a QoS 0 message is dropped (counted, reported as sent) while more than
//     k_max_pending_qos0_bytes wait to be written. QoS 1/2 are never dropped here; the
//     session's window and queue bound them.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "channel/channel_impl.h"

namespace emqd::channel {

bool channel::impl::send_publish(const session::publish_out& p) {
    if (_state != state::connected)
        return false;
    if (p.qos == 0 && !_delivering_retained && _io.pending_output() > k_max_pending_qos0_bytes) {
        ++more().slow_consumer_drops;
        return true;
    }

    const std::optional<std::string_view> topic = mount().unmount(p.msg.topic);
    if (!topic) {
        spdlog::debug("channel {}: {} is outside the mountpoint {}", _client_id.view(), p.msg.topic,
                      mount().prefix());
        return false;
    }

    codec::publish_view pk;
    pk.qos = p.qos;
    pk.retain = p.retain;
    pk.dup = p.dup;
    pk.topic = *topic;
    pk.packet_id = p.packet_id;
    pk.payload = p.msg.payload;
    if (codec::is_v5(_version)) {
        pk.props = &p.msg.props;
        if (p.msg.props.message_expiry_interval) {
            // Forward what remains of the expiry (spec 3.3.2.3.3). _now can lag a message
            // that arrived after our last tick; never count time before its arrival.
            auto left = p.msg.remaining_expiry(std::max(_now, p.msg.received_at));
            if (left && *left == 0) {
                // Not yet sent: expired on the way, drop. A resend (DUP) must still go out
                // with its packet id [MQTT-4.4.0-1]: onward delivery has started.
                if (!p.dup)
                    return false;
                left = 1;
            }
            pk.message_expiry_override = left;
        }
        pk.subscription_identifiers = p.subscription_ids;
    }

    outbound_topic_aliases* const aliases = out_aliases();
    if (p.qos == 0 && pk.subscription_identifiers.empty() && !aliases &&
        pk.payload.size() < k_payload_by_reference)
        return send_shared_qos0(p, pk);

    const outbound_topic_aliases::choice alias =
        aliases ? aliases->choose(*topic) : outbound_topic_aliases::choice{};
    if (alias.alias != 0) {
        pk.topic_alias = alias.alias;
        if (alias.known)
            pk.topic = {};
    }
    if (write_publish(pk, p.owner)) {
        if (aliases)
            aliases->commit(alias, *topic);
        return true;
    }
    if (alias.alias != 0 && !alias.known) {  // maybe the alias property was the last straw
        pk.topic_alias.reset();
        if (write_publish(pk, p.owner))
            return true;
    }
    return drop_too_large(*topic);
}

bool channel::impl::write_publish(const codec::publish_view& pk, const core::message_ptr& owner) {
    std::string& out = _io.output();
    const std::size_t mark = out.size();
    if (pk.payload.size() >= k_payload_by_reference) {
        // Header here, payload by reference: the message stays alive (aliasing pointer)
        // until the gathered write has sent it.
        const std::size_t n = codec::encode_publish_header(pk, _version, out);
        if (!fits(n + pk.payload.size())) {
            out.resize(mark);
            return false;
        }
        _io.append_by_reference(std::shared_ptr<const std::string>(owner, &owner->payload));
        return true;
    }
    if (!fits(codec::encode(pk, _version, out))) {
        out.resize(mark);
        return false;
    }
    _io.notify_output();
    return true;
}

void channel::deliver_fastlane(const core::message_ptr& msg,
                               std::span<const router::subscription_options> matched) {
    const bool own = msg->from_client_id == _impl->_client_id.view();
    bool any = false;
    bool retain = false;
    for (const router::subscription_options& o : matched) {
        if (o.no_local && own)
            continue;
        any = true;
        retain = retain || (msg->retain && o.retain_as_published);
    }
    if (any)
        _impl->send_publish(session::publish_out{*msg, 0, retain, false, 0, {}, msg});
}

bool channel::impl::send_shared_qos0(const session::publish_out& p, const codec::publish_view& pk) {
    frame_cache& cache = _broker.qos0_frames();
    if (cache.single(p.msg))  // nobody to share it with: no slot, no second copy
        return write_publish(pk, p.owner) || drop_too_large(pk.topic);
    const frame_cache::key key{&p.msg,
                               p.msg.id,
                               codec::is_v5(_version),
                               p.retain,
                               pk.message_expiry_override,
                               p.msg.topic.size() - pk.topic.size()};
    std::string_view frame = cache.find(key);
    if (frame.empty())
        frame = cache.store(key, [&](std::string& out) { codec::encode(pk, _version, out); });
    if (!fits(frame.size()))
        return drop_too_large(pk.topic);
    _io.output().append(frame);
    _io.notify_output();
    return true;
}

bool channel::impl::drop_too_large(std::string_view topic) {
    ++more().too_large_drops;
    spdlog::debug("channel {}: PUBLISH to {} over the client's maximum packet size {}",
                  _client_id.view(), topic, _client_max_packet_size);
    return false;
}

void channel::impl::send_pubrel(std::uint16_t packet_id) {
    if (_state != state::connected)
        return;
    send(make_ack(codec::packet_type::pubrel, packet_id));
}

}  // namespace emqd::channel
