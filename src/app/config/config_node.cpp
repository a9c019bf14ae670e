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
    r.key("log.level", [](load_state& s, const setting& v) {
        s.cfg.log_level = value_or_throw(
            parse_choice(v.value, {"debug", "info", "notice", "warning", "error", "critical"}));
    });
}

}  // namespace emqd::app::detail
