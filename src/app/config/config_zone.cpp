// zone.external.* keys: connection and session settings of the one zone emqd has so far,
// stored in config::zone and config::zone.session.

#include <limits>

#include "app/config/config_registry.h"

namespace emqd::app::detail {

namespace {
constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
// Durations stay below ~24 days so they fit any millisecond timer (int32 ms) downstream.
constexpr std::chrono::milliseconds max_timer{std::numeric_limits<std::int32_t>::max()};

// EMQ X 4.x rate_limit format, `<amount>,<period>` ("100KB,10s": at most 100 KB per 10 s on
// average, bursts up to 100 KB), or `off`. Amounts are sizes for bytes, counts otherwise.
enum class amount_kind { bytes, count };
transport::rate_limit as_rate_limit(const setting& v, amount_kind kind) {
    if (v.value == "off")
        return {};
    const auto comma = v.value.find(',');
    if (comma == std::string_view::npos) {
        throw value_error("invalid value \"" + std::string(v.value) + "\": expected " +
                          (kind == amount_kind::bytes ? "<size>,<duration> like 100KB,10s"
                                                      : "<count>,<duration> like 100,10s") +
                          ", or off");
    }
    const std::string_view amount = v.value.substr(0, comma);
    const std::string_view period = v.value.substr(comma + 1);
    transport::rate_limit r;
    r.amount = value_or_throw(kind == amount_kind::bytes ? parse_size(amount, 1, u32_max)
                                                         : parse_uint(amount, 1, u32_max));
    r.period = value_or_throw(parse_duration(period, bare_unit::seconds, max_timer));
    if (r.period.count() == 0)
        throw value_error("invalid value \"" + std::string(v.value) +
                          "\": the period must be longer than 0");
    return r;
}
}  // namespace

void register_zone_keys(key_registry& r) {
    r.key("zone.external.idle_timeout", [](load_state& s, const setting& v) {
        s.cfg.zone.idle_timeout = as_duration(v, max_timer);
    });
    r.key("zone.external.keepalive_backoff", [](load_state& s, const setting& v) {
        s.cfg.zone.keepalive_backoff = value_or_throw(parse_positive_double(v.value));
    });
    r.key("zone.external.server_keepalive", [](load_state& s, const setting& v) {
        s.cfg.zone.server_keepalive = static_cast<std::uint16_t>(as_seconds(v, 65535));
    });
    r.key("zone.external.max_inflight", [](load_state& s, const setting& v) {
        s.cfg.zone.session.max_inflight = as_uint<std::uint16_t>(v, 0, 65535);
    });
    r.key("zone.external.max_mqueue_len", [](load_state& s, const setting& v) {
        s.cfg.zone.session.max_mqueue_len = as_uint<std::size_t>(v, 0, u32_max);
    });
    r.key("zone.external.max_mqueue_bytes", [](load_state& s, const setting& v) {
        s.cfg.zone.session.max_mqueue_bytes = as_size<std::uint64_t>(v, 0, std::uint64_t{1} << 50);
    });
    r.key("zone.external.mqueue_store_qos0", [](load_state& s, const setting& v) {
        s.cfg.zone.session.mqueue_store_qos0 = as_bool(v);
    });
    r.key("zone.external.retry_interval", [](load_state& s, const setting& v) {
        s.cfg.zone.session.retry_interval = as_duration(v, max_timer);
    });
    r.key("zone.external.max_awaiting_rel", [](load_state& s, const setting& v) {
        s.cfg.zone.session.max_awaiting_rel = as_uint<std::size_t>(v, 0, u32_max);
    });
    r.key("zone.external.await_rel_timeout", [](load_state& s, const setting& v) {
        s.cfg.zone.session.await_rel_timeout = as_duration(v, max_timer);
    });
    // Seconds, as in the MQTT 5 Session Expiry Interval property (0xFFFFFFFF = never).
    r.key("zone.external.session_expiry_interval", [](load_state& s, const setting& v) {
        s.cfg.zone.session.session_expiry_interval =
            static_cast<std::uint32_t>(as_seconds(v, u32_max));
    });
    r.key("zone.external.rate_limit.conn_bytes_in", [](load_state& s, const setting& v) {
        s.cfg.conn_bytes_in = as_rate_limit(v, amount_kind::bytes);
    });
    r.key("zone.external.rate_limit.conn_messages_in", [](load_state& s, const setting& v) {
        s.cfg.conn_messages_in = as_rate_limit(v, amount_kind::count);
    });
    r.key("zone.external.enable_ban",
          [](load_state& s, const setting& v) { s.cfg.zone.enable_ban = as_bool(v); });
    r.key("zone.external.enable_flapping_detect",
          [](load_state& s, const setting& v) { s.cfg.zone.enable_flapping_detect = as_bool(v); });
    r.key("zone.external.upgrade_qos",
          [](load_state& s, const setting& v) { s.cfg.zone.session.upgrade_qos = as_bool(v); });
    // A topic prefix: no wildcards, and not a shared-subscription prefix (mounted filters
    // would change meaning). Empty = none.
    r.key("zone.external.mountpoint", [](load_state& s, const setting& v) {
        const std::string_view m = v.value;
        if (m.find_first_of("+#") != std::string_view::npos || m.starts_with("$share/") ||
            m.starts_with("$queue/")) {
            throw value_error("invalid value \"" + std::string(m) +
                              "\": expected a topic prefix without wildcards, like devices/%c/");
        }
        s.cfg.zone.mountpoint = std::string(m);
    });
}

}  // namespace emqd::app::detail
