#include "bench_report.h"

#include <fmt/format.h>

namespace emqd::bench {
namespace {

std::string ms(std::uint64_t ns) {
    const double v = ns / 1e6;
    return v < 10 ? fmt::format("{:.2f}ms", v) : fmt::format("{:.1f}ms", v);
}

std::string opt_pct(const std::optional<double>& v) {
    return v ? fmt::format("{:.0f}%", *v) : "-";
}

std::string json_num(const std::optional<double>& v) {
    return v ? fmt::format("{:.1f}", *v) : "null";
}

std::string json_num(const std::optional<std::uint64_t>& v) {
    return v ? std::to_string(*v) : "null";
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\', out += c;
        else if (static_cast<unsigned char>(c) < 0x20)
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
            out += c;
    }
    return out + "\"";
}

}  // namespace

std::string format_line(const interval_report& r) {
    std::string line =
        fmt::format("t={:.0f}s sent={:.0f}/s recv={:.0f}/s", r.t_s, r.sent_rate, r.recv_rate);
    if (r.latency && r.latency->count() > 0) {
        line += fmt::format(" p50={} p99={} p999={}", ms(r.latency->quantile(0.5)),
                            ms(r.latency->quantile(0.99)), ms(r.latency->quantile(0.999)));
    } else {
        line += " p50=- p99=- p999=-";
    }
    line += fmt::format(" lost={} ooo={} conn={} connfail={} conn_rate={:.0f}/s cpu={}", r.lost,
                        r.out_of_order, r.connected, r.conn_failed, r.conn_rate, opt_pct(r.cpu));
    if (r.broker_rss || r.broker_cpu) {
        line += fmt::format(" broker_cpu={} broker_rss={}", opt_pct(r.broker_cpu),
                            r.broker_rss ? fmt::format("{:.1f}MB", *r.broker_rss / 1e6) : "-");
    }
    return line;
}

std::string format_summary(const bench_options& o, const bench_result& r) {
    std::string s =
        fmt::format("== emqd-bench {}: {} connections ({} failed, {} lost), {:.0f} conn/s\n",
                    mode_name(o.mode), r.connections, r.conn_failed, r.conn_lost, r.conn_rate);
    if (!r.first_error.empty())
        s += fmt::format("   first connection failure: {}\n", r.first_error);
    if (o.mode != bench_mode::conn) {
        s += fmt::format(
            "   {:.1f} s measured: sent {} ({:.0f}/s), received {} ({:.0f}/s), expected {}, "
            "lost {}, out of order {}\n",
            r.duration_s, r.sent, r.send_rate, r.received, r.recv_rate, r.expected, r.lost,
            r.out_of_order);
        if (r.latency.count() > 0) {
            s += fmt::format("   latency p50 {} p99 {} p999 {} max {} ({} samples)\n",
                             ms(r.latency.quantile(0.5)), ms(r.latency.quantile(0.99)),
                             ms(r.latency.quantile(0.999)), ms(r.latency.max()), r.latency.count());
        }
    }
    s += fmt::format("   cpu {}", opt_pct(r.cpu_percent));
    if (o.broker_pid) {
        s += fmt::format(" broker cpu {} rss start {} peak {} end {}",
                         opt_pct(r.broker_cpu_percent), json_num(r.broker_rss_start),
                         json_num(r.broker_rss_peak), json_num(r.broker_rss_end));
    }
    return s + "\n";
}

std::string format_json(const bench_options& o, const bench_result& r) {
    const auto us = [&](double q) { return fmt::format("{:.1f}", r.latency.quantile(q) / 1e3); };
    return fmt::format(
        "{{\"mode\":\"{}\",\"version\":{},\"qos\":{},\"payload\":{},\"pubs\":{},\"subs\":{},"
        "\"threads\":{},\"window\":{},\"rate\":{},"
        "\"connections\":{},\"conn_failed\":{},\"conn_lost\":{},\"conn_rate\":{:.1f},"
        "\"duration_s\":{:.3f},\"sent\":{},\"received\":{},\"expected\":{},\"lost\":{},"
        "\"out_of_order\":{},\"send_rate\":{:.1f},\"recv_rate\":{:.1f},"
        "\"latency_us\":{{\"p50\":{},\"p99\":{},\"p999\":{},\"max\":{:.1f},\"samples\":{}}},"
        "\"cpu_percent\":{},"
        "\"broker\":{{\"pid\":{},\"cpu_percent\":{},\"rss_start_bytes\":{},"
        "\"rss_peak_bytes\":{},\"rss_end_bytes\":{}}},\"first_error\":{}}}\n",
        mode_name(o.mode), o.version, o.qos, o.payload, o.publisher_count(), o.subscriber_count(),
        o.threads, o.window, o.paced_rate(), r.connections, r.conn_failed, r.conn_lost, r.conn_rate,
        r.duration_s, r.sent, r.received, r.expected, r.lost, r.out_of_order, r.send_rate,
        r.recv_rate, us(0.5), us(0.99), us(0.999), r.latency.max() / 1e3, r.latency.count(),
        json_num(r.cpu_percent), o.broker_pid ? std::to_string(o.broker_pid) : "null",
        json_num(r.broker_cpu_percent), json_num(r.broker_rss_start), json_num(r.broker_rss_peak),
        json_num(r.broker_rss_end), r.first_error.empty() ? "null" : json_string(r.first_error));
}

}  // namespace emqd::bench
