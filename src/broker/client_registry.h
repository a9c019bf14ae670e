#pragma once
// clientid -> the session that currently owns it (shard + session id), for takeover.
// Touched once per CONNECT and once per session end, never per message, so a plain mutex
// is enough.
//
// Thread safety: all member functions may be called from any shard.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "router/subscriber.h"

namespace emqd::broker {

class client_registry {
public:
    /// Makes `owner` the owner of `client_id`; returns the previous owner, if any.
    std::optional<router::subscriber_id> exchange(const std::string& client_id,
                                                  router::subscriber_id owner);
    /// Removes the entry only if `owner` still owns it (a newer connection may have
    /// claimed the id meanwhile).
    void erase_if_owner(const std::string& client_id, router::subscriber_id owner);
    std::optional<router::subscriber_id> find(const std::string& client_id) const;
    std::size_t size() const;

private:
    mutable std::mutex _mutex;
    std::unordered_map<std::string, router::subscriber_id> _owners;
};

}  // namespace emqd::broker
