#include "auth/ban_list.h"

#include <algorithm>
#include <mutex>

namespace emqd::auth {

const char* to_string(ban_kind k) {
    switch (k) {
        case ban_kind::clientid:
            return "clientid";
        case ban_kind::username:
            return "username";
        case ban_kind::peerhost:
            return "peerhost";
    }
    return "?";
}

bool ban_list::add(const ban& b) {
    if (b.who.empty())
        return false;
    std::optional<core::cidr> block;
    if (b.kind == ban_kind::peerhost) {
        block = core::parse_cidr(b.who);
        if (!block)
            return false;
    }
    std::unique_lock lock(_mutex);
    switch (b.kind) {
        case ban_kind::clientid:
            _clientids.insert_or_assign(b.who, b.until);
            break;
        case ban_kind::username:
            _usernames.insert_or_assign(b.who, b.until);
            break;
        case ban_kind::peerhost: {
            auto it = std::find_if(_hosts.begin(), _hosts.end(),
                                   [&](const auto& h) { return h.first == *block; });
            if (it != _hosts.end())
                it->second = b.until;
            else
                _hosts.emplace_back(*block, b.until);
            break;
        }
    }
    note_expiry(b.until);
    return true;
}

void ban_list::note_expiry(const std::optional<clock::time_point>& until) {
    if (until)
        _next_expiry = std::min(_next_expiry, *until);
}

std::optional<ban_kind> ban_list::match(const client_info& c, clock::time_point now) const {
    std::shared_lock lock(_mutex);
    if (auto it = _clientids.find(c.client_id); it != _clientids.end() && in_force(it->second, now))
        return ban_kind::clientid;
    if (c.username) {
        if (auto it = _usernames.find(*c.username);
            it != _usernames.end() && in_force(it->second, now))
            return ban_kind::username;
    }
    if (c.peer_host) {
        for (const auto& [block, until] : _hosts)
            if (in_force(until, now) && block.contains(*c.peer_host))
                return ban_kind::peerhost;
    }
    return std::nullopt;
}

std::size_t ban_list::purge_expired(clock::time_point now) {
    std::unique_lock lock(_mutex);
    if (now < _next_expiry)
        return 0;
    _next_expiry = clock::time_point::max();
    std::size_t n = 0;
    auto sweep_names = [&](by_name& m) {
        n += std::erase_if(m, [&](const auto& kv) { return !in_force(kv.second, now); });
        for (const auto& [who, until] : m)
            note_expiry(until);
    };
    sweep_names(_clientids);
    sweep_names(_usernames);
    n += std::erase_if(_hosts, [&](const auto& h) { return !in_force(h.second, now); });
    for (const auto& [block, until] : _hosts)
        note_expiry(until);
    return n;
}

std::size_t ban_list::size() const {
    std::shared_lock lock(_mutex);
    return _clientids.size() + _usernames.size() + _hosts.size();
}

}  // namespace emqd::auth
