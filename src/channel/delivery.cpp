// Outbound packets the session asks for (session_sink): PUBLISH and PUBREL.
//
// The message is shared and immutable; per-delivery fields (QoS, DUP, packet id, remaining
// expiry, subscription ids) are added here. How the bytes reach the connection:
//   - QoS 0 without subscription identifiers: the frame is encoded once per shard and
//     shared by every subscriber of the same protocol family (frame_cache.h).
//   - A payload of k_payload_by_reference bytes or more is not copied: the header is
//     encoded into the output and the payload follows by reference (gathered write).
//   - Otherwise the small packet is encoded straight into the connection's output.
//
// Two reasons not to send:
//   - v5 Maximum Packet Size of the client (spec 3.1.2.11.4): measured after encoding and
//     cut off again if too large; the session treats `false` as delivered-and-dropped.
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
        ++_slow_consumer_drops;
        return true;
    }

    codec::publish_packet pk;
    pk.qos = p.qos;
    pk.retain = p.retain;
    pk.dup = p.dup;
    pk.topic = p.msg.topic;
    pk.packet_id = p.packet_id;
    pk.payload = p.msg.payload;
    if (codec::is_v5(_version)) {
        pk.props_ref = &p.msg.props;
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
        pk.subscription_identifiers.assign(p.subscription_ids.begin(), p.subscription_ids.end());
    }

    if (p.qos == 0 && pk.subscription_identifiers.empty())
        return send_shared_qos0(p, pk);

    std::string& out = _io.output();
    const std::size_t mark = out.size();
    if (pk.payload.size() >= k_payload_by_reference) {
        // Header here, payload by reference: the message stays alive (aliasing pointer)
        // until the gathered write has sent it.
        const std::size_t n = codec::encode_publish_header(pk, _version, out);
        if (too_large(n + pk.payload.size())) {
            out.resize(mark);
            return false;
        }
        _io.append_frame(std::shared_ptr<const std::string>(p.owner, &p.owner->payload));
        return true;
    }
    const std::size_t n = codec::encode(pk, _version, out);
    if (too_large(n)) {
        out.resize(mark);
        return false;
    }
    _io.notify_output();
    return true;
}

void channel::deliver_fastlane(const core::message_ptr& msg,
                               std::span<const router::subscription_options> matched) {
    const bool own = msg->from_client_id == _impl->_client_id;
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

bool channel::impl::send_shared_qos0(const session::publish_out& p,
                                     const codec::publish_packet& pk) {
    const frame_cache::key key{&p.msg, p.msg.id, codec::is_v5(_version), p.retain,
                               pk.message_expiry_override};
    frame_cache& cache = _broker.qos0_frames();
    auto frame = cache.find(key);
    if (!frame) {
        auto encoded = std::make_shared<std::string>();
        codec::encode(pk, _version, *encoded);
        frame = std::move(encoded);
        cache.store(key, frame);
    }
    if (too_large(frame->size()))
        return false;
    _io.append_frame(std::move(frame));
    return true;
}

bool channel::impl::too_large(std::size_t n) {
    if (_client_max_packet_size == 0 || n <= _client_max_packet_size)
        return false;
    ++_too_large_drops;
    spdlog::debug("channel {}: PUBLISH of {} bytes over the client's maximum {}", _client_id, n,
                  _client_max_packet_size);
    return true;
}

void channel::impl::send_pubrel(std::uint16_t packet_id, core::reason_code reason) {
    if (_state != state::connected)
        return;
    send(make_ack(codec::packet_type::pubrel, packet_id, reason));
}

}  // namespace emqd::channel
