#pragma once
// 128-bit message id (design.md "Identifiers"): 64-bit microsecond timestamp, 16-bit node
// id, 32-bit worker id, 16-bit sequence. Ids sort by creation time and are unique across a
// cluster without coordination.

#include <chrono>
#include <cstdint>
#include <string>

namespace emqd::core {

struct guid {
    std::uint64_t hi = 0;  // microseconds since the Unix epoch
    std::uint64_t lo = 0;  // node(16) | worker(32) | sequence(16)

    std::uint64_t timestamp_us() const { return hi; }
    std::uint16_t node() const { return static_cast<std::uint16_t>(lo >> 48); }
    std::uint32_t worker() const { return static_cast<std::uint32_t>(lo >> 16); }
    std::uint16_t sequence() const { return static_cast<std::uint16_t>(lo); }

    /// 32 lowercase hex digits, hi first: sorts like the id.
    std::string to_string() const;

    friend bool operator==(const guid&, const guid&) = default;
    friend auto operator<=>(const guid&, const guid&) = default;
};

/// Produces ids for one worker. Not thread-safe: each worker owns one.
/// If the sequence wraps within one microsecond, the timestamp is advanced artificially so
/// ids stay strictly increasing per worker.
class guid_generator {
public:
    guid_generator(std::uint16_t node, std::uint32_t worker);
    /// An id stamped with the wall clock, read now.
    guid next();
    /// An id stamped with the wall time of `now`, a steady time the caller has already read,
    /// through the offset measured at the last resync(): no clock read per message.
    guid next(std::chrono::steady_clock::time_point now);
    /// Measures the steady -> wall clock offset again (the shard does once a second), so
    /// stamps follow the wall clock when it is adjusted.
    void resync();

private:
    guid make(std::uint64_t us);

    std::int64_t _offset_us = 0;  // wall clock minus steady clock, microseconds
    std::uint16_t _node;
    std::uint32_t _worker;
    std::uint64_t _last_us = 0;
    std::uint16_t _seq = 0;
};

}  // namespace emqd::core
