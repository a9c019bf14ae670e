#pragma once
// The codec fuzz property, shared by the libFuzzer binary (codec_fuzz) and the corpus replay
// test (codec_corpus_test), so a crasher found by one is a regression test in the other.

#include <cstddef>
#include <cstdint>
#include <string>

namespace emqd::fuzz {

/// Runs one fuzz input: byte 0 chooses the parser's max packet size and the read chunk
/// size, the rest is a client byte stream. Every frame is decoded under 3.1, 3.1.1 and 5.0;
/// each successfully decoded packet is re-encoded, re-framed, decoded again and re-encoded,
/// and the two encodings must be identical. Returns "" if every invariant held, else a
/// description of the first violation. Must never crash or throw.
std::string run_codec_input(const std::uint8_t* data, std::size_t size);

}  // namespace emqd::fuzz
