#pragma once
// What every worker thread of one emqd-bench run shares: the options, the topic plan, and
// one publisher_slot per publisher for the closed loop's credit.
//
// THREADING WARNING: publisher_slot is written by subscriber threads (delivered, blocked)
// and by the publisher's thread (blocked); everything else here is read-only once the
// workers start.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "bench_options.h"
#include "client/tcp_client.h"
#include "topic_plan.h"

namespace emqd::bench {

class worker;
class bench_connection;

/// Closed-loop credit of one publisher (see worker.h). One cache line each, so subscribers
/// crediting different publishers do not contend.
struct alignas(64) publisher_slot {
    std::atomic<std::uint64_t> delivered{0};  // copies received by this process's subscribers
    std::atomic<bool> blocked{false};         // the publisher waits for credit: wake it
    worker* owner = nullptr;                  // set before the workers start
    bench_connection* conn = nullptr;
};

struct bench_context {
    bench_context(const bench_options& o, const topic_plan& p)
        : opts(o), plan(p), slots(std::make_unique<publisher_slot[]>(o.publisher_count())) {}

    const bench_options& opts;
    const topic_plan& plan;
    client::tcp_endpoint server;  // host resolved to an address
    std::unique_ptr<publisher_slot[]> slots;
};

}  // namespace emqd::bench
