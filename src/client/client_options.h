#pragma once
// What a client says in its CONNECT and how much it keeps in flight.

#include <cstdint>
#include <optional>
#include <string>

#include "codec/connect.h"
#include "codec/protocol_version.h"

namespace emqd::client {

struct client_options {
    codec::protocol_version version = codec::protocol_version::v3_1_1;
    std::string client_id;
    bool clean_start = true;  // "clean session" before v5
    /// Seconds; 0 turns keep alive off. A v5 server's Server Keep Alive replaces it.
    std::uint16_t keep_alive = 60;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::optional<codec::will_message> will;
    std::optional<std::uint32_t> session_expiry_interval;  // v5 only
    /// Outbound packets awaiting an answer (QoS 1/2 PUBLISH, SUBSCRIBE, UNSUBSCRIBE) at
    /// most; a v5 server's Receive Maximum lowers it. 1 to 65535.
    std::uint16_t max_inflight = 1024;
    /// Inbound packets larger than this close the connection (malformed stream).
    std::uint32_t max_packet_size = 1024 * 1024;
};

}  // namespace emqd::client
