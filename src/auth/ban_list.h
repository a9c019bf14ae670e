#pragma once
// ban_list: the broker's banned client ids, usernames and peer hosts (EMQ X `emqx_banned`),
// consulted once per CONNECT by every shard.
//
// Design note. Client ids and usernames are exact keys in hash maps (flapping detection may
// add many client ids); peer hosts are CIDR blocks in a vector scanned in order (a bare
// address is a /32 or /128 block) — like EMQ X, the host list is meant for a few entries,
// authentication is the tool for many. An entry past its `until` no longer matches at once;
// its memory is freed by purge_expired(), which does nothing until the earliest expiry is due
// (`_next_expiry`), so the periodic call costs a lock and a comparison.
//
// Thread safety: every member may be called from any thread. Lookups share a reader lock;
// add() and purge_expired() take it exclusively (rare: config, flapping, management).

#include <cstddef>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "auth/ban.h"
#include "auth/client_info.h"
#include "core/cidr.h"

namespace emqd::auth {

class ban_list {
public:
    /// Adds `b`, replacing a ban on the same identity (for peerhost: the same block). Returns
    /// false, changing nothing, when `b.who` is empty or a peerhost `who` is not an address
    /// or CIDR block (core::parse_cidr).
    bool add(const ban& b);
    /// The kind of the first ban in force at `now` that names `c` (its client id, else its
    /// username, else a block holding its peer host), or nullopt.
    std::optional<ban_kind> match(const client_info& c, clock::time_point now) const;
    /// Frees bans whose `until` has passed; returns how many.
    std::size_t purge_expired(clock::time_point now);
    /// Entries held, expired ones included until purged.
    std::size_t size() const;

private:
    /// Heterogeneous lookup: a CONNECT's string_view is looked up without a copy.
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    using by_name = std::unordered_map<std::string, std::optional<clock::time_point>, name_hash,
                                       std::equal_to<>>;
    static bool in_force(const std::optional<clock::time_point>& until, clock::time_point now) {
        return !until || now < *until;
    }
    void note_expiry(const std::optional<clock::time_point>& until);

    mutable std::shared_mutex _mutex;
    by_name _clientids;
    by_name _usernames;
    std::vector<std::pair<core::cidr, std::optional<clock::time_point>>> _hosts;
    clock::time_point _next_expiry = clock::time_point::max();  // earliest `until` held
};

}  // namespace emqd::auth
