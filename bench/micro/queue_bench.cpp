// Micro-benchmark of message_queue push + pop, with and without the byte caps, and of the
// alternative the design rejected for the global cap: one atomic counter shared by all
// shards (message_queue.h, queue_budget.h). Run from a Release build:
//
//     build/bench/micro/queue_bench --benchmark_min_time=1   (or bench/micro/run)
//
// Each thread has its own queue and its own message (no refcount sharing), holding 64
// entries so the deques neither grow nor shrink; only the accounting differs.

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>

#include "bench_util.h"
#include "session/message_queue.h"

namespace {

using emqd::bench::measure_start;
using emqd::bench::measure_stop;
using emqd::session::queue_budget;
using emqd::session::detail::delivery;
using emqd::session::detail::message_queue;
using emqd::session::detail::queued_size;

std::shared_ptr<emqd::core::message> make_message() {
    auto m = std::make_shared<emqd::core::message>();
    m->topic = "bench/topic";
    m->payload = "0123456789abcdef";
    m->qos = 1;
    return m;
}

delivery make_delivery(const emqd::core::message_ptr& m) {
    delivery d;
    d.msg = m;
    d.qos = 1;
    return d;
}

void fill(message_queue& q, const emqd::core::message_ptr& m, message_queue::limits lim) {
    for (int i = 0; i < 64; ++i)
        q.push(make_delivery(m), lim);
}

// Count cap only, no budget: the queue as it was before byte caps.
void push_pop_count_cap(benchmark::State& state) {
    const auto m = make_message();
    message_queue q;
    const message_queue::limits lim{1000, 0};
    fill(q, m, lim);
    measure_start(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(q.push(make_delivery(m), lim));
        q.pop_front();
    }
    measure_stop(state);
}
BENCHMARK(push_pop_count_cap)->Threads(1)->Threads(2);

// Count and byte caps and the shard's budget (a plain integer of the shard).
void push_pop_byte_caps(benchmark::State& state) {
    const auto m = make_message();
    queue_budget budget(1u << 30, 1);
    message_queue q;
    q.set_budget(&budget);
    const message_queue::limits lim{1000, 64u << 20};
    fill(q, m, lim);
    measure_start(state);
    for (auto _ : state) {
        benchmark::DoNotOptimize(q.push(make_delivery(m), lim));
        q.pop_front();
    }
    measure_stop(state);
}
BENCHMARK(push_pop_byte_caps)->Threads(1)->Threads(2);

// The rejected alternative: every push and pop also updates one counter shared by all
// shards (here: the benchmark's threads).
std::atomic<std::uint64_t> shared_bytes{0};

void push_pop_shared_atomic(benchmark::State& state) {
    const auto m = make_message();
    message_queue q;
    const message_queue::limits lim{1000, 64u << 20};
    fill(q, m, lim);
    const std::uint64_t n = queued_size(*m);
    measure_start(state);
    for (auto _ : state) {
        if (shared_bytes.fetch_add(n, std::memory_order_relaxed) + n > (1ull << 40))
            benchmark::DoNotOptimize(n);
        benchmark::DoNotOptimize(q.push(make_delivery(m), lim));
        q.pop_front();
        shared_bytes.fetch_sub(n, std::memory_order_relaxed);
    }
    measure_stop(state);
}
BENCHMARK(push_pop_shared_atomic)->Threads(1)->Threads(2);

}  // namespace

EMQD_MICRO_BENCH_MAIN()
