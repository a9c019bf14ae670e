// Containment compares the first `prefix` bits: whole bytes, then the masked partial byte.

#include "transport/cidr.h"

#include <charconv>

namespace emqd::transport {

namespace {

std::uint8_t mask_of(std::size_t bits_in_byte) {
    return static_cast<std::uint8_t>(0xFF << (8 - bits_in_byte));
}

}  // namespace

std::optional<cidr> cidr::parse(std::string_view text, std::string& why) {
    const auto slash = text.find('/');
    const std::string_view addr_text = text.substr(0, slash);
    auto addr = ip_address::parse(addr_text);
    if (!addr) {
        why = "\"" + std::string(addr_text) + "\" is not an IPv4 or IPv6 address";
        return std::nullopt;
    }
    cidr c;
    c._prefix = addr->bits();
    if (slash != std::string_view::npos) {
        const std::string_view bits = text.substr(slash + 1);
        std::size_t n = 0;
        auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
        if (bits.empty() || ec != std::errc{} || end != bits.data() + bits.size() ||
            n > addr->bits()) {
            why = "bad prefix length \"/" + std::string(bits) + "\" (expected 0.." +
                  std::to_string(addr->bits()) + ")";
            return std::nullopt;
        }
        c._prefix = n;
    }
    // Clear the host bits.
    for (std::size_t i = 0; i < addr->bytes.size(); ++i) {
        const std::size_t first_bit = i * 8;
        if (first_bit >= c._prefix)
            addr->bytes[i] = 0;
        else if (c._prefix - first_bit < 8)
            addr->bytes[i] &= mask_of(c._prefix - first_bit);
    }
    c._network = *addr;
    return c;
}

bool cidr::contains(const ip_address& a) const {
    if (a.v4 != _network.v4)
        return false;
    const std::size_t whole = _prefix / 8;
    for (std::size_t i = 0; i < whole; ++i)
        if (a.bytes[i] != _network.bytes[i])
            return false;
    const std::size_t rest = _prefix % 8;
    return rest == 0 || (a.bytes[whole] & mask_of(rest)) == _network.bytes[whole];
}

std::string cidr::to_string() const {
    return _network.to_string() + "/" + std::to_string(_prefix);
}

}  // namespace emqd::transport
