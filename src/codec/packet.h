#pragma once
// One decoded MQTT control packet, and the decode/encode entry points.
//
// decode() turns a complete frame (from stream_parser) into a packet or an error carrying
// the reason code to put on the wire (malformed_packet 0x81, protocol_error 0x82,
// topic_name_invalid 0x90, unsupported_protocol_version 0x84, ...). It never throws on any
// input. encode() appends the wire form to `out` and never fails: callers pass valid packets.
//
// Thread safety: all functions are pure; no shared state.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "codec/connect.h"
#include "codec/disconnect.h"
#include "codec/protocol_version.h"
#include "codec/publish.h"
#include "codec/subscribe.h"
#include "core/result.h"

namespace emqd::codec {

using packet = std::variant<connect_packet, connack_packet, publish_packet, ack_packet,
                            subscribe_packet, suback_packet, unsubscribe_packet, unsuback_packet,
                            pingreq_packet, pingresp_packet, disconnect_packet, auth_packet>;

/// A complete packet as cut from the byte stream: the fixed header's first byte and the
/// variable header + payload ("body"). The body is a view into the parser's buffer.
struct frame {
    std::uint8_t header = 0;
    std::span<const std::uint8_t> body;

    packet_type type() const { return static_cast<packet_type>(header >> 4); }
    std::uint8_t flags() const { return header & 0x0F; }
    std::size_t wire_size() const;  // fixed header + body
};

/// Decodes any packet. For CONNECT the version comes from the packet itself and `version`
/// is ignored; for every other packet it is the connection's negotiated version.
/// Views inside the result (publish_packet) point into `f.body`.
core::result<packet> decode(const frame& f, protocol_version version);

/// Decodes only the protocol version of a CONNECT frame (to choose how to answer an error).
core::result<protocol_version> peek_connect_version(const frame& f);

// Encoders: append the complete packet (fixed header included) to `out`; return the number
// of bytes appended. v5-only fields are skipped for 3.1/3.1.1.
std::size_t encode(const connect_packet& p, std::string& out);  // version from p.version
std::size_t encode(const connack_packet& p, protocol_version v, std::string& out);
std::size_t encode(const publish_packet& p, protocol_version v, std::string& out);
std::size_t encode(const publish_view& p, protocol_version v, std::string& out);
std::size_t encode(const ack_packet& p, protocol_version v, std::string& out);
std::size_t encode(const subscribe_packet& p, protocol_version v, std::string& out);
std::size_t encode(const suback_packet& p, protocol_version v, std::string& out);
std::size_t encode(const unsubscribe_packet& p, protocol_version v, std::string& out);
std::size_t encode(const unsuback_packet& p, protocol_version v, std::string& out);
std::size_t encode(const pingreq_packet& p, protocol_version v, std::string& out);
std::size_t encode(const pingresp_packet& p, protocol_version v, std::string& out);
std::size_t encode(const disconnect_packet& p, protocol_version v, std::string& out);
std::size_t encode(const auth_packet& p, protocol_version v, std::string& out);

/// A PUBLISH without its payload: fixed and variable header, with a Remaining Length that
/// counts p.payload, so the payload can follow by reference in a gathered write. The
/// packet's size is the return value plus p.payload.size().
std::size_t encode_publish_header(const publish_view& p, protocol_version v, std::string& out);

/// Encodes any packet (dispatches to the overloads above).
std::size_t encode(const packet& p, protocol_version v, std::string& out);

}  // namespace emqd::codec
