// listener.tcp.<name> and listener.tcp.<name>.max_connections.
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

void finish_listeners(load_state& s) {
    s.cfg.tcp_listeners.clear();
    for (const listener_draft& d : s.listeners) {
        if (!d.enabled) {
            if (!d.max_connections_origin.empty() && d.address_origin.empty()) {
                throw config_error(d.max_connections_origin + ": listener.tcp." + d.name +
                                   ".max_connections: listener.tcp." + d.name +
                                   " has no address (set listener.tcp." + d.name + " = PORT)");
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
        s.cfg.tcp_listeners.push_back({d.name, d.host, d.port, d.max_connections});
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
        if (v.wildcards[0] == "max_connections") {
            // Almost surely a forgotten listener name, not a listener called max_connections.
            throw value_error(
                "\"max_connections\" is not a listener name; did you mean "
                "listener.tcp.external.max_connections?");
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
        listener_draft& d = draft(s, v.wildcards[0]);
        d.max_connections = as_uint<std::size_t>(v, 1, 100'000'000);
        d.max_connections_origin = std::string(v.origin);
    });
}

}  // namespace emqd::app::detail
