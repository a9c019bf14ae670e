#pragma once
// bench_runner: one emqd-bench run from the main thread, in phases:
//   connect  every connection (subscribers subscribed) ready or failed;
//   load     publishers publish for --duration (or until -L / a signal); conn mode holds;
//   drain    publishing stopped: wait up to --drain-ms until every expected copy arrived;
//   finish   DISCONNECT everything, join the workers, report.
// The main thread only polls counters (every 50 ms) and prints a line once a second; the
// workers do all the I/O. SIGINT/SIGTERM end the current phase early (a second one skips
// the drain) and the summary and JSON are still written.

#include "bench_options.h"

namespace emqd::bench {

/// Runs the bench; returns the exit status (0 done, 1 connections failed and the run could
/// not proceed).
int run_bench(const bench_options& o);

}  // namespace emqd::bench
