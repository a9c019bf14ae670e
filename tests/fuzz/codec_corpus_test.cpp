// Replays every file of tests/fuzz/corpus through the fuzz property (label: unit).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "codec_fuzz_target.h"

namespace {

TEST(codec_corpus, every_file_holds_the_invariants) {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(EMQD_CODEC_CORPUS_DIR)) {
        if (!entry.is_regular_file())
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        const std::string data((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const std::string err = emqd::fuzz::run_codec_input(
            reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
        EXPECT_EQ(err, "") << entry.path();
        ++files;
    }
    EXPECT_GE(files, 20u) << "seed corpus missing: run tests/fuzz/make-seeds.py";
}

}  // namespace
