// node.*, broker.* and log.* keys.

#include "app/config/config_registry.h"

namespace emqd::app::detail {

void register_node_keys(key_registry& r) {
    r.key("node.name", [](load_state& s, const setting& v) {
        const std::string name = as_string(v);
        const auto at = name.find('@');
        if (at == 0 || at == std::string::npos || at + 1 == name.size() ||
            name.find('@', at + 1) != std::string::npos) {
            throw value_error("invalid value \"" + name +
                              "\": expected name@host, like emqd@127.0.0.1");
        }
        s.cfg.node_name = name;
    });
    r.key("node.data_dir", [](load_state& s, const setting& v) { s.cfg.data_dir = as_string(v); });
    r.key("broker.shards",
          [](load_state& s, const setting& v) { s.cfg.shards = as_uint<unsigned>(v, 0, 1024); });
    r.key("broker.max_mqueue_bytes_total", [](load_state& s, const setting& v) {
        s.cfg.max_mqueue_bytes_total = as_size<std::uint64_t>(v, 0, std::uint64_t{1} << 50);
    });
    // host:port of the server clients are sent to (v5 Server Reference); empty = off.
    r.key("broker.redirect_to", [](load_state& s, const setting& v) {
        const std::string_view to = v.value;
        const auto colon = to.rfind(':');
        if (!to.empty() && (colon == 0 || colon == std::string_view::npos ||
                            to.find_first_of(" \t") != std::string_view::npos ||
                            !parse_uint(to.substr(colon + 1), 1, 65535).ok())) {
            throw value_error("invalid value \"" + std::string(to) +
                              "\": expected host:port, like broker2.example.com:1883");
        }
        s.cfg.zone.redirect_to = std::string(to);
    });
    r.key("broker.redirect_permanent",
          [](load_state& s, const setting& v) { s.cfg.zone.redirect_permanent = as_bool(v); });
    r.key("broker.shared_subscription_strategy", [](load_state& s, const setting& v) {
        using router::shared_strategy;
        const std::string name = value_or_throw(parse_choice(
            v.value, {"random", "round_robin", "sticky", "hash_clientid", "hash_topic"}));
        s.cfg.shared_subscription_strategy = name == "round_robin" ? shared_strategy::round_robin
                                             : name == "sticky"    ? shared_strategy::sticky
                                             : name == "hash_clientid"
                                                 ? shared_strategy::hash_clientid
                                             : name == "hash_topic" ? shared_strategy::hash_topic
                                                                    : shared_strategy::random;
    });
    r.key("log.level", [](load_state& s, const setting& v) {
        s.cfg.log_level = value_or_throw(
            parse_choice(v.value, {"debug", "info", "notice", "warning", "error", "critical"}));
    });
}

}  // namespace emqd::app::detail
