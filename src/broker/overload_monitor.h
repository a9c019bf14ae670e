#pragma once
// Overload detection (overload_protection.* keys): a state machine fed one reading per
// sample (process RSS and the worst event-loop lag seen since the previous sample). It holds
// no clock and does no I/O, so it is tested by feeding readings; the broker samples it once a
// second (shard_overload.cpp) and acts on the transitions it returns.
//
//                 rss > watermark  or  lag > lag watermark
//      normal  ------------------------------------------->  overloaded
//         ^                                                       |
//         +-- rss < 90% of watermark and lag <= lag watermark ----+
//                 in every reading for at least cool_down
//
// The gap between the two memory marks and the cool-down are the hysteresis: a broker whose
// memory hovers at the watermark, or whose loop recovers for one sample, does not flap.
//
// THREADING WARNING: not synchronized; one thread (shard 0's) samples it.

#include <chrono>
#include <cstdint>
#include <string>

#include "broker/overload_settings.h"

namespace emqd::broker {

class overload_monitor {
public:
    using clock = std::chrono::steady_clock;

    struct reading {
        clock::time_point now;
        std::uint64_t rss = 0;  // resident set size of the process, bytes
        clock::duration lag{};  // worst lag of any shard's loop since the last reading
    };
    enum class change { none, entered, left };

    /// `memory_limit` is what a fractional watermark is a fraction of (physical memory or
    /// the cgroup limit: process_memory.h).
    overload_monitor(const overload_settings& s, std::uint64_t memory_limit);

    /// Feeds one reading; returns the transition it caused. Readings must not go back in
    /// time. A disabled monitor never leaves `normal`.
    change update(const reading& r);

    bool overloaded() const { return _overloaded; }
    /// The memory watermark in bytes (0 = memory not watched).
    std::uint64_t mem_high_watermark() const { return _mem_high; }
    /// Why the last transition happened, for the log: "memory 812MB over the watermark
    /// 800MB", "loop lag 1200ms over 500ms", "recovered: ...".
    const std::string& reason() const { return _reason; }

private:
    bool over_memory(std::uint64_t rss) const { return _mem_high != 0 && rss > _mem_high; }
    bool over_lag(clock::duration lag) const;

    overload_settings _s;
    std::uint64_t _mem_high = 0;
    std::uint64_t _mem_low = 0;  // 90% of _mem_high: memory must fall below to recover
    bool _overloaded = false;
    bool _healthy_run = false;  // overloaded, and every reading since _healthy_since ok
    clock::time_point _healthy_since{};
    std::string _reason;
};

}  // namespace emqd::broker
