#pragma once
// cidr: an address block, "10.0.0.0/8" or "2001:db8::/32"; a bare address is a block of
// one (/32 or /128). Matching compares the first `prefix` bits; an IPv4 block never matches
// an IPv6 address and vice versa (IPv4-mapped peers are IPv4 already, see ip_address.h).
//
// Thread safety: a value type; no shared state.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/ip_address.h"

namespace emqd::core {

struct cidr {
    ip_address base;           // host bits are zero
    std::uint8_t prefix = 32;  // 0..32 for IPv4, 0..128 for IPv6

    bool contains(const ip_address& a) const;

    bool operator==(const cidr&) const = default;
};

/// Parses "ADDRESS" or "ADDRESS/PREFIX" (decimal, within the family's width). Host bits set
/// below the prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8). nullopt when malformed.
std::optional<cidr> parse_cidr(std::string_view text);

}  // namespace emqd::core
