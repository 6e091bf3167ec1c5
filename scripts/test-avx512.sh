#!/bin/sh
# The AVX-512 kernels against the scalar ones, bit for bit, on a machine without AVX-512: QEMU's
# TCG cannot run EVEX code, Bochs can. Boots Debian's cloud kernel under Bochs on an emulated
# Skylake-X from an ISO (isolinux) whose initramfs holds the standalone kernel test
# (native/test/kernel_parity.cc, static) and an init (native/test/avx512_init.cc) that first
# shows the guest runs 512-bit code (CPUID, XCR0, one zmm instruction), then runs the test and
# powers the machine off. Passes only if the guest reports the test's exit status 0.
#   apt-get install -y bochs bochs-term bochsbios vgabios isolinux syslinux-common xorriso cpio
# (scripts/ci-native-deps.sh installs them when missing). The kernel is the package that
# linux-image-cloud-amd64 depends on, fetched once with apt-get download; its vmlinuz is cached
# in ${XDG_CACHE_HOME:-~/.cache}/simd-dropout.
#
# The guest runs code about 160 times slower than this machine, so only the AVX-512 table is
# checked unless KERNEL_PARITY_ISAS says otherwise (e.g. sse2,avx2,avx512; empty: every ISA the
# guest runs). BOCHS_TIMEOUT (seconds, default 1200) bounds the emulator's run.
#
# KERNEL_PARITY_SANITIZE=1 runs the test built as test:native builds it instead (clang++,
# AddressSanitizer and UndefinedBehaviorSanitizer, into build-native/), with the shared libraries
# it needs in the initramfs: an access past an array's end by the AVX-512 kernels is then a
# report. It takes about 4 times as long (BOCHS_TIMEOUT then defaults to 3600).
set -eu
cd "$(dirname "$0")/.."
. scripts/kernel-parity-build.sh
CXX="${CXX:-g++}"
ISAS="${KERNEL_PARITY_ISAS-avx512}"
SANITIZE="${KERNEL_PARITY_SANITIZE:-}"
if [ -n "$SANITIZE" ]; then LIMIT="${BOCHS_TIMEOUT:-3600}"; else LIMIT="${BOCHS_TIMEOUT:-1200}"; fi
BUILD="${SIMD_DROPOUT_NATIVE_BUILD:-build-native}"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/simd-dropout"
PACKAGES="bochs bochs-term bochsbios vgabios isolinux syslinux-common xorriso cpio"

fail() {
  echo "test:avx512: FAILED: $*" >&2
  exit 1
}

for file in /usr/bin/bochs /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so \
  /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin /usr/lib/ISOLINUX/isolinux.bin \
  /usr/lib/syslinux/modules/bios/ldlinux.c32 /usr/bin/xorriso /usr/bin/cpio; do
  [ -e "$file" ] || fail "no $file: apt-get install -y $PACKAGES (or scripts/ci-native-deps.sh)"
done

work=$(mktemp -d)
bochs_pid=""
cleanup() {
  if [ -n "$bochs_pid" ]; then kill -KILL "$bochs_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/root" "$work/iso/isolinux"

started=$(date +%s)
if [ -n "$SANITIZE" ]; then
  cmake -S . -B "$BUILD" --log-level=WARNING -DSIMD_DROPOUT_NATIVE_TESTS=ON \
    -DCMAKE_CXX_COMPILER="${CLANGXX:-clang++}" >/dev/null
  cmake --build "$BUILD" --target kernel_parity --parallel "${JOBS:-2}" >/dev/null
  cp "$BUILD/kernel_parity" "$work/root/kernel_parity"
  # the dynamic loader and the libraries, at the paths the binary names (sanitizers cannot link
  # statically)
  for library in $(ldd "$BUILD/kernel_parity" | sed -n 's/.*[[:space:]]\(\/[^[:space:]]*\) (0x.*/\1/p'); do
    cp -L --parents "$library" "$work/root"
  done
else
  build_kernel_parity "$CXX" "$work/root/kernel_parity" -static
fi
"$CXX" -std=c++17 -O2 -Wall -Wextra -static native/test/avx512_init.cc -o "$work/root/init"

# The cloud kernel: fewer built-in drivers to probe than linux-image-amd64's, and LZ4 rather than
# XZ, which the emulated CPU decompresses in 2 s rather than minutes. It has all this needs built
# in (initramfs, the 8250 serial console, ACPI power-off): no modules.
package=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
  sed -n 's/^ *Depends: \(linux-image-[^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
[ -n "$package" ] || fail "apt-cache knows no linux-image-cloud-amd64: run apt-get update"
kernel="$CACHE/vmlinuz-${package#linux-image-}"
if [ ! -f "$kernel" ]; then
  echo "test:avx512: downloading $package (once: the kernel is kept in $CACHE)"
  # root's apt otherwise warns that its sandbox user cannot write to the directory
  (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "$package") ||
    fail "apt-get download $package"
  mkdir -p "$CACHE"
  dpkg-deb --fsys-tarfile "$work/${package}"_*.deb | tar -xO "./boot/${kernel##*/}" >"$kernel.tmp"
  rm -f "$work/${package}"_*.deb "$CACHE"/vmlinuz-*-cloud-amd64
  mv "$kernel.tmp" "$kernel"
fi
built=$(date +%s)

# An uncompressed newc initramfs (nothing for the emulated CPU to decompress). /dev/console comes
# from the kernel's own built-in initramfs, which this one is unpacked over.
(cd "$work/root" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) \
  >"$work/iso/isolinux/initrd.img"
cp "$kernel" "$work/iso/isolinux/vmlinuz"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/iso/isolinux/"
# Kernel parameters that shorten the boot under emulation: quiet (each console line costs the
# emulated UART's time), no crypto self-tests (12 s), no Spectre mitigations, no KASLR relocation,
# no clocksource watchdog (Bochs's TSC counts instructions, not the frequency CPUID gives). Bochs
# 2.7 reports XSAVES/XSAVEC sizes the kernel rejects (it would then disable XSAVE, and so AVX):
# clearcpuid makes it use the standard XSAVE format. The kernel passes KERNEL_PARITY_ISAS on
# to init's environment.
append="console=ttyS0,115200 quiet cryptomgr.notests mitigations=off nokaslr tsc=reliable"
append="$append clearcpuid=xsaves,xsavec"
if [ -n "$ISAS" ]; then append="$append KERNEL_PARITY_ISAS=$ISAS"; fi
# (leaks are test:native's to find: LeakSanitizer's end-of-run scan adds nothing per ISA; a
# small quarantine keeps the guest's memory in bounds)
if [ -n "$SANITIZE" ]; then
  append="$append ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=32 UBSAN_OPTIONS=print_stacktrace=1"
fi
cat >"$work/iso/isolinux/isolinux.cfg" <<EOF
DEFAULT linux
PROMPT 0
LABEL linux
  KERNEL vmlinuz
  INITRD initrd.img
  APPEND $append
EOF
# (xorriso prints its banner even with -quiet: shown only on a failure)
xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
  -no-emul-boot -boot-load-size 4 -boot-info-table "$work/iso" 2>"$work/xorriso.log" ||
  { cat "$work/xorriso.log" >&2; fail "xorriso could not build the boot ISO"; }

# corei7_skylake_x: AVX-512 F, DQ, CD, BW and VL; Bochs's tigerlake also has protection keys,
# whose XSAVE area its CPUID leaf 0xD leaves out (the kernel then corrupts memory). ips sets how
# many instructions make an emulated second, for the timers and the UART: lower makes the BIOS's
# waits cheaper, higher makes the timer interrupts rarer (with AVX-512 only, 200 M: boot 12 s and
# test 270 s; 50 M: 11 s and 283 s). Debian's Bochs has no nogui display: term draws on a
# pseudo-terminal of its own.
cat >"$work/bochsrc" <<EOF
megs: 512
cpu: model=corei7_skylake_x, count=1, ips=200000000
clock: sync=none
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: term
ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$work/serial.log
mouse: enabled=0
speaker: enabled=0
log: /dev/null
panic: action=fatal
error: action=ignore
info: action=ignore
EOF
# Debian builds Bochs with its debugger, which stops before the first instruction: continue.
echo continue >"$work/debugger.rc"
: >"$work/serial.log"

echo "test:avx512: booting ${package#linux-image-} under Bochs (corei7_skylake_x)" \
  "with KERNEL_PARITY_ISAS=${ISAS:-(every ISA)}${SANITIZE:+, the test under ASan and UBSan}"
launched=$(date +%s)
TERM=vt100 bochs -f "$work/bochsrc" -rc "$work/debugger.rc" </dev/null >"$work/bochs.out" 2>&1 &
bochs_pid=$!
# When the guest's lines first show up, to the second: the boot's and the test's times.
booted="" finished="" timed_out=""
watch_serial() {
  now=$(date +%s)
  if [ -z "$booted" ] && grep -q '^avx512 init: started' "$work/serial.log"; then booted=$now; fi
  if [ -z "$finished" ] && grep -q '^kernel_parity exit status:' "$work/serial.log"; then
    finished=$now
  fi
}
while kill -0 "$bochs_pid" 2>/dev/null; do
  watch_serial
  if [ $((now - launched)) -ge "$LIMIT" ]; then
    kill -KILL "$bochs_pid"
    timed_out=1
  fi
  sleep 1
done
wait "$bochs_pid" || true  # 1 after the guest's power-off too
bochs_pid=""
watch_serial  # the power-off can come within the last second
ended=$now

if [ -z "$booted" ]; then
  tail -n 40 "$work/serial.log" >&2
  if [ -n "$timed_out" ]; then fail "timed out after $LIMIT s before the guest's init started"; fi
  grep -A 1 'Bochs is exiting' "$work/bochs.out" >&2 || tail -n 5 "$work/bochs.out" >&2
  fail "the guest did not boot to its init (its serial console above, then Bochs's last words)"
fi
# the guest's own lines: the AVX-512 check, the test's output, its exit status
sed -n '/^avx512 init: started/,$p' "$work/serial.log" | tr -d '\r'
if [ -n "$timed_out" ]; then fail "timed out after $LIMIT s (BOCHS_TIMEOUT)"; fi
if grep -q '^avx512 check: FAILED' "$work/serial.log"; then
  fail "the guest does not run AVX-512 (above)"
fi
status=$(sed -n 's/^kernel_parity exit status: \([0-9]*\).*/\1/p' "$work/serial.log")
[ -n "$status" ] || fail "the guest stopped before kernel_parity finished (its output is above)"
[ "$status" = 0 ] || fail "kernel_parity exited with status $status in the guest (above)"
echo "test:avx512: passed: build $((built - started)) s, boot $((booted - launched)) s," \
  "the AVX-512 check and kernel_parity $((finished - booted)) s, power-off $((ended - finished)) s"
