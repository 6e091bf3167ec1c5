#!/bin/sh
# Every kernel table this machine runs against the scalar one, bit for bit, without Node: builds
# the standalone kernel test (native/test/kernel_parity.cc) with the build's flags and runs it.
# With qemu-x86_64 installed it also runs it on an emulated x86-64 CPU without AVX (Nehalem):
# there the AVX2 kernels must be neither chosen nor executed.
set -eu
cd "$(dirname "$0")/.."
CXX="${CXX:-g++}"
. scripts/kernel-parity-build.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
OUT="$work/kernel_parity"
build_kernel_parity "$CXX" "$OUT"
"$OUT"
if [ "$(uname -m)" = x86_64 ] && command -v qemu-x86_64 >/dev/null 2>&1; then
  echo "under qemu-x86_64 -cpu Nehalem (SSE4.2, no AVX):"
  qemu-x86_64 -cpu Nehalem "$OUT"
fi
# The built addon itself on that CPU, if there is one: it must load, choose SSE2, and refuse a
# forced AVX2.
ADDON=build/Release/simd_dropout.node
if [ "$(uname -m)" = x86_64 ] && command -v qemu-x86_64 >/dev/null 2>&1 && [ -f "$ADDON" ]; then
  NODE="$(command -v node)"
  qemu-x86_64 -cpu Nehalem "$NODE" -e "
    const b = require('./$ADDON');
    if (b.isa !== 'sse2') throw new Error('chose ' + b.isa + ' on a CPU without AVX');
    const x = new Float32Array(1000).fill(1.5), out = new Float32Array(1000), mask = new Uint32Array(32);
    b.dropoutFused(x, out, mask, 1, 2, 3, 4, 0, 0, 2 ** 31, 2, null, 0);
    console.log('the addon under qemu-x86_64 -cpu Nehalem: isa', b.isa);"
  if qemu-x86_64 -cpu Nehalem -E SIMD_DROPOUT_ISA=avx2 "$NODE" -e "require('./$ADDON')" 2>/dev/null; then
    echo "SIMD_DROPOUT_ISA=avx2 loaded on a CPU without AVX" >&2
    exit 1
  fi
  echo "SIMD_DROPOUT_ISA=avx2 refused there, as it should be"
fi
