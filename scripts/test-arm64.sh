#!/bin/sh
# The NEON kernels against the scalar ones, bit for bit, on an x86-64 machine: cross-compiles the
# standalone kernel test (native/test/kernel_parity.cc, no Node) for arm64 with Debian's
# g++-aarch64-linux-gnu and runs it under qemu-user.
#   apt-get install -y g++-aarch64-linux-gnu qemu-user
# On an arm64 machine, scripts/test-kernels.sh runs the same test natively.
set -eu
cd "$(dirname "$0")/.."
CXX="${CXX_ARM64:-aarch64-linux-gnu-g++}"
. scripts/kernel-parity-build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
build_kernel_parity "$CXX" "$work/kernel_parity" -static
qemu-aarch64 "$work/kernel_parity"
