#pragma once
// drop_counters: messages a session lost, by reason. Kept per session and summed per shard
// (queue_budget) for metrics and $SYS.
//
// Thread safety: none; owned by a session or a shard and touched only on that shard.

#include <array>
#include <cstddef>
#include <cstdint>

namespace emqd::session {

enum class drop_reason : std::uint8_t {
    queue_full,    // zone.max_mqueue_len reached
    queue_bytes,   // zone.max_mqueue_bytes reached
    global_bytes,  // broker.max_mqueue_bytes_total reached (this shard's share of it)
    expired,       // Message Expiry Interval passed before the message was sent
    qos0_offline,  // QoS 0 for a detached session, zone.mqueue_store_qos0 off
};
inline constexpr std::size_t drop_reason_count = 5;

class drop_counters {
public:
    void add(drop_reason r, std::uint64_t n = 1) { _n[static_cast<std::size_t>(r)] += n; }
    std::uint64_t operator[](drop_reason r) const { return _n[static_cast<std::size_t>(r)]; }
    std::uint64_t total() const {
        std::uint64_t t = 0;
        for (std::uint64_t n : _n)
            t += n;
        return t;
    }
    drop_counters& operator+=(const drop_counters& o) {
        for (std::size_t i = 0; i < drop_reason_count; ++i)
            _n[i] += o._n[i];
        return *this;
    }

private:
    std::array<std::uint64_t, drop_reason_count> _n{};
};

}  // namespace emqd::session
