#include "bench_options.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

namespace emqd::bench {

std::uint32_t bench_options::publisher_count() const {
    switch (mode) {
        case bench_mode::pub:
            return count;
        case bench_mode::run:
            return pubs;
        default:
            return 0;
    }
}

std::uint32_t bench_options::subscriber_count() const {
    switch (mode) {
        case bench_mode::sub:
            return count;
        case bench_mode::run:
            return subs;
        default:
            return 0;
    }
}

double bench_options::paced_rate() const {
    if (rate > 0)
        return rate;
    if (publish_interval_ms > 0)
        return publisher_count() * 1000.0 / publish_interval_ms;
    return 0;
}

const char* mode_name(bench_mode m) {
    switch (m) {
        case bench_mode::conn:
            return "conn";
        case bench_mode::pub:
            return "pub";
        case bench_mode::sub:
            return "sub";
        case bench_mode::run:
            return "run";
    }
    return "?";
}

namespace {

void add_common(CLI::App& app, bench_options& o) {
    app.add_option("-h,--host", o.host, "broker host (default 127.0.0.1)");
    app.add_option("-p,--port", o.port, "broker port (default 1883)");
    app.add_option("-i,--interval", o.connect_interval_ms,
                   "ms between CONNECTs (default 0: as fast as --conn-parallel allows)");
    app.add_option("--conn-parallel", o.conn_parallel,
                   "CONNECTs awaiting CONNACK at once (default 500)")
        ->check(CLI::Range(1u, 1000000u));
    app.add_option("-V,--protocol-version", o.version, "MQTT protocol level 3|4|5 (default 4)")
        ->check(CLI::IsMember({3, 4, 5}));
    app.add_option("-k,--keepalive", o.keepalive, "keep alive seconds (default 300)");
    app.add_option("-C,--clean", o.clean,
                   "clean start, 3.x clean session (default true; false: persistent sessions)");
    app.add_option("-x,--session-expiry", o.session_expiry,
                   "v5 Session Expiry Interval in seconds (default 0)");
    app.add_option("--ifaddr", o.ifaddr, "source addresses, round robin over connections")
        ->delimiter(',');
    app.add_option("-u,--username", o.username, "user name");
    app.add_option("-P,--password", o.password, "password");
    app.add_option("--prefix", o.prefix, "client id prefix (default bench-<pid>-)");
    app.add_option("--threads", o.threads, "event-loop threads (default 2)")
        ->check(CLI::Range(1u, 256u));
    app.add_option("--duration", o.duration_s,
                   "seconds of load (conn: hold time); 0 = until -L or a signal")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--json", o.json_path, "write the final report as one JSON object");
    app.add_option("--broker-pid", o.broker_pid, "sample this process's CPU and RSS");
}

void add_load(CLI::App& app, bench_options& o, bool publishes) {
    app.add_option("-t,--topic", o.topic, "topic template: %i client index, %c client id")
        ->required();
    app.add_option("-q,--qos", o.qos, "QoS 0|1|2 (default 0)")->check(CLI::Range(0, 2));
    app.add_option("--warmup", o.warmup_s, "seconds excluded from latency and rates")
        ->check(CLI::NonNegativeNumber);
    if (!publishes)
        return;
    app.add_option("-s,--size", o.payload, "payload bytes, at least 24 (default 64)")
        ->check(CLI::Range(24u, 256u * 1024 * 1024));
    app.add_option("-I,--publish-interval", o.publish_interval_ms,
                   "ms between publishes per publisher (0: as fast as allowed)");
    app.add_option("-L,--limit", o.limit, "messages per publisher (0: unlimited)");
    app.add_option("--rate", o.rate, "total publish rate in msg/s, evenly paced")
        ->check(CLI::NonNegativeNumber);
}

}  // namespace

std::optional<bench_options> parse_command_line(int argc, char** argv, int& exit_code) {
    bench_options o;
    CLI::App app{"emqd-bench: MQTT load generator (connections, publishers, subscribers)",
                 "emqd-bench"};
    app.set_help_flag("--help", "print this help and exit");
    app.require_subcommand(1);

    auto* conn = app.add_subcommand("conn", "open -c connections and hold them");
    auto* pub = app.add_subcommand("pub", "-c publishers");
    auto* sub = app.add_subcommand("sub", "-c subscribers");
    auto* run = app.add_subcommand("run", "publishers and subscribers in this process");
    for (auto* s : {conn, pub, sub})
        s->add_option("-c,--count", o.count, "connections (default 1)")
            ->check(CLI::Range(1u, 10000000u));
    for (auto* s : {conn, pub, sub, run})
        add_common(*s, o);
    add_load(*pub, o, true);
    add_load(*sub, o, false);
    add_load(*run, o, true);
    run->add_option("--pubs", o.pubs, "publisher connections (default 1)");
    run->add_option("--subs", o.subs, "subscriber connections (default 1)");
    run->add_option("--sub-topic", o.sub_topic, "subscribers' filter template (default: -t)");
    run->add_option("--window", o.window,
                    "closed loop: messages in flight end to end per publisher (0: none)");
    run->add_option("--topics", o.topics, "seed shape: publish to <-t>/<k>, k < N random");
    run->add_option("--subs-per-conn", o.subs_per_conn,
                    "seed shape: topics per subscriber (default 1)")
        ->check(CLI::Range(1u, 100000u));
    run->add_option("--drain-ms", o.drain_ms, "wait for stragglers after publishing (2000)");

    try {
        app.parse(argc, argv);
        if (conn->parsed())
            o.mode = bench_mode::conn;
        else if (pub->parsed())
            o.mode = bench_mode::pub;
        else if (sub->parsed())
            o.mode = bench_mode::sub;
        else
            o.mode = bench_mode::run;
        if (o.rate > 0 && o.publish_interval_ms > 0)
            throw CLI::ValidationError("--rate and -I", "give one of them, not both");
        if (o.mode == bench_mode::run && o.pubs + o.subs == 0)
            throw CLI::ValidationError("--pubs/--subs", "nothing to run");
        if (o.topics > 0 && o.subs_per_conn > o.topics)
            throw CLI::ValidationError("--subs-per-conn", "must not exceed --topics");
        if (o.window > 0 && (o.subs == 0 || o.pubs == 0))
            throw CLI::ValidationError("--window", "needs publishers and subscribers");
    } catch (const CLI::ParseError& e) {
        exit_code = app.exit(e);
        if (exit_code != 0)
            exit_code = 2;
        return std::nullopt;
    }
    if (o.prefix.empty())
        o.prefix = "bench-" + std::to_string(::getpid()) + "-";
    if (o.sub_topic.empty())
        o.sub_topic = o.topic;
    exit_code = 0;
    return o;
}

}  // namespace emqd::bench
