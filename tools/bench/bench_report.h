#pragma once
// What one emqd-bench run measured, and its three renderings: the line printed once a
// second, the summary at the end, and the --json object (the contract with bench/run).

#include <cstdint>
#include <optional>
#include <string>

#include "bench_options.h"
#include "histogram.h"

namespace emqd::bench {

/// One second's line (all rates over that interval).
struct interval_report {
    double t_s = 0;
    double sent_rate = 0, recv_rate = 0;
    const histogram* latency = nullptr;  // ns
    std::uint64_t lost = 0, out_of_order = 0;
    std::uint64_t connected = 0, conn_failed = 0;
    double conn_rate = 0;
    std::optional<double> cpu, broker_cpu;
    std::optional<std::uint64_t> broker_rss;
};
std::string format_line(const interval_report& r);

struct bench_result {
    std::uint64_t connections = 0, conn_failed = 0, conn_lost = 0;
    double conn_rate = 0;
    double duration_s = 0;  // the measured period
    std::uint64_t sent = 0, received = 0, expected = 0, lost = 0, out_of_order = 0;
    double send_rate = 0, recv_rate = 0;
    histogram latency;  // ns, measured messages only
    std::optional<double> cpu_percent;
    std::optional<double> broker_cpu_percent;
    std::optional<std::uint64_t> broker_rss_start, broker_rss_peak, broker_rss_end;
    std::string first_error;
};

std::string format_summary(const bench_options& o, const bench_result& r);
std::string format_json(const bench_options& o, const bench_result& r);

}  // namespace emqd::bench
