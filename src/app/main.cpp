// emqd: the MQTT broker program. Loads the configuration, starts the broker, and waits for
// SIGINT/SIGTERM to stop it gracefully.

#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <thread>

#include "app/config/config.h"
#include "broker/broker.h"

extern char** environ;

namespace {

emqd::broker::broker_config to_broker_config(const emqd::app::config& cfg) {
    emqd::broker::broker_config b;
    b.shards = cfg.shards ? cfg.shards : std::max(1u, std::thread::hardware_concurrency());
    b.zone = cfg.zone;
    b.max_delayed_messages = cfg.max_delayed_messages;
    b.max_delayed_bytes = cfg.max_delayed_bytes;
    b.conn_bytes_in = cfg.conn_bytes_in;
    b.conn_messages_in = cfg.conn_messages_in;
    b.overload = cfg.overload;
    b.shared_strategy = cfg.shared_subscription_strategy;
    b.access = cfg.access;
    b.max_mqueue_bytes_total = cfg.max_mqueue_bytes_total;
    b.storage = cfg.storage;
    b.storage->dir = std::filesystem::path(cfg.data_dir) / "rocksdb";
    for (const auto& l : cfg.tcp_listeners)
        b.listeners.push_back(
            {l.name, l.address, l.port, l.max_connections, l.max_conn_rate, l.access});
    return b;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App cli{"emqd: an MQTT message broker (MQTT 3.1, 3.1.1, 5.0)"};
    std::string config_path;
    std::vector<std::string> sets;
    cli.add_option("-c,--config", config_path, "configuration file (etc/emqd.conf)");
    cli.add_option("--set", sets, "override a configuration key: --set key=value (repeatable)")
        ->take_all();
    cli.set_version_flag("--version", "emqd 0.1.0");
    CLI11_PARSE(cli, argc, argv);

    emqd::app::config cfg;
    try {
        cfg = emqd::app::load_config(config_path, sets, environ);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emqd: configuration error: %s\n", e.what());
        return 2;
    }
    spdlog::set_level(cfg.log_level == "notice" ? spdlog::level::info
                                                : spdlog::level::from_str(cfg.log_level));

    // Block the stop signals in every thread (the shards inherit the mask); this thread
    // waits for them synchronously below.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        emqd::broker::broker b(to_broker_config(cfg));
        b.start();
        int sig = 0;
        sigwait(&stop_signals, &sig);
        spdlog::info("signal {}: stopping", sig);
        b.stop();
    } catch (const std::exception& e) {
        spdlog::critical("emqd: {}", e.what());
        return 1;
    }
    return 0;
}
