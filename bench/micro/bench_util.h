#pragma once
// Shared by the micro-benchmarks: marks each timed loop for callgrind, so that instruction
// counts per item are exact and reproducible on a noisy machine (bench/micro/run --callgrind).
//
//     measure_start(state);
//     for (auto _ : state) { ... }
//     measure_stop(state, items);   // also sets items_per_second
//
// Run under `valgrind --tool=callgrind --collect-atstart=no`, callgrind then counts only the
// instructions between the two calls (every run Google Benchmark makes of the function,
// trial runs included), and EMQD_MICRO_BENCH_MAIN prints the matching item total as
// "emqd-micro-items: N" on stderr at exit: instructions per item = Ir / N. Outside valgrind
// the client requests are a few no-op instructions.
//
// Multi-threaded benchmarks toggle on thread 0 only; their instruction counts mix both
// threads, so bench/micro/run measures only single-threaded runs under callgrind.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define EMQD_CALLGRIND_TOGGLE() CALLGRIND_TOGGLE_COLLECT
#define EMQD_ON_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#else
#define EMQD_CALLGRIND_TOGGLE() ((void)0)
#define EMQD_ON_VALGRIND() false
#endif

namespace emqd::bench {

inline std::atomic<std::int64_t> measured_items{0};

inline void measure_start(const benchmark::State& state) {
    if (state.thread_index() == 0)
        EMQD_CALLGRIND_TOGGLE();
}

inline void measure_stop(benchmark::State& state, std::int64_t items) {
    if (state.thread_index() == 0)
        EMQD_CALLGRIND_TOGGLE();
    state.SetItemsProcessed(items);
    measured_items += items;
}

/// One item per iteration.
inline void measure_stop(benchmark::State& state) {
    measure_stop(state, state.iterations());
}

inline int run_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (EMQD_ON_VALGRIND())
        std::fprintf(stderr, "emqd-micro-items: %lld\n",
                     static_cast<long long>(measured_items.load()));
    return 0;
}

}  // namespace emqd::bench

#define EMQD_MICRO_BENCH_MAIN()                   \
    int main(int argc, char** argv) {             \
        return emqd::bench::run_main(argc, argv); \
    }
