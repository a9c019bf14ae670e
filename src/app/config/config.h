#pragma once
// The broker's configuration: EMQ X 4.x style `key = value` lines (etc/emqd.conf), then
// `--set key=value` overrides, then EMQD_<KEY> environment variables (dots become double
// underscores: EMQD_LISTENER__TCP__EXTERNAL). Later sources win.
//
// Startup-only code: errors throw config_error naming the file, line, key and the problem;
// main() prints it and exits non-zero.
//
// Keys, their values and defaults are documented in etc/emqd.conf. Implementation: sources are
// read into entries by config_reader.cpp, values parsed by config_values.cpp, and keys applied
// by one file per section (config_node/listener/mqtt/zone/overload/access.cpp) through
// config_registry.h.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "auth/access_config.h"
#include "broker/overload_settings.h"
#include "channel/channel_config.h"
#include "router/shared_strategy.h"
#include "storage/store_options.h"
#include "transport/access_list.h"
#include "transport/token_bucket.h"

namespace emqd::app {

struct listener_config {
    std::string name;        // "external" for listener.tcp.external
    std::string address;     // IPv4/IPv6 literal; "0.0.0.0" when only a port was given
    std::uint16_t port = 0;  // 0 picks a free port (tests)
    std::size_t max_connections = 1024000;
    std::uint64_t max_conn_rate = 0;               // accepts per second; 0 = unlimited
    std::vector<transport::access_rule> access{};  // access.N in numeric order of N

    bool operator==(const listener_config&) const = default;
};

struct config {
    std::string node_name = "emqd@127.0.0.1";
    std::string data_dir = "data/";
    unsigned shards = 0;  // broker.shards; 0 = one per core
    /// broker.shared_subscription_strategy
    router::shared_strategy shared_subscription_strategy = router::shared_strategy::random;
    std::uint64_t max_mqueue_bytes_total = 1024 * 1024 * 1024;  // broker.max_mqueue_bytes_total
    std::string log_level = "warning";
    std::vector<listener_config> tcp_listeners;           // default: external on 0.0.0.0:1883
    channel::channel_config zone;                         // mqtt.* and zone.external.*
    std::size_t max_delayed_messages = 100000;            // mqtt.delayed.max_delayed_messages
    std::uint64_t max_delayed_bytes = 256 * 1024 * 1024;  // mqtt.delayed.max_delayed_bytes
    transport::rate_limit conn_bytes_in;                  // zone.external.rate_limit.conn_bytes_in
    transport::rate_limit conn_messages_in;  // zone.external.rate_limit.conn_messages_in
    broker::overload_settings overload;      // overload_protection.*
    auth::access_config access;              // banned.N, flapping_detect_policy
    storage::store_options storage;          // storage.*; dir: <data_dir>/rocksdb (main)
};

class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// `key=value` pairs from the command line, in order.
using overrides = std::vector<std::string>;

/// Loads `path` (empty: built-in defaults only), then applies `sets` (--set key=value), then
/// the EMQD_* variables of `envp` (null-terminated, as main's third argument or `environ`;
/// may be null). Later entries override earlier ones. Only variables named EMQD_...__... are
/// keys; others (EMQD_BIN) are ignored.
///
/// Throws config_error, whose what() is `ORIGIN: KEY: problem`, ORIGIN being `FILE:LINE`,
/// `--set:N` or the variable name: unreadable file, syntax error, unknown key (with a
/// suggestion), invalid or out-of-range value, duplicate listener address.
///
/// Reads the file and envp; not thread-safe against concurrent setenv. Call once at startup.
config load_config(const std::string& path, const overrides& sets, char** envp);

}  // namespace emqd::app
