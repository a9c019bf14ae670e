#pragma once
// Per-family decoders behind codec::decode(). Each takes a frame whose fixed-header flags
// packet.cpp has already checked (except PUBLISH, whose flags carry QoS/DUP/RETAIN) and
// must consume the body exactly: trailing bytes are malformed.

#include <cstdint>

#include "codec/packet.h"
#include "core/result.h"

namespace emqd::codec::detail {

core::result<packet> decode_connect(const frame& f);
core::result<protocol_version> decode_connect_version(const frame& f);
core::result<packet> decode_connack(const frame& f, protocol_version v);
// The packets of the message path fill a packet that decode() built in place inside its
// result, so they are never moved (a publish_packet is some 200 bytes of views, optionals
// and a vector): `p` is default-constructed on entry and unspecified after an error.
core::status decode_publish(const frame& f, protocol_version v, publish_packet& p);
core::status decode_ack(const frame& f, protocol_version v, ack_packet& p);  // PUBACK..PUBCOMP
core::result<packet> decode_subscribe(const frame& f, protocol_version v);
core::result<packet> decode_suback(const frame& f, protocol_version v);
core::result<packet> decode_unsubscribe(const frame& f, protocol_version v);
core::result<packet> decode_unsuback(const frame& f, protocol_version v);
core::result<packet> decode_ping(const frame& f);  // PINGREQ, PINGRESP
core::result<packet> decode_disconnect(const frame& f, protocol_version v);
core::result<packet> decode_auth(const frame& f, protocol_version v);

/// v5: whether `code` is a Reason Code the spec allows in a packet of type `t` (spec 2.4,
/// and the Reason Code table of each packet). Unknown codes are a protocol error.
core::status check_reason(packet_type t, std::uint8_t code);

}  // namespace emqd::codec::detail
