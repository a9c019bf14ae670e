#pragma once
// Settings of the overload protection (overload_monitor.h); plain data, also filled by the
// config loader.

#include <chrono>
#include <cstdint>

namespace emqd::broker {

/// What overload_protection.* configures (etc/emqd.conf documents the keys).
struct overload_settings {
    bool enable = true;
    /// Stop accepting connections while overloaded (EMQ X backoff_new_conn).
    bool backoff_new_conn = true;
    /// Memory watermark: mem_high_watermark_bytes if non-zero, else this fraction of the
    /// memory available to the process (0 = memory not watched).
    std::uint64_t mem_high_watermark_bytes = 0;
    double mem_high_watermark_fraction = 0.8;
    /// Worst tolerated event-loop lag (0 = lag not watched).
    std::chrono::milliseconds loop_lag_high_watermark{500};
    /// How long every reading must be healthy before the overload ends.
    std::chrono::milliseconds cool_down{5000};
};

}  // namespace emqd::broker
