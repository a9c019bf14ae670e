#include "broker/overload_monitor.h"

#include <fmt/format.h>

namespace emqd::broker {

namespace {
std::string megabytes(std::uint64_t bytes) {
    return fmt::format("{}MB", bytes >> 20);
}
long long millis(overload_monitor::clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
}  // namespace

overload_monitor::overload_monitor(const overload_settings& s, std::uint64_t memory_limit) : _s(s) {
    if (s.mem_high_watermark_bytes != 0)
        _mem_high = s.mem_high_watermark_bytes;
    else
        _mem_high = static_cast<std::uint64_t>(static_cast<double>(memory_limit) *
                                               s.mem_high_watermark_fraction);
    _mem_low = _mem_high / 10 * 9;
}

bool overload_monitor::over_lag(clock::duration lag) const {
    return _s.loop_lag_high_watermark.count() != 0 && lag > _s.loop_lag_high_watermark;
}

overload_monitor::change overload_monitor::update(const reading& r) {
    if (!_s.enable)
        return change::none;
    if (!_overloaded) {
        if (!over_memory(r.rss) && !over_lag(r.lag))
            return change::none;
        _overloaded = true;
        _healthy_run = false;
        _reason = over_memory(r.rss) ? fmt::format("memory {} over the watermark {}",
                                                   megabytes(r.rss), megabytes(_mem_high))
                                     : fmt::format("loop lag {}ms over {}ms", millis(r.lag),
                                                   _s.loop_lag_high_watermark.count());
        return change::entered;
    }
    const bool healthy = (_mem_high == 0 || r.rss < _mem_low) && !over_lag(r.lag);
    if (!healthy) {
        _healthy_run = false;
        return change::none;
    }
    if (!_healthy_run) {
        _healthy_run = true;
        _healthy_since = r.now;
    }
    if (r.now - _healthy_since < _s.cool_down)
        return change::none;
    _overloaded = false;
    _reason = fmt::format("memory {}, loop lag {}ms", megabytes(r.rss), millis(r.lag));
    return change::left;
}

}  // namespace emqd::broker
