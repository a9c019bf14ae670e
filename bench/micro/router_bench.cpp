// router::match micro-benchmarks. Run from a Release build:
//   build/bench/micro/router_bench   (or bench/micro/run)
// Reported items_per_second is matches per second.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench_util.h"
#include "router/router.h"

namespace {

using emqd::bench::measure_start;
using emqd::bench::measure_stop;
using emqd::router::route;
using emqd::router::router;
using emqd::router::subscriber_id;

constexpr const char* topic = "dev/42/room/temp";

// 99,990 wildcard filters that do not match `topic` (several of them share its prefixes, so
// the walk has real branches to try), plus the 10 that do.
void add_wildcard_population(router& r) {
    std::uint64_t session = 1;
    for (int i = 1000; session <= 99'990; ++i) {
        const std::string n = std::to_string(i);
        const std::string filters[] = {"dev/" + n + "/+/temp", "site/" + n + "/#",
                                       "dev/+/" + n + "/humidity", "+/" + n + "/status"};
        for (const std::string& f : filters) {
            if (session > 99'990)
                break;
            r.subscribe(f, subscriber_id{0, session++}, {});
        }
    }
    for (const char* f : {"dev/42/room/+", "dev/42/+/temp", "dev/+/room/temp", "+/42/room/temp",
                          "dev/42/#", "dev/#", "#", "+/+/+/+", "dev/+/+/temp", "+/42/#"})
        r.subscribe(f, subscriber_id{1, session++}, {});
}

void run(benchmark::State& state, const router& r, std::size_t expected) {
    std::vector<route> out;
    out.reserve(64);
    measure_start(state);
    for (auto _ : state) {
        out.clear();
        r.match(topic, "publisher", out);
        benchmark::DoNotOptimize(out.data());
    }
    if (out.size() != expected)
        state.SkipWithError("unexpected match count");
    measure_stop(state);
}

void bm_exact_one_subscriber(benchmark::State& state) {
    static router r;
    if (state.thread_index() == 0 && r.subscription_count() == 0)
        r.subscribe(topic, subscriber_id{0, 1}, {});
    run(state, r, 1);
}
BENCHMARK(bm_exact_one_subscriber)->Threads(1)->Threads(2);

void bm_10_wildcards_of_100k(benchmark::State& state) {
    static router r;
    if (state.thread_index() == 0 && r.subscription_count() == 0)
        add_wildcard_population(r);
    run(state, r, 10);
}
BENCHMARK(bm_10_wildcards_of_100k)->Threads(1)->Threads(2);

void bm_exact_one_among_100k_wildcards(benchmark::State& state) {
    static router r;
    if (state.thread_index() == 0 && r.subscription_count() == 0) {
        add_wildcard_population(r);
        r.subscribe(topic, subscriber_id{2, 1}, {});
    }
    run(state, r, 11);
}
BENCHMARK(bm_exact_one_among_100k_wildcards);

// One shared group of 10 members on the exact topic, among the 100k wildcard filters: the
// 10 plain wildcard routes plus the one member the group picks.
void bm_shared_group_among_100k_wildcards(benchmark::State& state) {
    static router r(emqd::router::shared_strategy::round_robin);
    if (state.thread_index() == 0 && r.subscription_count() == 0) {
        add_wildcard_population(r);
        for (std::uint64_t i = 1; i <= 10; ++i)
            r.subscribe(std::string("$share/g/") + topic, subscriber_id{3, i}, {});
    }
    run(state, r, 11);
}
BENCHMARK(bm_shared_group_among_100k_wildcards)->Threads(1)->Threads(2);

void bm_subscribe_unsubscribe_100k_on_one_filter(benchmark::State& state) {
    router r;
    for (std::uint64_t i = 0; i < 100'000; ++i)
        r.subscribe("big/+", subscriber_id{0, i}, {});
    std::uint64_t i = 0;
    measure_start(state);
    for (auto _ : state) {
        const subscriber_id who{1, i++ % 100'000};
        r.subscribe("big/+", who, {});
        r.unsubscribe("big/+", who);
    }
    measure_stop(state);
}
BENCHMARK(bm_subscribe_unsubscribe_100k_on_one_filter);

}  // namespace

EMQD_MICRO_BENCH_MAIN()
