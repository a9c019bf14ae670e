#pragma once
// flapping_detector: finds client ids that connect and disconnect too often (EMQ X
// `emqx_flapping`, `flapping_detect_policy = 30, 1m, 5m`).
//
// Design note. Like EMQ X, it counts the *ends* of accepted connections per client id. A
// client id's window opens at its first counted disconnect and lasts `window`; the
// `max_count`-th disconnect inside it reports flapping (the caller bans the id for
// `ban_time`) and forgets the id, and a window that ran out is forgotten too, so counting
// starts afresh. (EMQ X's documentation reads "30 disconnects in 1 minute: banned"; so does
// this: with `3, 1m, 5m`, the 3rd disconnect bans, the 4th CONNECT is refused.)
//
// Memory is bounded whatever the clients do: ids are tracked in a map and, in the order
// their windows opened, in a FIFO. Windows open in time order, so expired ones are at the
// front and are dropped on every record() and purge(); and the FIFO never holds more than
// `max_tracked` entries — a flood of distinct ids evicts the oldest windows first (those ids
// lose their count, which only makes detection more lenient under attack). A FIFO entry
// whose id was banned or re-opened later is stale: it is skipped (its window start differs)
// and still counts against `max_tracked`, so the bound holds for the FIFO too.
//
// Thread safety: every member may be called from any thread (one internal mutex, taken
// once per disconnect of a connected client).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/ban.h"

namespace emqd::auth {

/// `flapping_detect_policy = <max_count>, <window>, <ban_time>`.
struct flapping_policy {
    std::uint32_t max_count = 30;  // disconnects within `window` that ban (>= 1)
    clock::duration window = std::chrono::minutes(1);
    clock::duration ban_time = std::chrono::minutes(5);

    bool operator==(const flapping_policy&) const = default;
};

class flapping_detector {
public:
    /// Client ids tracked at most (each costs about 100 bytes plus twice its length).
    static constexpr std::size_t default_max_tracked = 100'000;

    explicit flapping_detector(flapping_policy policy,
                               std::size_t max_tracked = default_max_tracked);

    /// A connection of `client_id` that had been accepted ended at `now`. Returns true when
    /// that makes `max_count` within the id's window: the id is flapping (and forgotten).
    bool record(std::string_view client_id, clock::time_point now);
    /// Forgets windows that ran out by `now` (called periodically, so memory is returned
    /// even when nobody disconnects).
    void purge(clock::time_point now);
    /// Client ids with an open window.
    std::size_t tracked() const;
    const flapping_policy& policy() const { return _policy; }

private:
    struct window {
        clock::time_point opened;
        std::uint32_t count = 0;
    };
    struct opening {
        clock::time_point opened;
        std::string client_id;
    };
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    /// Pops the front of the FIFO, forgetting its id's window unless the entry is stale.
    void pop_oldest();

    const flapping_policy _policy;
    const std::size_t _max_tracked;
    mutable std::mutex _mutex;
    std::unordered_map<std::string, window, name_hash, std::equal_to<>> _windows;
    std::deque<opening> _openings;  // by `opened`, oldest first
};

}  // namespace emqd::auth
