#pragma once
// ban: one entry of the ban list (EMQ X `emqx_banned`): a client id, a username, or a peer
// host (an address or a CIDR block) refused at CONNECT until the ban expires.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace emqd::auth {

using clock = std::chrono::steady_clock;

/// What a ban names (EMQ X's `as`: clientid | username | peerhost).
enum class ban_kind : std::uint8_t { clientid, username, peerhost };

struct ban {
    ban_kind kind = ban_kind::clientid;
    /// The client id or username, exactly; for peerhost an IP literal or CIDR block
    /// ("10.0.0.7", "10.0.0.0/8", "2001:db8::/32").
    std::string who;
    /// When the ban ends; none = never.
    std::optional<clock::time_point> until;
};

/// "clientid", "username", "peerhost": the names config and logs use.
const char* to_string(ban_kind k);

}  // namespace emqd::auth
