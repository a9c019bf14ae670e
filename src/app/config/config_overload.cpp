// overload_protection.* keys: when the broker protects itself (broker/overload_monitor.h).

#include <limits>

#include "app/config/config_registry.h"

namespace emqd::app::detail {

namespace {
constexpr std::chrono::milliseconds max_timer{std::numeric_limits<std::int32_t>::max()};
}  // namespace

void register_overload_keys(key_registry& r) {
    r.key("overload_protection.enable",
          [](load_state& s, const setting& v) { s.cfg.overload.enable = as_bool(v); });
    r.key("overload_protection.backoff_new_conn",
          [](load_state& s, const setting& v) { s.cfg.overload.backoff_new_conn = as_bool(v); });
    r.key("overload_protection.mem_high_watermark", [](load_state& s, const setting& v) {
        const size_or_percent w = value_or_throw(parse_size_or_percent(v.value));
        s.cfg.overload.mem_high_watermark_bytes = w.bytes;
        s.cfg.overload.mem_high_watermark_fraction = w.fraction;
    });
    r.key("overload_protection.loop_lag_high_watermark", [](load_state& s, const setting& v) {
        s.cfg.overload.loop_lag_high_watermark = as_duration(v, max_timer);
    });
    r.key("overload_protection.cool_down", [](load_state& s, const setting& v) {
        s.cfg.overload.cool_down = as_duration(v, max_timer);
    });
}

}  // namespace emqd::app::detail
