#pragma once
// cidr: an address block, "10.0.0.0/8" or "2001:db8::/32"; a bare address is a block of
// one (/32 or /128). Matching compares the first `prefix` bits; an IPv4 block never matches
// an IPv6 address and vice versa (IPv4-mapped peers are IPv4 already, see ip_address.h).
// Used by the ban list (auth) and by listener access rules (transport).
//
// Thread safety: a value type; no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip_address.h"

namespace emqd::core {

struct cidr {
    ip_address base;           // host bits are zero
    std::uint8_t prefix = 32;  // 0..32 for IPv4, 0..128 for IPv6

    bool contains(const ip_address& a) const;
    /// "10.0.0.0/8": the base and the prefix, always both.
    std::string to_string() const;

    bool operator==(const cidr&) const = default;
};

/// Parses "ADDRESS" or "ADDRESS/PREFIX" (decimal, within the family's width). Host bits set
/// below the prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8), as esockd does. nullopt when
/// malformed; then, if `why` is given, it says what is wrong for a config error message
/// (`bad prefix length "/33" (expected 0..32)`, `"localhost" is not an IPv4 or IPv6 address`).
std::optional<cidr> parse_cidr(std::string_view text, std::string* why = nullptr);

}  // namespace emqd::core
