#pragma once
// clientid -> the session that currently owns it (shard + session id), for takeover.
// Touched once per CONNECT and once per session end, never per message, so a plain mutex
// is enough. The keys share the client id's block with the channel and the session
// (core::shared_string), so an entry is a 32-byte node, no copy of the id.
//
// Thread safety: all member functions may be called from any shard.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "core/shared_string.h"
#include "router/subscriber.h"

namespace emqd::broker {

class client_registry {
public:
    /// Makes `owner` the owner of `client_id`; returns the previous owner, if any.
    std::optional<router::subscriber_id> exchange(const core::shared_string& client_id,
                                                  router::subscriber_id owner);
    /// Removes the entry only if `owner` still owns it (a newer connection may have
    /// claimed the id meanwhile).
    void erase_if_owner(std::string_view client_id, router::subscriber_id owner);
    std::optional<router::subscriber_id> find(std::string_view client_id) const;
    std::size_t size() const;

private:
    mutable std::mutex _mutex;
    std::unordered_map<core::shared_string, router::subscriber_id, core::shared_string_hash,
                       core::shared_string_equal>
        _owners;
};

}  // namespace emqd::broker
