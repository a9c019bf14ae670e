#pragma once
// CPU time and resident memory of a process, from Linux /proc: the tool's own (pid 0 =
// self) and the broker's (--broker-pid). Each call opens and reads one small file: sample
// about once a second, never per message.

#include <chrono>
#include <cstdint>
#include <optional>

namespace emqd::bench {

/// utime + stime of the process in seconds (/proc/PID/stat), or nullopt if unreadable.
std::optional<double> cpu_seconds(std::uint32_t pid);
/// Resident set size in bytes (/proc/PID/statm), or nullopt if unreadable.
std::optional<std::uint64_t> rss_bytes(std::uint32_t pid);

/// CPU use between two samples, as a percentage of one core (200 = two cores busy).
class cpu_meter {
public:
    explicit cpu_meter(std::uint32_t pid);
    /// CPU% since the previous sample (or construction); nullopt if the process is gone.
    std::optional<double> sample();

private:
    std::uint32_t _pid;
    std::optional<double> _cpu;
    std::chrono::steady_clock::time_point _at;
};

}  // namespace emqd::bench
