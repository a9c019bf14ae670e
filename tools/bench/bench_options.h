#pragma once
// The emqd-bench command line (the contract with bench/run; flags follow emqtt_bench where
// they fit: -h is the host, help is --help only).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emqd::bench {

enum class bench_mode { conn, pub, sub, run };

struct bench_options {
    bench_mode mode = bench_mode::run;
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    std::uint32_t count = 1;                // -c: conn, pub, sub
    std::uint32_t connect_interval_ms = 0;  // -i
    std::uint32_t conn_parallel = 500;      // CONNECTs awaiting CONNACK at once
    std::string topic;                      // -t: template, %i index, %c client id
    int qos = 0;
    std::uint32_t payload = 64;             // -s, at least the stamp
    std::uint32_t publish_interval_ms = 0;  // -I: per publisher; 0 = as fast as allowed
    std::uint64_t limit = 0;                // -L: messages per publisher, 0 = unlimited
    int version = 4;                        // -V 3|4|5
    std::uint16_t keepalive = 300;          // -k seconds
    bool clean = true;                      // -C: clean start (3.x: clean session)
    std::uint32_t session_expiry = 0;       // -x: v5 Session Expiry Interval, seconds
    std::vector<std::string> ifaddr;        // source addresses, round robin
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string prefix;  // client id prefix; default "bench-<pid>-"
    std::uint32_t threads = 2;
    double duration_s = 0;  // 0: until -L or a signal
    std::string json_path;
    std::uint32_t broker_pid = 0;
    // run mode
    std::uint32_t pubs = 1;
    std::uint32_t subs = 1;
    std::string sub_topic;  // default: topic
    std::uint32_t window = 0;
    double rate = 0;                  // total msg/s over all publishers; 0 = not paced
    std::uint32_t topics = 0;         // seed shape: N topics "<topic>/<k>"
    std::uint32_t subs_per_conn = 1;  // seed shape: S subscriptions per subscriber
    double warmup_s = 0;
    std::uint32_t drain_ms = 2000;

    /// Publishers and subscribers this process runs (by mode).
    std::uint32_t publisher_count() const;
    std::uint32_t subscriber_count() const;
    /// Total publish rate in msg/s from --rate or -I (0: not paced).
    double paced_rate() const;
};

/// Parses the command line. On success returns the options; on --help prints help and
/// returns nullopt with `exit_code` 0; on a usage error prints the message to stderr and
/// returns nullopt with `exit_code` 2.
std::optional<bench_options> parse_command_line(int argc, char** argv, int& exit_code);

const char* mode_name(bench_mode m);

}  // namespace emqd::bench
