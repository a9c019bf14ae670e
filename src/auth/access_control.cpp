#include "auth/access_control.h"

#include <spdlog/spdlog.h>

namespace emqd::auth {

access_control::access_control(const access_config& cfg, clock::time_point now)
    : _flapping(cfg.flapping) {
    for (const static_ban& s : cfg.bans) {
        ban b{s.kind, s.who, std::nullopt};
        if (s.duration)
            b.until = now + *s.duration;
        if (!_bans.add(b))  // the config loader validated every entry
            spdlog::error("ban on {} {:?} ignored: not valid", to_string(s.kind), s.who);
    }
}

core::status access_control::check_connect(const client_info& c, clock::time_point now) const {
    if (auto kind = _bans.match(c, now)) {
        spdlog::info("client {:?} from {} refused: banned by {}", c.client_id,
                     c.peer_host ? c.peer_host->to_string() : "unknown", to_string(*kind));
        return core::fail(core::reason_code::banned, "banned");
    }
    return {};
}

void access_control::connection_closed(std::string_view client_id, clock::time_point now) {
    if (!_flapping.record(client_id, now))
        return;
    const flapping_policy& p = _flapping.policy();
    _bans.add(ban{ban_kind::clientid, std::string(client_id), now + p.ban_time});
    spdlog::warn("flapping: client {:?} disconnected {} times within {}s; banned for {}s",
                 client_id, p.max_count,
                 std::chrono::duration_cast<std::chrono::seconds>(p.window).count(),
                 std::chrono::duration_cast<std::chrono::seconds>(p.ban_time).count());
}

void access_control::purge(clock::time_point now) {
    _bans.purge_expired(now);
    _flapping.purge(now);
}

}  // namespace emqd::auth
