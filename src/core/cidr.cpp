#include "core/cidr.h"

#include <charconv>

namespace emqd::core {

namespace {

/// Keeps the first `prefix` bits of `a`, clears the others.
ip_address masked(ip_address a, std::uint8_t prefix) {
    for (std::size_t i = 0; i < a.bytes.size(); ++i) {
        const std::size_t first_bit = i * 8;
        if (prefix >= first_bit + 8)
            continue;
        const unsigned keep = prefix > first_bit ? prefix - first_bit : 0;
        a.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> keep);
    }
    return a;
}

std::optional<cidr> fail(std::string* why, std::string text) {
    if (why)
        *why = std::move(text);
    return std::nullopt;
}

}  // namespace

bool cidr::contains(const ip_address& a) const {
    return a.fam == base.fam && masked(a, prefix) == base;
}

std::string cidr::to_string() const {
    return base.to_string() + "/" + std::to_string(prefix);
}

std::optional<cidr> parse_cidr(std::string_view text, std::string* why) {
    const auto slash = text.find('/');
    const std::string_view addr_text = text.substr(0, slash);
    auto addr = parse_ip_address(addr_text);
    if (!addr)
        return fail(why, "\"" + std::string(addr_text) + "\" is not an IPv4 or IPv6 address");
    const unsigned width = static_cast<unsigned>(addr->size() * 8);
    unsigned prefix = width;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        const char* end = digits.data() + digits.size();
        auto [p, ec] = std::from_chars(digits.data(), end, prefix);
        if (digits.empty() || ec != std::errc{} || p != end || prefix > width)
            return fail(why, "bad prefix length \"/" + std::string(digits) + "\" (expected 0.." +
                                 std::to_string(width) + ")");
    }
    const auto bits = static_cast<std::uint8_t>(prefix);
    return cidr{masked(*addr, bits), bits};
}

}  // namespace emqd::core
