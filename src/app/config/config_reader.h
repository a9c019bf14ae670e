#pragma once
// The three sources of settings turned into one list of (key, value, origin) entries; no
// key is interpreted here. Origins are what error messages start with: "etc/emqd.conf:12",
// "--set:2", "EMQD_ZONE__EXTERNAL__MAX_INFLIGHT".

#include <string>
#include <string_view>
#include <vector>

#include "app/config/config.h"

namespace emqd::app::detail {

struct config_entry {
    std::string key;     // "zone.external.max_inflight"
    std::string value;   // trimmed, quotes removed
    std::string origin;  // where it came from, for error messages
};

/// Parses emqx.conf-style text: `key = value` lines, `#`/`##` comments (whole-line, or after
/// whitespace), blank lines. A value may be "double-quoted" to keep a `#` or spaces.
/// `source_name` prefixes origins ("FILE" -> "FILE:LINE"). Throws config_error on a line that
/// is not `key = value`.
std::vector<config_entry> read_config_text(std::string_view text, const std::string& source_name);

/// Reads and parses the file at `path`. Throws config_error if it cannot be read.
std::vector<config_entry> read_config_file(const std::string& path);

/// `--set key=value` arguments; origins "--set:1", "--set:2"... Throws config_error when an
/// argument has no '=' or no key.
std::vector<config_entry> read_overrides(const overrides& sets);

/// EMQD_* variables whose name contains "__": the rest of the name, lower-cased, with "__"
/// turned into '.', is the key (EMQD_LISTENER__TCP__EXTERNAL -> listener.tcp.external).
/// Other variables (EMQD_BIN, EMQD_HOME) are not keys and are skipped. `envp` may be null.
std::vector<config_entry> read_environment(char** envp);

}  // namespace emqd::app::detail
