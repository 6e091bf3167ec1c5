# Sourced by the kernel test scripts (test-kernels.sh, test-arm64.sh, test-avx512.sh).
# build_kernel_parity CXX OUTPUT [FLAG ...]: builds the standalone kernel test
# (native/test/kernel_parity.cc, no Node) with every kernel table and the addon's floating-point
# flags (no contraction into FMA), adding the FLAGs (e.g. -static).
build_kernel_parity() {
  compiler=$1
  output=$2
  shift 2
  "$compiler" -std=c++17 -O3 -Wall -Wextra -ffp-contract=off -Inative "$@" \
    native/test/kernel_parity.cc native/cpu.cc native/dispatch.cc native/kernels_scalar.cc \
    native/kernels_sse2.cc native/kernels_avx2.cc native/kernels_avx512.cc native/kernels_neon.cc \
    -o "$output"
}
