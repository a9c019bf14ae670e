// Overload protection on the shards (overload_monitor.h decides; this file measures and
// acts).
//
// Measuring. Each shard records its loop lag, the worst since the last sample: how late its
// 1-second tick fires, and how long a cross-shard batch waited in its inbox before the loop
// drained it. Both grow when the loop has more work than it can do in time. Once a second
// shard 0 takes every shard's lag (an atomic exchange), reads the process RSS and feeds the
// monitor.
//
// Acting. On a transition shard 0 posts set_overloaded to every shard. While overloaded a
// shard stops accepting (new connections wait in the kernel's backlog, no CONNACK) and stops
// reading its publishers (connections that handled a PUBLISH in the last seconds park:
// connection::on_readable, shard::publishers_wait; they wait in their TCP windows). Everyone else
// is still read and writing goes on, so subscribers' acknowledgements free their inflight windows,
// session queues and buffered output drain, and memory goes down. Leaving resumes both.
//
// THREADING: note_lag and set_overloaded run on their shard; sample_overload on shard 0.

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker_context.h"
#include "broker/connection.h"
#include "broker/process_memory.h"
#include "broker/shard.h"

namespace emqd::broker {

namespace asio = boost::asio;

void shard::note_lag(clock::duration lag) {
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(lag).count();
    std::int64_t seen = _lag_ns.load(std::memory_order_relaxed);
    while (ns > seen && !_lag_ns.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
    }
}

void shard::sample_overload(clock::time_point now) {
    if (!_ctx.config.overload.enable)
        return;
    clock::duration lag{};
    for (auto& s : _ctx.shards)
        lag = std::max<clock::duration>(
            lag, std::chrono::nanoseconds(s->_lag_ns.exchange(0, std::memory_order_relaxed)));
    overload_monitor& mon = _ctx.overload;
    const auto change = mon.update({now, resident_memory(), lag});
    if (change == overload_monitor::change::none)
        return;
    const bool on = change == overload_monitor::change::entered;
    if (on)
        spdlog::warn(
            "overload: {}; not accepting connections nor reading publishers until it "
            "passes",
            mon.reason());
    else
        spdlog::info("overload over ({}): accepting and reading again", mon.reason());
    for (auto& s : _ctx.shards)
        asio::post(s->io(), [sh = s.get(), on] { sh->set_overloaded(on); });
}

void shard::set_overloaded(bool on) {
    if (_stopping || _overloaded == on)
        return;
    _overloaded = on;
    if (_ctx.config.overload.backoff_new_conn)
        pause_listeners(on);
    if (!on)
        resume_parked();  // entering: publishers park themselves at their next read
}

}  // namespace emqd::broker
