#pragma once
// An IPv4 or IPv6 address as plain bytes, for access rules (no Asio in this header).
//
// Thread safety: a value type.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emqd::transport {

struct ip_address {
    bool v4 = true;
    /// Network byte order; an IPv4 address uses the first 4 bytes, the rest are zero.
    std::array<std::uint8_t, 16> bytes{};

    /// A numeric IPv4 ("10.0.0.1") or IPv6 ("::1", no brackets, no zone) literal.
    static std::optional<ip_address> parse(std::string_view text);
    static ip_address from_v4(std::uint32_t host_order);
    static ip_address from_v6(const std::array<std::uint8_t, 16>& bytes);

    /// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, how a dual-stack listener sees IPv4
    /// peers) as the IPv4 address; any other address unchanged.
    ip_address unmapped() const;
    std::size_t bits() const { return v4 ? 32 : 128; }
    std::string to_string() const;

    bool operator==(const ip_address&) const = default;
};

}  // namespace emqd::transport
