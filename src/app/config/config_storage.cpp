// storage.* keys: the embedded store of persistent sessions and retained messages
// (storage/store_options.h). Its directory is <node.data_dir>/rocksdb (main.cpp).

#include <limits>

#include "app/config/config_registry.h"

namespace emqd::app::detail {

namespace {
constexpr std::chrono::milliseconds max_interval{std::numeric_limits<std::int32_t>::max()};
}  // namespace

void register_storage_keys(key_registry& r) {
    r.key("storage.sync_policy", [](load_state& s, const setting& v) {
        const std::string p = value_or_throw(parse_choice(v.value, {"always", "interval"}));
        s.cfg.storage.sync =
            p == "always" ? storage::sync_policy::always : storage::sync_policy::interval;
    });
    r.key("storage.sync_interval", [](load_state& s, const setting& v) {
        const auto d = as_duration(v, max_interval);
        if (d.count() == 0)
            throw value_error("invalid value \"" + std::string(v.value) + "\": must be above 0");
        s.cfg.storage.sync_interval = d;
    });
    r.key("storage.on_corruption", [](load_state& s, const setting& v) {
        const std::string p = value_or_throw(parse_choice(v.value, {"quarantine", "stop"}));
        s.cfg.storage.on_corruption = p == "quarantine" ? storage::corruption_policy::quarantine
                                                        : storage::corruption_policy::stop;
    });
    r.key("storage.max_size", [](load_state& s, const setting& v) {
        s.cfg.storage.max_size = as_size<std::uint64_t>(v, 0, std::uint64_t{1} << 60);
    });
    r.key("storage.max_backlog", [](load_state& s, const setting& v) {
        s.cfg.storage.max_backlog = as_size<std::uint64_t>(v, 1, std::uint64_t{1} << 40);
    });
}

}  // namespace emqd::app::detail
