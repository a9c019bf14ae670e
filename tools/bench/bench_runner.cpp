#include "bench_runner.h"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench_context.h"
#include "bench_report.h"
#include "process_stats.h"
#include "stamp.h"
#include "topic_plan.h"
#include "worker.h"

namespace emqd::bench {
namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<int> g_signals{0};

void on_signal(int) {
    g_signals.fetch_add(1);
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

/// The open-file limit raised to its hard maximum; returns the new soft limit.
rlim_t raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

std::string resolve(const std::string& host) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    for (const auto& e : resolver.resolve(host, ""))
        return e.endpoint().address().to_string();
    throw std::runtime_error("cannot resolve " + host);
}

struct totals {
    std::uint64_t sent = 0, sent_measured = 0, received = 0, received_measured = 0;
    std::uint64_t expected = 0, out_of_order = 0, gaps = 0;
    std::uint64_t connected = 0, established = 0, failed = 0, lost = 0, settled = 0;
    std::uint64_t publishers_done = 0, last_ready_ns = 0;
};

class runner {
public:
    explicit runner(const bench_options& o) : _o(o), _plan(o), _ctx(o, _plan) {}

    int run();

private:
    totals sum() const;
    /// Polls until `done` or the deadline or a new signal; prints the per-second lines.
    template <class Done>
    void wait(Done done, clock::time_point deadline);
    void print_line();
    void sample_broker();

    const bench_options& _o;
    topic_plan _plan;
    bench_context _ctx;
    std::vector<std::unique_ptr<worker>> _workers;
    std::uint32_t _total_conns = 0;
    int _signals_seen = 0;

    clock::time_point _t0;
    clock::time_point _next_line;
    totals _last_line;
    clock::time_point _last_line_at;
    cpu_meter _line_cpu{0};
    std::optional<cpu_meter> _line_broker_cpu;
    histogram _line_latency;
    std::optional<std::uint64_t> _broker_rss_peak;
};

totals runner::sum() const {
    totals t;
    for (const auto& w : _workers) {
        const worker_counters& c = w->counters;
        t.sent += c.sent.get();
        t.sent_measured += c.sent_measured.get();
        t.received += c.received.get();
        t.received_measured += c.received_measured.get();
        t.expected += c.expected.get();
        t.out_of_order += c.out_of_order.get();
        t.gaps += c.gaps.get();
        t.connected += c.connected.get();
        t.established += c.established.get();
        t.failed += c.failed.get();
        t.lost += c.lost.get();
        t.settled += c.settled.get();
        t.publishers_done += c.publishers_done.get();
        t.last_ready_ns = std::max(t.last_ready_ns, c.last_ready_ns.load());
    }
    return t;
}

void runner::sample_broker() {
    if (!_o.broker_pid)
        return;
    if (auto rss = rss_bytes(_o.broker_pid))
        _broker_rss_peak = std::max(_broker_rss_peak.value_or(0), *rss);
}

void runner::print_line() {
    const auto now = clock::now();
    const totals t = sum();
    const double dt = std::chrono::duration<double>(now - _last_line_at).count();
    interval_report r;
    r.t_s = std::chrono::duration<double>(now - _t0).count();
    r.sent_rate = (t.sent - _last_line.sent) / dt;
    r.recv_rate = (t.received - _last_line.received) / dt;
    _line_latency.reset();
    for (auto& w : _workers)
        w->take_interval(_line_latency);
    r.latency = &_line_latency;
    r.lost = t.gaps;
    r.out_of_order = t.out_of_order;
    r.connected = t.connected;
    r.conn_failed = t.failed;
    r.conn_rate = (t.established - _last_line.established) / dt;
    r.cpu = _line_cpu.sample();
    if (_line_broker_cpu) {
        r.broker_cpu = _line_broker_cpu->sample();
        r.broker_rss = rss_bytes(_o.broker_pid);
        sample_broker();
    }
    std::printf("%s\n", format_line(r).c_str());
    std::fflush(stdout);
    _last_line = t;
    _last_line_at = now;
}

template <class Done>
void runner::wait(Done done, clock::time_point deadline) {
    while (!done() && clock::now() < deadline) {
        if (g_signals.load() > _signals_seen) {
            _signals_seen = g_signals.load();
            return;
        }
        std::this_thread::sleep_for(std::min<clock::duration>(50ms, deadline - clock::now()));
        if (clock::now() >= _next_line) {
            print_line();
            _next_line += 1s;
        }
    }
}

int runner::run() {
    bench_result res;
    const rlim_t fds = raise_fd_limit();
    _ctx.server.host = resolve(_o.host);
    _ctx.server.port = _o.port;

    // Connections, subscribers first, spread round robin over the threads and the source
    // addresses.
    const std::uint32_t subs = _o.subscriber_count(), pubs = _o.publisher_count();
    const std::uint32_t conns = _o.mode == bench_mode::conn ? _o.count : 0;
    _total_conns = subs + pubs + conns;
    if (fds != 0 && _total_conns + 64 > fds) {
        std::fprintf(stderr, "warning: %u connections but only %llu file descriptors\n",
                     _total_conns, static_cast<unsigned long long>(fds));
    }
    for (std::uint32_t k = 0; k < _o.threads; ++k)
        _workers.push_back(std::make_unique<worker>(k, _ctx));
    std::uint32_t g = 0;
    const auto add = [&](bench_connection::role role, std::uint32_t index) {
        worker& w = *_workers[g % _o.threads];
        client::tcp_endpoint ep = _ctx.server;
        if (!_o.ifaddr.empty())
            ep.source = _o.ifaddr[g % _o.ifaddr.size()];
        w.add(std::make_unique<bench_connection>(w, _ctx, role, index, std::move(ep)));
        ++g;
    };
    for (std::uint32_t j = 0; j < subs; ++j)
        add(bench_connection::role::subscriber, j);
    for (std::uint32_t i = 0; i < pubs; ++i)
        add(bench_connection::role::publisher, i);
    for (std::uint32_t i = 0; i < conns; ++i)
        add(bench_connection::role::conn, i);

    if (_o.broker_pid) {
        res.broker_rss_start = rss_bytes(_o.broker_pid);
        _broker_rss_peak = res.broker_rss_start;
        _line_broker_cpu.emplace(_o.broker_pid);
    }
    _t0 = clock::now();
    _next_line = _t0 + 1s;
    _last_line_at = _t0;
    _line_cpu = cpu_meter(0);
    cpu_meter run_cpu(0);
    std::optional<cpu_meter> run_broker_cpu;
    if (_o.broker_pid)
        run_broker_cpu.emplace(_o.broker_pid);

    // connect
    for (auto& w : _workers)
        w->start();
    wait([&] { return sum().settled >= _total_conns; }, clock::time_point::max());
    totals t = sum();
    res.connections = t.established;
    res.conn_failed = t.failed + (_total_conns - t.settled);  // unsettled at a signal
    if (t.last_ready_ns > 0) {
        const double secs =
            (t.last_ready_ns -
             std::chrono::duration_cast<std::chrono::nanoseconds>(_t0.time_since_epoch()).count()) /
            1e9;
        res.conn_rate = secs > 0 ? t.established / secs : 0;
    }
    bool proceed = res.conn_failed == 0 && _signals_seen == 0;
    int status = 0;
    if (res.conn_failed > 0 && (_o.mode != bench_mode::conn || res.connections == 0))
        status = 1;

    clock::time_point measure_start = clock::now(), measure_end = measure_start;
    if (_o.mode == bench_mode::conn && res.connections > 0 && _signals_seen == 0) {
        // hold: the connect phase was the measurement; the hold shows they stay up
        const auto until = _o.duration_s > 0
                               ? clock::now() + std::chrono::duration_cast<clock::duration>(
                                                    std::chrono::duration<double>(_o.duration_s))
                               : clock::time_point::max();
        res.cpu_percent = run_cpu.sample();
        if (run_broker_cpu)
            res.broker_cpu_percent = run_broker_cpu->sample();
        wait([] { return false; }, until);
        measure_end = clock::now();
    } else if (proceed && _o.mode != bench_mode::conn) {
        // load
        const auto load_start = clock::now();
        measure_start = load_start + std::chrono::duration_cast<clock::duration>(
                                         std::chrono::duration<double>(_o.warmup_s));
        const auto measure_start_ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(measure_start.time_since_epoch())
                .count());
        for (auto& w : _workers)
            w->start_load(measure_start_ns);
        const auto load_end = _o.duration_s > 0
                                  ? load_start + std::chrono::duration_cast<clock::duration>(
                                                     std::chrono::duration<double>(_o.duration_s))
                                  : clock::time_point::max();
        const bool limited = _o.limit > 0 && pubs > 0;
        if (measure_start > load_start)
            wait([&] { return limited && sum().publishers_done >= pubs; }, measure_start);
        run_cpu.sample();
        if (run_broker_cpu)
            run_broker_cpu->sample();
        if (_signals_seen == 0)
            wait([&] { return limited && sum().publishers_done >= pubs; }, load_end);
        measure_end = clock::now();
        res.cpu_percent = run_cpu.sample();
        if (run_broker_cpu)
            res.broker_cpu_percent = run_broker_cpu->sample();
        const auto end_ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(measure_end.time_since_epoch())
                .count());
        for (auto& w : _workers)
            w->stop_load(end_ns);
        const auto all_stopped = [&] {
            for (auto& w : _workers) {
                if (!w->stopped())
                    return false;
            }
            return true;
        };
        while (!all_stopped())
            std::this_thread::sleep_for(1ms);
        // drain
        if (subs > 0 && pubs > 0 && _signals_seen < 2) {
            const auto before = _signals_seen;
            wait(
                [&] {
                    const totals d = sum();
                    return d.received >= d.expected;
                },
                clock::now() + std::chrono::milliseconds(_o.drain_ms));
            (void)before;
        }
    }
    t = sum();
    res.duration_s = std::chrono::duration<double>(measure_end - measure_start).count();
    res.sent = t.sent;
    res.received = t.received;
    res.expected = t.expected;
    res.lost = t.expected > t.received ? t.expected - t.received : 0;
    res.out_of_order = t.out_of_order;
    res.conn_lost = t.lost;
    if (res.duration_s > 0 && _o.mode != bench_mode::conn) {
        res.send_rate = t.sent_measured / res.duration_s;
        res.recv_rate = t.received_measured / res.duration_s;
    }
    if (_o.broker_pid) {
        res.broker_rss_end = rss_bytes(_o.broker_pid);
        sample_broker();
        res.broker_rss_peak = _broker_rss_peak;
    }
    if (!res.cpu_percent)
        res.cpu_percent = run_cpu.sample();

    // finish
    for (auto& w : _workers)
        w->finish();
    for (auto& w : _workers)
        w->join();
    for (auto& w : _workers) {
        res.latency.merge(w->total());
        if (res.first_error.empty())
            res.first_error = w->first_error();
    }
    std::printf("%s", format_summary(_o, res).c_str());
    std::fflush(stdout);
    if (!_o.json_path.empty()) {
        std::ofstream out(_o.json_path);
        out << format_json(_o, res);
        if (!out)
            std::fprintf(stderr, "emqd-bench: cannot write %s\n", _o.json_path.c_str());
    }
    _workers.clear();
    return status;
}

}  // namespace

int run_bench(const bench_options& o) {
    install_signal_handlers();
    return runner(o).run();
}

}  // namespace emqd::bench
