#pragma once
// The key registry: every config key (or key pattern with `*` standing for one dotted
// segment, as in listener.tcp.*) maps to a setter. Each section file registers its keys with
// one line per key:
//
//     r.key("mqtt.max_qos_allowed", [](load_state& s, const setting& v) {
//         s.cfg.zone.max_qos_allowed = as_uint<std::uint8_t>(v, 0, 2);
//     });
//
// Setters throw value_error with what is wrong; config.cpp prefixes origin and key. A setter
// runs once per occurrence, in source order, so later entries override earlier ones.
//
// Startup-only and single-threaded: the registry is built once, on first use.

#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "app/config/config.h"
#include "app/config/config_values.h"

namespace emqd::app::detail {

/// A listener as the sources describe it so far; finished into config::tcp_listeners.
struct listener_draft {
    std::string name;
    bool enabled = false;        // false: no address yet, or `= off`
    std::string address_origin;  // origin of the entry that set the address
    std::string host;
    std::uint16_t port = 0;
    std::size_t max_connections = 1024000;
    std::uint64_t max_conn_rate = 0;
    std::map<std::uint64_t, transport::access_rule> access;  // by N of access.N
    std::string setting_origin;  // origin and key of the first listener.tcp.<name>.* key
    std::string setting_key;
};

/// What setters write into while the sources are applied.
struct load_state {
    config cfg;
    std::vector<listener_draft> listeners;           // in order of first mention
    std::map<std::uint64_t, auth::static_ban> bans;  // banned.N by N
};

/// One entry being applied.
struct setting {
    std::string_view key;
    std::string_view value;
    std::string_view origin;
    std::vector<std::string_view> wildcards;  // the segments matched by `*`, in order
};

/// What a setter throws: the problem with the value, without origin or key.
class value_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class key_registry {
public:
    using setter = std::function<void(load_state&, const setting&)>;
    using hook = std::function<void(load_state&)>;

    /// Registers `pattern` (an exact key, or with `*` segments). Patterns must be unique.
    void key(std::string pattern, setter set);
    /// Runs before any source (e.g. seeds the default listener).
    void on_start(hook h) { _start.push_back(std::move(h)); }
    /// Runs after all sources; may throw config_error (with an origin of its own).
    void on_finish(hook h) { _finish.push_back(std::move(h)); }

    /// The setter for `key` and the `*` segments it matched, or null.
    const setter* find(std::string_view key, std::vector<std::string_view>& wildcards) const;
    /// The known key closest to `key` when it is a likely typo; empty otherwise.
    std::string suggest(std::string_view key) const;

    void start(load_state& s) const;
    void finish(load_state& s) const;

private:
    struct entry {
        std::string pattern;
        std::vector<std::string> segments;
        setter set;
    };
    std::vector<entry> _keys;
    std::vector<hook> _start;
    std::vector<hook> _finish;
};

/// All keys of all sections. Built on first call.
const key_registry& registry();

// Section registration, one file each.
void register_node_keys(key_registry& r);      // config_node.cpp: node.*, broker.*, log.*
void register_listener_keys(key_registry& r);  // config_listener.cpp: listener.tcp.*
void register_mqtt_keys(key_registry& r);      // config_mqtt.cpp: mqtt.*
void register_zone_keys(key_registry& r);      // config_zone.cpp: zone.external.*
void register_overload_keys(key_registry& r);  // config_overload.cpp: overload_protection.*
void register_access_keys(key_registry& r);    // config_access.cpp: banned.*, flapping_*
void register_storage_keys(key_registry& r);   // config_storage.cpp: storage.*

// Throwing shortcuts for setters: parse v.value or throw value_error.
template <class T>
T value_or_throw(parsed<T> p) {
    if (!p.ok()) {
        throw value_error(p.error);
    }
    return std::move(*p.value);
}

inline bool as_bool(const setting& v) {
    return value_or_throw(parse_bool(v.value));
}

template <class Int>
Int as_uint(const setting& v, std::uint64_t min, std::uint64_t max) {
    return static_cast<Int>(value_or_throw(parse_uint(v.value, min, max)));
}

template <class Int>
Int as_size(const setting& v, std::uint64_t min, std::uint64_t max) {
    return static_cast<Int>(value_or_throw(parse_size(v.value, min, max)));
}

inline std::chrono::milliseconds as_duration(
    const setting& v, std::chrono::milliseconds max = std::chrono::milliseconds::max()) {
    return value_or_throw(parse_duration(v.value, bare_unit::seconds, max));
}

/// A duration in whole seconds (bare number = seconds), at most `max_seconds`.
std::uint64_t as_seconds(const setting& v, std::uint64_t max_seconds);

/// A non-empty string.
std::string as_string(const setting& v);

}  // namespace emqd::app::detail
