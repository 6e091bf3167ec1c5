#!/bin/sh
# The NEON kernels against the scalar ones, bit for bit, on an x86-64 machine: cross-compiles the
# standalone kernel test (native/test/kernel_parity.cc, no Node) for arm64 with Debian's
# g++-aarch64-linux-gnu and runs it under qemu-user.
#   apt-get install -y g++-aarch64-linux-gnu qemu-user
# On an arm64 machine, scripts/test-kernels.sh runs the same test natively.
set -eu
cd "$(dirname "$0")/.."
CXX="${CXX_ARM64:-aarch64-linux-gnu-g++}"
OUT="${TMPDIR:-/tmp}/simd-dropout-kernel-parity-arm64"
"$CXX" -std=c++17 -O3 -Wall -Wextra -ffp-contract=off -static -Inative \
  native/test/kernel_parity.cc native/cpu.cc native/dispatch.cc native/kernels_scalar.cc \
  native/kernels_sse2.cc native/kernels_avx2.cc native/kernels_avx512.cc native/kernels_neon.cc -o "$OUT"
qemu-aarch64 "$OUT"
