#pragma once
// What the overload monitor measures memory with (Linux /proc and cgroup files).

#include <cstdint>

namespace emqd::broker {

/// Resident set size of this process in bytes (/proc/self/statm), or 0 if unreadable.
/// Opens and reads a small file: call it about once a second, not per message.
std::uint64_t resident_memory();

/// The memory this process may use: physical memory, or the cgroup (v2 memory.max, v1
/// memory.limit_in_bytes) limit of its container when that is lower. Read at startup.
std::uint64_t memory_limit();

}  // namespace emqd::broker
