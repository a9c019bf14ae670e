#include "core/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace emqd::core {

std::optional<ip_address> parse_ip_address(std::string_view text) {
    // inet_pton needs a terminated string; anything longer than the longest literal
    // ("ffff:...:255.255.255.255", 45 characters) is not an address.
    char buf[INET6_ADDRSTRLEN] = {};
    if (text.empty() || text.size() >= sizeof buf)
        return std::nullopt;
    std::memcpy(buf, text.data(), text.size());
    ip_address a;
    if (inet_pton(AF_INET, buf, a.bytes.data()) == 1) {
        a.fam = ip_address::family::v4;
        return a;
    }
    if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1)
        return std::nullopt;
    a.fam = ip_address::family::v6;
    static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), mapped_prefix, sizeof mapped_prefix) == 0) {
        std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
        std::memset(a.bytes.data() + 4, 0, 12);
        a.fam = ip_address::family::v4;
    }
    return a;
}

std::string ip_address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(fam == family::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

}  // namespace emqd::core
