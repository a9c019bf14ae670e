#!/usr/bin/env bash
# Builds the codec fuzzer with clang++-14 (libFuzzer + ASan + UBSan) into build/fuzz/ and
# runs it for N seconds on a copy of the checked-in corpus (the copy keeps new inputs out of
# the tree; promote interesting ones by hand). Crashers land in build/fuzz/crash-*: add them
# to tests/fuzz/corpus/ once fixed, so codec_corpus_test keeps them fixed.
#
# usage: tests/fuzz/run-fuzzer.sh [SECONDS=60] [extra libFuzzer flags...]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
out="$root/build/fuzz"
mkdir -p "$out"

sources=("$root"/src/codec/*.cpp "$root"/src/codec/detail/*.cpp "$root"/src/core/topic.cpp
         "$root"/tests/fuzz/codec_fuzz.cpp "$root"/tests/fuzz/codec_fuzz_target.cpp)
echo "building $out/codec_fuzz"
clang++-14 -std=c++20 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/src" "${sources[@]}" -o "$out/codec_fuzz"

work="$out/corpus"
rm -rf "$work"
mkdir -p "$work"
cp "$root"/tests/fuzz/corpus/* "$work"/

echo "fuzzing for ${seconds}s"
exec "$out/codec_fuzz" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$out/" "$work" "$@"
