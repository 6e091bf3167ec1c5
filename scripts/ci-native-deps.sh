#!/bin/sh
# What CI's native tests need beyond Node and g++, installed with apt only when missing (CI runs
# as root on a fresh Debian bookworm machine): CMake and clang's sanitizer and libFuzzer runtime
# (test:native), the arm64 cross compiler (test:arm64), and qemu-user (test:arm64, and
# test:kernels' run on an emulated CPU without AVX), and Bochs with its curses display, BIOS and
# an isolinux ISO's tools (scripts/test-avx512.sh: the kernels on an emulated AVX-512 CPU).
# Running it again installs nothing.
set -eu
packages=""
if ! command -v cmake >/dev/null 2>&1; then packages="$packages cmake"; fi
if ! command -v clang++ >/dev/null 2>&1; then
  packages="$packages clang libclang-rt-dev"
elif [ ! -f "$(clang++ -print-runtime-dir)/libclang_rt.fuzzer-$(uname -m).a" ]; then
  # the runtime of the clang that is there (Debian packages it apart from the compiler)
  packages="$packages libclang-rt-$(clang++ -dumpversion | cut -d. -f1)-dev"
fi
if ! command -v aarch64-linux-gnu-g++ >/dev/null 2>&1; then packages="$packages g++-aarch64-linux-gnu"; fi
if ! command -v qemu-aarch64 >/dev/null 2>&1 || ! command -v qemu-x86_64 >/dev/null 2>&1; then
  packages="$packages qemu-user"
fi
if [ ! -x /usr/bin/bochs ] || [ ! -f /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so ] ||
  [ ! -f /usr/share/bochs/BIOS-bochs-latest ] || [ ! -f /usr/share/vgabios/vgabios.bin ]; then
  # bochs-term names its display: bochs alone would pull in bochs-wx and wxWidgets
  packages="$packages bochs bochs-term bochsbios vgabios"
fi
if [ ! -f /usr/lib/ISOLINUX/isolinux.bin ] ||
  [ ! -f /usr/lib/syslinux/modules/bios/ldlinux.c32 ]; then
  packages="$packages isolinux syslinux-common"
fi
if ! command -v xorriso >/dev/null 2>&1; then packages="$packages xorriso"; fi
if ! command -v cpio >/dev/null 2>&1; then packages="$packages cpio"; fi
if [ -z "$packages" ]; then
  echo "ci-native-deps: nothing to install"
  exit 0
fi
started=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# no recommends: qemu-user's would register binfmt handlers, which the scripts do not need
apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "ci-native-deps: installed$packages in $(($(date +%s) - started)) s"
