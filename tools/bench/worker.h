#pragma once
// worker: one thread, one io_context, and the connections spread to it round robin.
//
// Design note.
//   * Counters the main thread reports (sent, received, expected, ...) are atomics with a
//     single writer, this thread: an increment is a relaxed load and store, no locked
//     instruction. Latency goes to two histograms of this thread (the run's total and the
//     current interval); the interval one is handed to the main thread under a mutex four
//     times a second, so recording a message takes no lock.
//   * Closed loop: a publisher may have at most W x F deliveries outstanding, where F is
//     its (mean) fan-out, so W messages when F copies of each are expected. Subscribers
//     credit the publishers they heard from: per turn of this thread's loop, not per
//     message, one atomic add per publisher heard (credit() collects, one posted flush
//     adds). A publisher whose window is full sets its slot's blocked flag; the flush that
//     finds it set clears it and posts one wake-up to the publisher's thread. So a post
//     crosses threads only when a publisher is actually stalled.
//   * Pacing (--rate, -I): one timer per thread, every millisecond, releases the messages
//     due since the start at this thread's share of the rate, taking its publishers round
//     robin; a deficit older than 100 ms is forgiven rather than sent as a burst.
//   * Connecting: at most conn_parallel / threads CONNECTs await CONNACK at once on this
//     thread (or one every -i x threads ms); each one settled (ready or failed) starts
//     the next. A CONNECT unanswered for 30 s fails.
//
// THREADING WARNING: start_*, stop_load, finish and the atomics are for the main thread;
// everything else runs on this worker's thread.

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_connection.h"
#include "bench_context.h"
#include "histogram.h"

namespace emqd::bench {

/// Single-writer counter: the owner thread adds, others read.
class counter {
public:
    void add(std::uint64_t n = 1) {
        _v.store(_v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void sub(std::uint64_t n = 1) {
        _v.store(_v.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return _v.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> _v{0};
};

struct worker_counters {
    counter sent, sent_measured;
    counter received, received_measured;
    counter expected;  // copies owed by what was sent
    counter out_of_order, gaps;
    counter connected;     // ready now
    counter established;   // ever ready
    counter failed, lost;  // failed to set up; ended during the run
    counter settled;       // ready or failed
    counter publishers_done;
    std::atomic<std::uint64_t> last_ready_ns{0};
};

class worker {
public:
    using clock = std::chrono::steady_clock;

    worker(std::uint32_t index, bench_context& ctx);
    ~worker();

    /// Before start(): the connections of this worker.
    void add(std::unique_ptr<bench_connection> c);
    /// Starts the thread; it starts connecting.
    void start();
    /// Thread-safe: publishers start; messages sent from measure_start_ns on are measured.
    void start_load(std::uint64_t measure_start_ns);
    /// Thread-safe: publishing stops, measurement ends at end_ns; stopped() turns true.
    void stop_load(std::uint64_t end_ns);
    bool stopped() const { return _stopped.load(); }
    /// Thread-safe: DISCONNECT everything and let the loop end; finished() turns true when
    /// the last write is done and the loop has returned.
    void finish();
    bool finished() const { return _finished.load(); }
    /// Joins the thread, stopping the loop if it has not ended by itself.
    void join();

    worker_counters counters;
    /// Thread-safe: moves the latency recorded since the last call into `into`.
    void take_interval(histogram& into);
    /// After join(): every measured latency.
    const histogram& total() const { return _total; }
    /// Thread-safe: the first connection failure, for the summary.
    std::string first_error() const;

    // --- for this worker's connections (its thread) -------------------------------------
    boost::asio::io_context& io() { return _io; }
    bench_context& ctx() { return _ctx; }
    bool publishing() const { return _publishing; }
    bool paced() const { return _rate > 0; }
    bool finishing() const { return _finishing; }
    std::uint64_t measure_start_ns() const { return _measure_start_ns; }
    bool measuring(std::uint64_t now_ns) const {
        return _measure_start_ns != 0 && now_ns >= _measure_start_ns && now_ns < _measure_end_ns;
    }
    void record_latency(std::uint64_t ns) {
        _total.record(ns);
        _interval.record(ns);
    }
    /// A subscriber got one copy from publisher `p` of this process.
    void credit(std::uint32_t p);
    /// A connection is ready (ok) or failed before that.
    void settled(bool ok, const char* why, std::error_code ec);
    /// A connection that had started ended (any reason).
    void connection_closed();
    /// The payload buffer (stamp written by the caller) and a topic scratch string.
    std::string& payload() { return _payload; }
    std::string& topic_buffer() { return _topic; }
    std::uint32_t random_topic() { return _random_topic(_rng); }

private:
    void connect_more();
    void connect_step();  // -i: one CONNECT per turn of this thread
    void tick();
    void pace();
    void flush_credit();

    std::uint32_t _index;
    bench_context& _ctx;
    boost::asio::io_context _io;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> _guard;
    boost::asio::steady_timer _tick_timer;
    boost::asio::steady_timer _connect_timer;  // -i
    boost::asio::steady_timer _pace_timer;
    std::thread _thread;
    std::vector<std::unique_ptr<bench_connection>> _conns;
    std::vector<bench_connection*> _publishers;
    std::size_t _next_connect = 0;
    std::size_t _connecting = 0;
    std::size_t _connect_limit = 1;
    std::size_t _live = 0;  // connections started and not closed

    bool _publishing = false;
    bool _finishing = false;
    std::uint64_t _measure_start_ns = 0;
    std::uint64_t _measure_end_ns = ~std::uint64_t{0};
    std::atomic<bool> _stopped{false};
    std::atomic<bool> _finished{false};

    // pacing
    double _rate = 0;  // this thread's share, msg/s
    clock::time_point _pace_start{};
    std::uint64_t _paced = 0;  // messages released since _pace_start
    std::size_t _pace_cursor = 0;

    // closed-loop credit, collected per loop turn
    std::vector<std::uint32_t> _credit;    // per publisher of the run
    std::vector<std::uint32_t> _credited;  // publishers with credit pending
    bool _credit_posted = false;

    histogram _total;
    histogram _interval;
    mutable std::mutex _mutex;  // guards _handoff and _first_error
    histogram _handoff;
    std::string _first_error;

    std::string _payload;
    std::string _topic;
    std::minstd_rand _rng;
    std::uniform_int_distribution<std::uint32_t> _random_topic;
};

}  // namespace emqd::bench
