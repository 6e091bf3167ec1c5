#!/bin/sh
# The kernels under AddressSanitizer and UndefinedBehaviorSanitizer, without Node: builds
# CMakeLists.txt with SIMD_DROPOUT_NATIVE_TESTS=ON and clang++ into build-native/ (never build/,
# which holds the addon), runs the standalone kernel test (native/test/kernel_parity.cc), then
# the kernel fuzzer (native/test/kernel_fuzz.cc) for FUZZ_SECONDS seconds (default 60). Fails on
# any sanitizer report or mismatch.
#
# The fuzzer starts from the seeds in native/test/fuzz-seeds and keeps what it finds in
# build-native/corpus; a failing input is saved as build-native/artifacts/crash-*, which
#   build-native/kernel_fuzz build-native/artifacts/crash-<sha1>
# replays (printing the case).
set -eu
cd "$(dirname "$0")/.."
BUILD="${SIMD_DROPOUT_NATIVE_BUILD:-build-native}"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

started=$(date +%s)
cmake -S . -B "$BUILD" --log-level=WARNING -DSIMD_DROPOUT_NATIVE_TESTS=ON \
  -DCMAKE_CXX_COMPILER="${CLANGXX:-clang++}" >/dev/null
cmake --build "$BUILD" --parallel "${JOBS:-2}"
built=$(date +%s)

if ! "$BUILD/kernel_parity"; then
  echo "test:native: FAILED: the sanitized kernel test (above)" >&2
  exit 1
fi
tested=$(date +%s)

mkdir -p "$BUILD/corpus" "$BUILD/artifacts"
log="$BUILD/fuzz.log"
echo "fuzzing for $FUZZ_SECONDS s (log: $log)"
if ! "$BUILD/kernel_fuzz" -max_total_time="$FUZZ_SECONDS" -max_len=256 -len_control=0 \
  -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/" "$BUILD/corpus" native/test/fuzz-seeds \
  >"$log" 2>&1; then
  grep -v -E '^#[0-9]+ ' "$log" | tail -n 60 >&2
  echo "test:native: FAILED: the fuzzer found a mismatch or a sanitizer report; replay it with" \
    "$BUILD/kernel_fuzz $(ls -t "$BUILD"/artifacts/* 2>/dev/null | head -n 1)" >&2
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
finished=$(date +%s)

echo "test:native: passed: build $((built - started)) s, sanitized kernel test $((tested - built)) s," \
  "fuzzer $((finished - tested)) s: $runs runs ($rate/s), no mismatch, no sanitizer report"
