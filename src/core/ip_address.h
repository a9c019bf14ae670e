#pragma once
// ip_address: an IPv4 or IPv6 address as plain bytes, for matching peers against rules (ban
// list, listener access rules). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack
// socket reports for an IPv4 peer) is stored as the IPv4 address, so IPv4 rules match it: the
// parser and from_v6 both normalize, so every way in keeps that invariant. Socket types stay
// out of this header; callers convert their endpoint's bytes (see transport/tcp_listener.cpp).
//
// Thread safety: a value type; no shared state.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emqd::core {

struct ip_address {
    enum class family : std::uint8_t { v4, v6 };

    family fam = family::v4;
    /// Network byte order; an IPv4 address uses the first 4 bytes, the rest are zero.
    std::array<std::uint8_t, 16> bytes{};

    /// An IPv4 address from its 4 bytes in network order.
    static ip_address from_v4(const std::array<std::uint8_t, 4>& bytes);
    /// An IPv6 address from its 16 bytes in network order; an IPv4-mapped one becomes IPv4.
    static ip_address from_v6(const std::array<std::uint8_t, 16>& bytes);

    std::size_t size() const { return fam == family::v4 ? 4 : 16; }
    /// Canonical text ("127.0.0.1", "::1").
    std::string to_string() const;

    bool operator==(const ip_address&) const = default;
};

/// Parses an IP literal: "127.0.0.1", "::1", "::ffff:10.0.0.1" (stored as 10.0.0.1). No
/// brackets, no port, no host names. nullopt when `text` is not one.
std::optional<ip_address> parse_ip_address(std::string_view text);

}  // namespace emqd::core
