#pragma once
// A CIDR block: an address and a prefix length ("10.0.0.0/8", "2001:db8::/32"; a bare
// address is a /32 or /128). Blocks contain addresses of their own family only; callers
// match IPv4-mapped IPv6 peers as IPv4 (ip_address::unmapped()).
//
// Thread safety: a value type.

#include <optional>
#include <string>
#include <string_view>

#include "transport/ip_address.h"

namespace emqd::transport {

class cidr {
public:
    /// Parses `ADDR` or `ADDR/BITS`. Host bits beyond the prefix are cleared, as esockd does
    /// ("10.1.2.3/8" is 10.0.0.0/8). On failure returns nullopt and says why in `why`.
    static std::optional<cidr> parse(std::string_view text, std::string& why);

    bool contains(const ip_address& a) const;
    const ip_address& network() const { return _network; }
    std::size_t prefix() const { return _prefix; }
    std::string to_string() const;

    bool operator==(const cidr&) const = default;

private:
    ip_address _network;
    std::size_t _prefix = 0;
};

}  // namespace emqd::transport
