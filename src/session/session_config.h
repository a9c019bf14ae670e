#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace emqd::session {

/// Per-zone session limits (EMQ X `zone.<name>.*` keys; defaults are EMQ X 4.x's).
struct session_config {
    std::uint16_t max_inflight = 32;                       // zone.max_inflight (0 = 65535)
    std::size_t max_mqueue_len = 1000;                     // zone.max_mqueue_len (0 = unbounded)
    std::uint64_t max_mqueue_bytes = 64 * 1024 * 1024;     // zone.max_mqueue_bytes (0 = unbounded)
    bool mqueue_store_qos0 = true;                         // zone.mqueue_store_qos0
    std::chrono::milliseconds retry_interval{30'000};      // zone.retry_interval (0 = no retry)
    std::size_t max_awaiting_rel = 100;                    // zone.max_awaiting_rel (0 = unbounded)
    std::chrono::milliseconds await_rel_timeout{300'000};  // zone.await_rel_timeout (0 = none)
    std::uint32_t session_expiry_interval = 7200;  // zone.session_expiry_interval, seconds (3.1.1)
    bool upgrade_qos = false;                      // zone.upgrade_qos
};

}  // namespace emqd::session
