// Key registry: exact keys and `*` patterns, matched segment by segment. The registry is small
// (tens of keys) and consulted once per config entry at startup, so lookup is a linear scan.
// Typo suggestions use the Levenshtein distance against every key, with each `*` replaced by
// the segment the user wrote at that position (so `listener.tcp.ext.max_conections` is
// compared against `listener.tcp.ext.max_connections`).

#include "app/config/config_registry.h"

#include <algorithm>
#include <cassert>
#include <numeric>

namespace emqd::app::detail {

namespace {

std::vector<std::string_view> split(std::string_view key) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto dot = key.find('.', start);
        parts.push_back(key.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            return parts;
        }
        start = dot + 1;
    }
}

// A `*` segment is a listener (or zone) name: letters, digits, '_' and '-'.
bool valid_name(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace

void key_registry::key(std::string pattern, setter set) {
    std::vector<std::string> segments;
    for (std::string_view s : split(pattern)) {
        segments.emplace_back(s);
    }
    assert(std::none_of(_keys.begin(), _keys.end(),
                        [&](const entry& e) { return e.pattern == pattern; }));
    _keys.push_back({std::move(pattern), std::move(segments), std::move(set)});
}

const key_registry::setter* key_registry::find(std::string_view key,
                                               std::vector<std::string_view>& wildcards) const {
    const std::vector<std::string_view> parts = split(key);
    for (const entry& e : _keys) {
        if (e.segments.size() != parts.size()) {
            continue;
        }
        wildcards.clear();
        bool match = true;
        for (std::size_t i = 0; i < parts.size() && match; ++i) {
            if (e.segments[i] == "*") {
                match = valid_name(parts[i]);
                wildcards.push_back(parts[i]);
            } else {
                match = e.segments[i] == parts[i];
            }
        }
        if (match) {
            return &e.set;
        }
    }
    wildcards.clear();
    return nullptr;
}

std::string key_registry::suggest(std::string_view key) const {
    const std::vector<std::string_view> parts = split(key);
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(3, key.size() / 5) + 1;
    for (const entry& e : _keys) {
        std::string candidate;
        for (std::size_t i = 0; i < e.segments.size(); ++i) {
            candidate += i == 0 ? "" : ".";
            if (e.segments[i] != "*") {
                candidate += e.segments[i];
            } else if (i < parts.size() && valid_name(parts[i])) {
                candidate += parts[i];
            } else {
                candidate += "<name>";
            }
        }
        const std::size_t d = edit_distance(key, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = std::move(candidate);
        }
    }
    return best;
}

void key_registry::start(load_state& s) const {
    for (const hook& h : _start) {
        h(s);
    }
}

void key_registry::finish(load_state& s) const {
    for (const hook& h : _finish) {
        h(s);
    }
}

const key_registry& registry() {
    static const key_registry r = [] {
        key_registry k;
        register_node_keys(k);
        register_listener_keys(k);
        register_mqtt_keys(k);
        register_zone_keys(k);
        register_overload_keys(k);
        register_access_keys(k);
        register_storage_keys(k);
        return k;
    }();
    return r;
}

std::uint64_t as_seconds(const setting& v, std::uint64_t max_seconds) {
    const auto d = value_or_throw(
        parse_duration(v.value, bare_unit::seconds, std::chrono::seconds(max_seconds)));
    if (d.count() % 1000 != 0) {
        throw value_error("invalid value \"" + std::string(v.value) +
                          "\": expected whole seconds, like 30s or 2h");
    }
    return static_cast<std::uint64_t>(d.count() / 1000);
}

std::string as_string(const setting& v) {
    if (v.value.empty()) {
        throw value_error("invalid value \"\": expected a non-empty string");
    }
    return std::string(v.value);
}

}  // namespace emqd::app::detail
