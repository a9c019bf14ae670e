#include "bench_connection.h"

#include <charconv>
#include <cmath>

#include "stamp.h"
#include "worker.h"

namespace emqd::bench {
namespace {

/// Output queued and not yet handed to the socket, at most: past it a publisher waits for
/// on_writable() (the socket takes what it can; nothing piles up in the tool).
constexpr std::size_t k_output_limit = 64 * 1024;
/// Messages one pump() queues before letting other connections of the thread run.
constexpr int k_burst = 512;

client::client_options options_for(const bench_context& ctx, std::string id) {
    const bench_options& o = ctx.opts;
    client::client_options c;
    c.version = static_cast<codec::protocol_version>(o.version);
    c.client_id = std::move(id);
    c.keep_alive = o.keepalive;
    c.clean_start = o.clean;
    if (o.session_expiry != 0)
        c.session_expiry_interval = o.session_expiry;
    c.username = o.username;
    c.password = o.password;
    c.max_inflight = 65535;  // the closed loop's window or the server's Receive Maximum rule
    c.max_packet_size = 256 * 1024 * 1024;
    return c;
}

}  // namespace

bench_connection::bench_connection(worker& w, bench_context& ctx, role r, std::uint32_t index,
                                   client::tcp_endpoint ep)
    : _w(w), _ctx(ctx), _ep(std::move(ep)), _index(index), _role(r) {
    if (_role != role::publisher)
        return;
    const topic_plan& plan = ctx.plan;
    _topic = plan.publisher_topic(index);
    _fanout = plan.seeded() ? 0 : plan.publisher_fanout(index);
    if (ctx.opts.window > 0) {
        const double f = plan.mean_fanout(index);
        if (f > 0)
            _window_copies = static_cast<std::uint64_t>(ctx.opts.window) *
                             std::max<std::uint64_t>(1, std::llround(f));
    }
    _slot = &ctx.slots[index];
    _slot->owner = &w;
    _slot->conn = this;
}

void bench_connection::connect(std::chrono::steady_clock::time_point now) {
    const topic_plan& plan = _ctx.plan;
    std::string id = _role == role::publisher    ? plan.publisher_id(_index)
                     : _role == role::subscriber ? plan.subscriber_id(_index)
                                                 : plan.connection_id(_index);
    _tcp = std::make_unique<client::tcp_client>(_w.io(), options_for(_ctx, std::move(id)), *this);
    _phase = phase::connecting;
    _started = now;
    _tcp->connect(_ep);
}

void bench_connection::tick(std::chrono::steady_clock::time_point now) {
    if (_phase == phase::ready)
        proto().on_tick(now);
}

void bench_connection::abandon(const char* why) {
    if (_phase != phase::connecting && _phase != phase::subscribing)
        return;
    settle(false, why);
    _phase = phase::closed;
    _tcp.reset();  // closes the socket; no callbacks
    _w.connection_closed();
}

void bench_connection::disconnect() {
    if (_phase == phase::connecting || _phase == phase::subscribing || _phase == phase::ready)
        proto().disconnect();  // on_closed follows
}

void bench_connection::settle(bool ok, const char* why) {
    _w.settled(ok, why, _tcp ? _tcp->last_error() : std::error_code{});
}

void bench_connection::on_connack(const codec::connack_packet& p) {
    if (p.reason != core::reason_code::success)
        return;  // on_closed reports it
    if (_role != role::subscriber) {
        _phase = phase::ready;
        settle(true, "");
        if (_role == role::publisher && _w.publishing() && !_w.paced())
            pump();
        return;
    }
    _phase = phase::subscribing;
    std::vector<codec::subscription_request> reqs;
    for (auto& f : _ctx.plan.subscriber_filters(_index))
        reqs.push_back({std::move(f), static_cast<std::uint8_t>(_ctx.opts.qos)});
    (void)proto().subscribe(reqs);
}

void bench_connection::on_suback(const codec::suback_packet& p) {
    for (core::reason_code r : p.reasons) {
        if (core::is_error(r)) {
            settle(false, "SUBACK refused a filter");
            _phase = phase::closed;  // before disconnect(): not counted twice
            proto().disconnect();
            return;
        }
    }
    _phase = phase::ready;
    settle(true, "");
}

void bench_connection::on_message(const codec::publish_packet& p) {
    const std::uint64_t now = now_ns();
    worker_counters& c = _w.counters;
    c.received.add();
    if (_w.measuring(now))
        c.received_measured.add();
    const auto st = stamp::read(p.payload);
    if (!st)
        return;
    if (_w.measure_start_ns() != 0 && st->sent_ns >= _w.measure_start_ns() && now >= st->sent_ns)
        _w.record_latency(now - st->sent_ns);
    const auto seen = _seen.observe(st->publisher, st->seq);
    if (seen.out_of_order)
        c.out_of_order.add();
    else if (seen.skipped > 0 && !_ctx.plan.seeded())
        c.gaps.add(seen.skipped);
    _w.credit(st->publisher);
}

void bench_connection::on_publish_done(std::uint16_t, core::reason_code) {
    if (_ctx.opts.qos > 0 && !_w.paced())
        pump();  // the QoS window may have been what held it
}

void bench_connection::on_writable() {
    if (_role == role::publisher && !_w.paced())
        pump();
}

void bench_connection::on_closed(const core::error& why) {
    const phase was = _phase;
    _phase = phase::closed;
    if (was == phase::connecting || was == phase::subscribing) {
        settle(false, why.what);
    } else if (was == phase::ready) {
        _w.counters.connected.sub();
        if (!_w.finishing())
            _w.counters.lost.add();
    }
    _w.connection_closed();
}

bool bench_connection::can_send() {
    if (_role != role::publisher || _phase != phase::ready || _done || !_w.publishing())
        return false;
    client::client& c = proto();
    if (c.pending_output() >= k_output_limit)
        return false;
    if (_ctx.opts.qos > 0 && c.window_full())
        return false;
    return window_open();
}

bool bench_connection::window_open() {
    if (_window_copies == 0)
        return true;
    if (_sent_copies - _slot->delivered.load(std::memory_order_relaxed) < _window_copies)
        return true;
    // Full: ask for a wake-up, then look again (a credit may have landed in between; the
    // seq_cst pair with worker::flush_credit guarantees one side sees the other).
    _slot->blocked.store(true);
    if (_sent_copies - _slot->delivered.load() < _window_copies) {
        _slot->blocked.store(false, std::memory_order_relaxed);
        return true;
    }
    return false;
}

bool bench_connection::send_one() {
    const bench_options& o = _ctx.opts;
    const std::uint64_t now = now_ns();
    std::string& payload = _w.payload();
    stamp{now, _index, _seq}.write(payload.data());
    std::string_view topic = _topic;
    std::uint32_t copies = _fanout;
    if (_ctx.plan.seeded()) {
        const std::uint32_t k = _w.random_topic();
        std::string& t = _w.topic_buffer();
        t.assign(_topic);
        t.push_back('/');
        char digits[16];
        const auto r = std::to_chars(digits, digits + sizeof digits, k);
        t.append(digits, r.ptr);
        topic = t;
        copies = _ctx.plan.topic_fanout(k);
    }
    if (!proto().publish(topic, payload, static_cast<std::uint8_t>(o.qos)))
        return false;
    ++_seq;
    _sent_copies += copies;
    worker_counters& c = _w.counters;
    c.sent.add();
    c.expected.add(copies);
    if (_w.measuring(now))
        c.sent_measured.add();
    if (o.limit > 0 && _seq >= o.limit) {
        _done = true;
        c.publishers_done.add();
    }
    return true;
}

void bench_connection::pump() {
    for (int n = 0; n < k_burst && can_send(); ++n) {
        if (!send_one())
            return;
    }
}

}  // namespace emqd::bench
