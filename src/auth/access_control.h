#pragma once
// access_control: what the channel asks before it accepts a CONNECT and tells when an
// accepted connection ends (design.md "src/auth"). Today: the ban list and flapping
// detection; the authentication chain and ACL will join here.
//
// One instance per broker, shared by every shard.
//
// Thread safety: every member may be called from any thread (the parts lock internally).

#include <string_view>

#include "auth/access_config.h"
#include "auth/ban_list.h"
#include "auth/client_info.h"
#include "auth/flapping_detector.h"
#include "core/result.h"

namespace emqd::auth {

class access_control {
public:
    /// Installs cfg.bans, each lasting its duration from `now`.
    access_control(const access_config& cfg, clock::time_point now);

    /// May `c` connect? An error with reason_code::banned when a ban in force names its
    /// client id, username or peer host (EMQ X checks bans before authentication).
    core::status check_connect(const client_info& c, clock::time_point now) const;
    /// An accepted connection of `client_id` ended (flapping detection on): a client id that
    /// ends `max_count` connections within `window` is banned for `ban_time` (logged as a
    /// warning).
    void connection_closed(std::string_view client_id, clock::time_point now);
    /// Frees expired bans and flapping windows (called about once a second).
    void purge(clock::time_point now);

    ban_list& bans() { return _bans; }
    const flapping_detector& flapping() const { return _flapping; }

private:
    ban_list _bans;
    flapping_detector _flapping;
};

}  // namespace emqd::auth
