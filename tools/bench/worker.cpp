#include "worker.h"

#include <boost/asio/post.hpp>
#include <cmath>

#include "stamp.h"

namespace emqd::bench {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr auto k_tick = 250ms;
constexpr auto k_pace = 1ms;
constexpr auto k_connack_timeout = 30s;
constexpr double k_forgiven_s = 0.1;  // pacing deficit older than this is dropped

}  // namespace

worker::worker(std::uint32_t index, bench_context& ctx)
    : _index(index),
      _ctx(ctx),
      _tick_timer(_io),
      _connect_timer(_io),
      _pace_timer(_io),
      _payload(ctx.opts.payload, 'x'),
      _rng(index + 1),
      _random_topic(0, ctx.opts.topics > 0 ? ctx.opts.topics - 1 : 0) {
    const auto& o = ctx.opts;
    _connect_limit = std::max<std::size_t>(1, o.conn_parallel / o.threads);
    if (o.window > 0)
        _credit.assign(o.publisher_count(), 0);
}

worker::~worker() {
    join();
    _conns.clear();  // before the io_context: their sockets belong to it
}

void worker::add(std::unique_ptr<bench_connection> c) {
    if (c->kind() == bench_connection::role::publisher)
        _publishers.push_back(c.get());
    _conns.push_back(std::move(c));
}

void worker::start() {
    _guard.emplace(_io.get_executor());
    const std::size_t pubs_here = _publishers.size();
    const std::uint32_t pubs = _ctx.opts.publisher_count();
    if (pubs > 0 && _ctx.opts.paced_rate() > 0)
        _rate = _ctx.opts.paced_rate() * static_cast<double>(pubs_here) / pubs;
    _thread = std::thread([this] {
        asio::post(_io, [this] {
            tick();
            const auto& o = _ctx.opts;
            if (o.connect_interval_ms == 0) {
                connect_more();
                return;
            }
            // One CONNECT every -i ms over the whole process: this thread's turn comes
            // every -i x threads ms, offset by its index.
            _connect_timer.expires_after(std::chrono::milliseconds(o.connect_interval_ms) * _index);
            _connect_timer.async_wait([this](boost::system::error_code ec) {
                if (!ec)
                    connect_step();
            });
        });
        _io.run();
        _finished = true;
    });
}

void worker::connect_more() {
    if (_ctx.opts.connect_interval_ms > 0)
        return;  // the -i timer starts them
    while (!_finishing && _connecting < _connect_limit && _next_connect < _conns.size()) {
        ++_connecting;
        ++_live;
        _conns[_next_connect++]->connect(clock::now());
    }
}

void worker::connect_step() {
    if (_finishing || _next_connect >= _conns.size())
        return;
    if (_connecting < _connect_limit) {
        ++_connecting;
        ++_live;
        _conns[_next_connect++]->connect(clock::now());
    }
    const auto& o = _ctx.opts;
    _connect_timer.expires_at(_connect_timer.expiry() +
                              std::chrono::milliseconds(o.connect_interval_ms) * o.threads);
    _connect_timer.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            connect_step();
    });
}

void worker::settled(bool ok, const char* why, std::error_code ec) {
    --_connecting;
    counters.settled.add();
    if (ok) {
        counters.connected.add();
        counters.established.add();
        counters.last_ready_ns.store(now_ns(), std::memory_order_relaxed);
    } else {
        counters.failed.add();
        std::lock_guard lock(_mutex);
        if (_first_error.empty()) {
            _first_error = why;
            if (ec)
                _first_error += ": " + ec.message();
        }
    }
    connect_more();
}

void worker::connection_closed() {
    if (_live > 0 && --_live == 0 && _finishing) {
        _tick_timer.cancel();
        _connect_timer.cancel();
        _pace_timer.cancel();
        _guard.reset();  // the loop ends when the last writes are done
    }
}

void worker::tick() {
    const auto now = clock::now();
    for (auto& c : _conns) {
        const auto s = c->state();
        if ((s == bench_connection::phase::connecting ||
             s == bench_connection::phase::subscribing) &&
            now - c->connect_started() > k_connack_timeout) {
            c->abandon(s == bench_connection::phase::connecting ? "no CONNACK within 30 s"
                                                                : "no SUBACK within 30 s");
        } else {
            c->tick(now);
        }
    }
    {
        std::lock_guard lock(_mutex);
        _handoff.merge(_interval);
    }
    _interval.reset();
    _tick_timer.expires_after(k_tick);
    _tick_timer.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            tick();
    });
}

void worker::take_interval(histogram& into) {
    std::lock_guard lock(_mutex);
    into.merge(_handoff);
    _handoff.reset();
}

std::string worker::first_error() const {
    std::lock_guard lock(_mutex);
    return _first_error;
}

void worker::start_load(std::uint64_t measure_start_ns) {
    asio::post(_io, [this, measure_start_ns] {
        _measure_start_ns = measure_start_ns;
        _publishing = true;
        if (_rate > 0) {
            _pace_start = clock::now();
            _pace_timer.expires_after(k_pace);
            _pace_timer.async_wait([this](boost::system::error_code ec) {
                if (!ec)
                    pace();
            });
            return;
        }
        for (auto* p : _publishers)
            p->pump();
    });
}

void worker::pace() {
    if (!_publishing || _publishers.empty())
        return;
    const double elapsed = std::chrono::duration<double>(clock::now() - _pace_start).count();
    const auto target = static_cast<std::uint64_t>(elapsed * _rate);
    const auto forgiven = static_cast<std::uint64_t>(_rate * k_forgiven_s) + 1;
    if (target > _paced + forgiven)
        _paced = target - forgiven;
    std::size_t refused = 0;  // publishers in a row that could not send
    while (_paced < target && refused < _publishers.size()) {
        bench_connection* p = _publishers[_pace_cursor];
        _pace_cursor = (_pace_cursor + 1) % _publishers.size();
        if (p->can_send() && p->send_one()) {
            ++_paced;
            refused = 0;
        } else {
            ++refused;
        }
    }
    _pace_timer.expires_at(_pace_timer.expiry() + k_pace);
    _pace_timer.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            pace();
    });
}

void worker::stop_load(std::uint64_t end_ns) {
    asio::post(_io, [this, end_ns] {
        _publishing = false;
        _measure_end_ns = end_ns;
        _pace_timer.cancel();
        _stopped = true;
    });
}

void worker::credit(std::uint32_t p) {
    if (_credit.empty() || p >= _credit.size())
        return;
    if (_credit[p]++ == 0)
        _credited.push_back(p);
    if (!_credit_posted) {
        _credit_posted = true;
        asio::post(_io, [this] { flush_credit(); });
    }
}

void worker::flush_credit() {
    _credit_posted = false;
    for (std::uint32_t p : _credited) {
        publisher_slot& slot = _ctx.slots[p];
        slot.delivered.fetch_add(std::exchange(_credit[p], 0));
        if (slot.blocked.load() && slot.blocked.exchange(false)) {
            bench_connection* conn = slot.conn;
            asio::post(slot.owner->io(), [conn] { conn->pump(); });
        }
    }
    _credited.clear();
}

void worker::finish() {
    asio::post(_io, [this] {
        _finishing = true;
        _publishing = false;
        for (auto& c : _conns)
            c->disconnect();
        if (_live == 0) {
            _live = 1;
            connection_closed();
        }
    });
}

void worker::join() {
    if (!_thread.joinable())
        return;
    const auto deadline = clock::now() + 2s;
    while (!_finished && clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    if (!_finished)
        _io.stop();  // writes that never complete (a broker that stopped reading)
    _thread.join();
}

}  // namespace emqd::bench
