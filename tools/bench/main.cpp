// emqd-bench: the MQTT load tool of bench/run (see bench_options.h for the command line,
// bench_runner.h for how a run goes).

#include <cstdio>
#include <exception>
#include <stdexcept>

#include "bench_options.h"
#include "bench_runner.h"

int main(int argc, char** argv) {
    int code = 0;
    const auto opts = emqd::bench::parse_command_line(argc, argv, code);
    if (!opts)
        return code;
    try {
        return emqd::bench::run_bench(*opts);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "emqd-bench: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emqd-bench: %s\n", e.what());
        return 1;
    }
}
