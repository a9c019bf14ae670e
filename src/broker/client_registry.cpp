#include "broker/client_registry.h"

#include <utility>

namespace emqd::broker {

std::optional<router::subscriber_id> client_registry::exchange(const core::shared_string& client_id,
                                                               router::subscriber_id owner) {
    std::lock_guard lock(_mutex);
    auto [it, inserted] = _owners.try_emplace(client_id, owner);
    if (inserted)
        return std::nullopt;
    return std::exchange(it->second, owner);
}

void client_registry::erase_if_owner(std::string_view client_id, router::subscriber_id owner) {
    std::lock_guard lock(_mutex);
    auto it = _owners.find(client_id);
    if (it != _owners.end() && it->second == owner)
        _owners.erase(it);
}

std::optional<router::subscriber_id> client_registry::find(std::string_view client_id) const {
    std::lock_guard lock(_mutex);
    auto it = _owners.find(client_id);
    if (it == _owners.end())
        return std::nullopt;
    return it->second;
}

std::size_t client_registry::size() const {
    std::lock_guard lock(_mutex);
    return _owners.size();
}

}  // namespace emqd::broker
