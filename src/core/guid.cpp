#include "core/guid.h"

#include <chrono>
#include <cstdio>

namespace emqd::core {

std::string guid::to_string() const {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                  static_cast<unsigned long long>(lo));
    return std::string(buf, 32);
}

guid guid_generator::next() {
    using namespace std::chrono;
    const auto now = static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
    if (now > _last_us) {
        _last_us = now;
        _seq = 0;
    } else if (++_seq == 0) {
        ++_last_us;  // sequence wrapped inside one microsecond (or the clock went back)
    }
    const std::uint64_t lo = (std::uint64_t{_node} << 48) | (std::uint64_t{_worker} << 16) | _seq;
    return guid{_last_us, lo};
}

}  // namespace emqd::core
