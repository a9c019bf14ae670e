// libFuzzer entry point for the codec; see codec_fuzz_target.h and run-fuzzer.sh.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codec_fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string err = emqd::fuzz::run_codec_input(data, size);
    if (!err.empty()) {
        std::fprintf(stderr, "codec invariant violated: %s\n", err.c_str());
        std::abort();
    }
    return 0;
}
