// load_config: defaults, then the file, then --set, then EMQD_* variables, each entry applied
// through the key registry in that order (later wins). Everything here runs once at startup
// on the main thread.

#include "app/config/config.h"

#include "app/config/config_reader.h"
#include "app/config/config_registry.h"

namespace emqd::app {

namespace {

void apply(detail::load_state& state, const detail::config_entry& e) {
    const detail::key_registry& r = detail::registry();
    detail::setting s{e.key, e.value, e.origin, {}};
    const detail::key_registry::setter* set = r.find(e.key, s.wildcards);
    if (set == nullptr) {
        std::string msg = e.origin + ": " + e.key + ": unknown key";
        if (std::string near = r.suggest(e.key); !near.empty()) {
            msg += " (did you mean " + near + "?)";
        }
        throw config_error(msg);
    }
    try {
        (*set)(state, s);
    } catch (const detail::value_error& err) {
        throw config_error(e.origin + ": " + e.key + ": " + err.what());
    }
}

}  // namespace

config load_config(const std::string& path, const overrides& sets, char** envp) {
    const detail::key_registry& r = detail::registry();
    detail::load_state state;
    r.start(state);

    // Each source is read, then applied; the first problem in source order stops loading,
    // which is what a user fixing errors one at a time expects.
    if (!path.empty()) {
        for (const auto& e : detail::read_config_file(path)) {
            apply(state, e);
        }
    }
    for (const auto& e : detail::read_overrides(sets)) {
        apply(state, e);
    }
    for (const auto& e : detail::read_environment(envp)) {
        apply(state, e);
    }

    r.finish(state);
    return std::move(state.cfg);
}

}  // namespace emqd::app
