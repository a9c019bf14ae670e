#pragma once
// delivery: one outbound message as a session holds it in its queue or inflight window; the
// per-subscriber fields (delivered QoS, retain flag, subscription identifiers) that the
// immutable core::message does not carry.
//
// Thread safety: none; owned by one session on its shard.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/message.h"

namespace emqd::session::detail {

/// The Subscription Identifiers of one delivery (spec 3.3.4: one per matching subscription
/// that has one). Almost every delivery has zero or one, so up to `inline_capacity` live inside
/// the object and only more than that allocate.
class subscription_ids {
public:
    static constexpr std::size_t inline_capacity = 2;

    void push_back(std::uint32_t id) {
        if (_size < inline_capacity && _spill.empty()) {
            _inline[_size++] = id;
            return;
        }
        if (_spill.empty()) {
            _spill.assign(_inline.begin(), _inline.begin() + _size);
        }
        _spill.push_back(id);
        ++_size;
    }
    /// Valid until the next push_back or clear.
    std::span<const std::uint32_t> view() const {
        return _spill.empty() ? std::span<const std::uint32_t>(_inline.data(), _size)
                              : std::span<const std::uint32_t>(_spill);
    }
    std::size_t size() const { return _size; }
    bool empty() const { return _size == 0; }
    void clear() {
        _spill.clear();  // keeps its capacity: a reused slot does not allocate again
        _size = 0;
    }

private:
    std::array<std::uint32_t, inline_capacity> _inline {};
    std::vector<std::uint32_t> _spill;  // all ids, once there are more than inline_capacity
    std::size_t _size = 0;
};

struct delivery {
    core::message_ptr msg;  // shared, never copied
    std::uint8_t qos = 0;   // delivered QoS (after capping or upgrading)
    bool retain = false;    // RETAIN flag on the wire
    /// Stored for a persistent session (session::stored): forgotten in storage when it
    /// leaves the session.
    bool stored = false;
    subscription_ids sub_ids;
    /// The shared subscription group it came through (router options.shared_group), or 0:
    /// while unacknowledged it may be handed to another member (session::hand_off_shared).
    std::uint64_t shared_group = 0;
};

}  // namespace emqd::session::detail
