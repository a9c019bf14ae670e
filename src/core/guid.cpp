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

namespace {
std::int64_t micros(auto time_point) {
    using namespace std::chrono;
    return duration_cast<microseconds>(time_point.time_since_epoch()).count();
}
}  // namespace

guid_generator::guid_generator(std::uint16_t node, std::uint32_t worker)
    : _node(node), _worker(worker) {
    resync();
}

void guid_generator::resync() {
    _offset_us =
        micros(std::chrono::system_clock::now()) - micros(std::chrono::steady_clock::now());
}

guid guid_generator::next() {
    return make(static_cast<std::uint64_t>(micros(std::chrono::system_clock::now())));
}

guid guid_generator::next(std::chrono::steady_clock::time_point now) {
    return make(static_cast<std::uint64_t>(micros(now) + _offset_us));
}

guid guid_generator::make(std::uint64_t now) {
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
