#pragma once
// The 24-byte stamp at the start of every payload emqd-bench publishes (little endian):
//   u64 CLOCK_MONOTONIC nanoseconds at send, u32 publisher index, u32 reserved,
//   u64 sequence number per publisher (0, 1, 2, ...).
// CLOCK_MONOTONIC is std::chrono::steady_clock on Linux; latency is only meaningful when
// publisher and subscriber run on the same machine.

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace emqd::bench {

struct stamp {
    static constexpr std::size_t size = 24;

    std::uint64_t sent_ns = 0;
    std::uint32_t publisher = 0;
    std::uint64_t seq = 0;

    /// Writes the stamp into the first 24 bytes of `out` (at least that long).
    void write(char* out) const {
        const std::uint32_t reserved = 0;
        std::memcpy(out, &sent_ns, 8);
        std::memcpy(out + 8, &publisher, 4);
        std::memcpy(out + 12, &reserved, 4);
        std::memcpy(out + 16, &seq, 8);
    }
    /// The stamp of a payload, or nullopt if it is too short to hold one.
    static std::optional<stamp> read(std::string_view payload) {
        if (payload.size() < size)
            return std::nullopt;
        stamp s;
        std::memcpy(&s.sent_ns, payload.data(), 8);
        std::memcpy(&s.publisher, payload.data() + 8, 4);
        std::memcpy(&s.seq, payload.data() + 16, 8);
        return s;
    }
};
static_assert(std::endian::native == std::endian::little, "the stamp is little endian");

inline std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
}

}  // namespace emqd::bench
