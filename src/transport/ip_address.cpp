#include "transport/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace emqd::transport {

std::optional<ip_address> ip_address::parse(std::string_view text) {
    // inet_pton wants a NUL-terminated string; longer text is no address anyway.
    char buf[INET6_ADDRSTRLEN + 1] = {};
    if (text.empty() || text.size() >= sizeof buf)
        return std::nullopt;
    std::memcpy(buf, text.data(), text.size());
    ip_address a;
    if (text.find(':') == std::string_view::npos) {
        if (::inet_pton(AF_INET, buf, a.bytes.data()) != 1)
            return std::nullopt;
        a.v4 = true;
        return a;
    }
    if (::inet_pton(AF_INET6, buf, a.bytes.data()) != 1)
        return std::nullopt;
    a.v4 = false;
    return a;
}

ip_address ip_address::from_v4(std::uint32_t host_order) {
    ip_address a;
    a.v4 = true;
    for (int i = 0; i < 4; ++i)
        a.bytes[static_cast<std::size_t>(i)] =
            static_cast<std::uint8_t>(host_order >> (24 - 8 * i));
    return a;
}

ip_address ip_address::from_v6(const std::array<std::uint8_t, 16>& bytes) {
    ip_address a;
    a.v4 = false;
    a.bytes = bytes;
    return a;
}

ip_address ip_address::unmapped() const {
    static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (v4 || !std::equal(std::begin(prefix), std::end(prefix), bytes.begin()))
        return *this;
    ip_address a;
    a.v4 = true;
    std::copy(bytes.begin() + 12, bytes.end(), a.bytes.begin());
    return a;
}

std::string ip_address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

}  // namespace emqd::transport
