// Access control: `banned.N` (static bans) and `flapping_detect_policy`, stored in
// config::access. Whether a zone applies them is zone.external.enable_ban /
// enable_flapping_detect (config_zone.cpp).
//
// `banned.N = <clientid|username|peerhost> <who> [<duration>]`: N orders nothing (every ban
// applies) but names the entry, so a later source can replace it; <who> has no spaces.
// `flapping_detect_policy = <max_count>, <window>, <ban_time>` as in EMQ X 4.x.

#include <limits>
#include <string_view>
#include <vector>

#include "app/config/config_registry.h"
#include "core/cidr.h"

namespace emqd::app::detail {

namespace {

// Durations stay below ~24 days, like every other timer setting.
constexpr std::chrono::milliseconds max_timer{std::numeric_limits<std::int32_t>::max()};

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    const auto trim = [](std::string_view s) {
        const auto b = s.find_first_not_of(" \t");
        if (b == std::string_view::npos)
            return std::string_view{};
        return s.substr(b, s.find_last_not_of(" \t") - b + 1);
    };
    std::size_t start = 0;
    while (true) {
        const auto end = text.find(sep, start);
        std::string_view part = trim(text.substr(start, end - start));
        if (!part.empty() || sep != ' ')
            parts.push_back(part);
        if (end == std::string_view::npos)
            return parts;
        start = end + 1;
    }
}

std::chrono::milliseconds positive_duration(std::string_view text) {
    const auto d = value_or_throw(parse_duration(text, bare_unit::seconds, max_timer));
    if (d.count() == 0)
        throw value_error("out of range: " + std::string(text) +
                          " (expected a duration greater than 0)");
    return d;
}

auth::static_ban parse_ban(std::string_view text) {
    const std::vector<std::string_view> parts = split(text, ' ');
    if (parts.size() < 2 || parts.size() > 3)
        throw value_error("invalid value \"" + std::string(text) +
                          "\": expected <clientid|username|peerhost> <value> [<duration>], "
                          "like \"clientid bad-device 1h\"");
    auth::static_ban b;
    const std::string kind =
        value_or_throw(parse_choice(parts[0], {"clientid", "username", "peerhost"}));
    b.kind = kind == "clientid"   ? auth::ban_kind::clientid
             : kind == "username" ? auth::ban_kind::username
                                  : auth::ban_kind::peerhost;
    b.who = std::string(parts[1]);
    std::string why;
    if (b.kind == auth::ban_kind::peerhost && !core::parse_cidr(b.who, &why))
        throw value_error("invalid peerhost: " + why +
                          "; expected an IP address or CIDR block like 10.0.0.0/8");
    if (parts.size() == 3)
        b.duration = positive_duration(parts[2]);
    return b;
}

auth::flapping_policy parse_policy(std::string_view text) {
    const std::vector<std::string_view> parts = split(text, ',');
    if (parts.size() != 3)
        throw value_error("invalid value \"" + std::string(text) +
                          "\": expected <max_count>, <window>, <ban_time>, like \"30, 1m, 5m\"");
    auth::flapping_policy p;
    p.max_count = static_cast<std::uint32_t>(value_or_throw(parse_uint(parts[0], 1, 1'000'000)));
    p.window = positive_duration(parts[1]);
    p.ban_time = positive_duration(parts[2]);
    return p;
}

}  // namespace

void register_access_keys(key_registry& r) {
    r.key("banned.*", [](load_state& s, const setting& v) {
        const auto n = parse_uint(v.wildcards[0], 1, 1'000'000);
        if (!n.ok())
            throw value_error("\"" + std::string(v.wildcards[0]) +
                              "\" is not an entry number: write banned.1, banned.2, ...");
        s.bans[*n.value] = parse_ban(v.value);
    });
    r.on_finish([](load_state& s) {
        s.cfg.access.bans.clear();
        for (auto& [n, b] : s.bans)
            s.cfg.access.bans.push_back(b);
    });
    r.key("flapping_detect_policy",
          [](load_state& s, const setting& v) { s.cfg.access.flapping = parse_policy(v.value); });
}

}  // namespace emqd::app::detail
