// listener.tcp.<name> and its max_connections, max_conn_rate and access.N keys.
//
// Listeners are drafted while sources are applied, because keys of one listener may come in
// any order and from different sources (`max_connections` in the file, the address from
// EMQD_LISTENER__TCP__<NAME>); `listener.tcp.<name> = off` disables a listener, a later
// address enables it again. At the end, enabled drafts become config::tcp_listeners in order
// of first mention, and two listeners on the same address and port are an error.

#include "app/config/config_registry.h"

namespace emqd::app::detail {

namespace {

listener_draft& draft(load_state& s, std::string_view name) {
    for (listener_draft& d : s.listeners) {
        if (d.name == name) {
            return d;
        }
    }
    listener_draft& d = s.listeners.emplace_back();
    d.name = std::string(name);
    return d;
}

// A key of listener.tcp.<name>.*: the listener's draft, remembering the first such key so
// that one set for a listener without an address can be reported.
listener_draft& draft_for(load_state& s, const setting& v) {
    listener_draft& d = draft(s, v.wildcards[0]);
    if (d.setting_origin.empty()) {
        d.setting_origin = std::string(v.origin);
        d.setting_key = std::string(v.key);
    }
    return d;
}

void finish_listeners(load_state& s) {
    s.cfg.tcp_listeners.clear();
    for (const listener_draft& d : s.listeners) {
        if (!d.enabled) {
            if (!d.setting_origin.empty() && d.address_origin.empty()) {
                throw config_error(d.setting_origin + ": " + d.setting_key + ": listener.tcp." +
                                   d.name + " has no address (set listener.tcp." + d.name +
                                   " = PORT)");
            }
            continue;
        }
        for (const listener_config& l : s.cfg.tcp_listeners) {
            // Port 0 asks the kernel for a free port, so it never collides.
            if (d.port != 0 && l.port == d.port && l.address == d.host) {
                throw config_error(d.address_origin + ": listener.tcp." + d.name +
                                   ": duplicate listener address " + d.host + ":" +
                                   std::to_string(d.port) + " (also listener.tcp." + l.name + ")");
            }
        }
        listener_config l{d.name, d.host, d.port, d.max_connections, d.max_conn_rate, {}};
        for (const auto& [n, rule] : d.access)
            l.access.push_back(rule);
        s.cfg.tcp_listeners.push_back(std::move(l));
    }
}

}  // namespace

void register_listener_keys(key_registry& r) {
    r.on_start([](load_state& s) {
        listener_draft& d = draft(s, "external");
        d.enabled = true;
        d.address_origin = "default";
        d.host = "0.0.0.0";
        d.port = 1883;
    });
    r.on_finish(finish_listeners);

    r.key("listener.tcp.*", [](load_state& s, const setting& v) {
        for (std::string_view sub : {"max_connections", "max_conn_rate"}) {
            if (v.wildcards[0] == sub) {
                // Almost surely a forgotten listener name, not a listener called like a key.
                throw value_error("\"" + std::string(sub) +
                                  "\" is not a listener name; did you mean "
                                  "listener.tcp.external." +
                                  std::string(sub) + "?");
            }
        }
        listener_draft& d = draft(s, v.wildcards[0]);
        d.address_origin = std::string(v.origin);
        if (v.value == "off") {
            d.enabled = false;
            return;
        }
        listen_address a = value_or_throw(parse_listen_address(v.value));
        d.enabled = true;
        d.host = std::move(a.host);
        d.port = a.port;
    });
    r.key("listener.tcp.*.max_connections", [](load_state& s, const setting& v) {
        draft_for(s, v).max_connections = as_uint<std::size_t>(v, 1, 100'000'000);
    });
    r.key("listener.tcp.*.max_conn_rate", [](load_state& s, const setting& v) {
        draft_for(s, v).max_conn_rate = as_uint<std::uint64_t>(v, 0, 1'000'000);
    });
    // access.N = allow|deny <cidr>|all; rules apply in numeric order of N, first match wins.
    r.key("listener.tcp.*.access.*", [](load_state& s, const setting& v) {
        const auto n = parse_uint(v.wildcards[1], 0, 1'000'000);
        if (!n.ok()) {
            throw value_error("access rule number \"" + std::string(v.wildcards[1]) +
                              "\" must be an integer 0..1000000");
        }
        std::string why;
        auto rule = transport::access_rule::parse(v.value, why);
        if (!rule)
            throw value_error("invalid value \"" + std::string(v.value) + "\": " + why);
        draft_for(s, v).access[*n.value] = *rule;
    });
}

}  // namespace emqd::app::detail
