#pragma once
// access_config: the broker-wide access-control settings (EMQ X top-level keys): static bans
// (`banned.N`) and the flapping policy (`flapping_detect_policy`). Whether a zone checks bans
// or detects flapping is a zone setting (channel_config).

#include <chrono>
#include <optional>
#include <vector>

#include "auth/ban.h"
#include "auth/flapping_detector.h"

namespace emqd::auth {

/// A ban from the configuration: `banned.N = <kind> <who> [<duration>]`.
struct static_ban {
    ban_kind kind = ban_kind::clientid;
    std::string who;
    /// How long after broker start the ban lasts; none = for ever.
    std::optional<std::chrono::milliseconds> duration;

    bool operator==(const static_ban&) const = default;
};

struct access_config {
    std::vector<static_ban> bans;  // in N order
    flapping_policy flapping;
};

}  // namespace emqd::auth
