#include "core/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace emqd::core {

ip_address ip_address::from_v4(const std::array<std::uint8_t, 4>& bytes) {
    ip_address a;
    a.fam = family::v4;
    std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
    return a;
}

ip_address ip_address::from_v6(const std::array<std::uint8_t, 16>& bytes) {
    static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(mapped_prefix), std::end(mapped_prefix), bytes.begin())) {
        ip_address a;
        std::copy(bytes.begin() + 12, bytes.end(), a.bytes.begin());
        return a;
    }
    ip_address a;
    a.fam = family::v6;
    a.bytes = bytes;
    return a;
}

std::optional<ip_address> parse_ip_address(std::string_view text) {
    // inet_pton needs a terminated string; anything longer than the longest literal
    // ("ffff:...:255.255.255.255", 45 characters) is not an address.
    char buf[INET6_ADDRSTRLEN] = {};
    if (text.empty() || text.size() >= sizeof buf)
        return std::nullopt;
    std::memcpy(buf, text.data(), text.size());
    std::array<std::uint8_t, 4> v4{};
    if (inet_pton(AF_INET, buf, v4.data()) == 1)
        return ip_address::from_v4(v4);
    std::array<std::uint8_t, 16> v6{};
    if (inet_pton(AF_INET6, buf, v6.data()) == 1)
        return ip_address::from_v6(v6);
    return std::nullopt;
}

std::string ip_address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(fam == family::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

}  // namespace emqd::core
