#include "cpu.h"

#include <cstdint>

#if defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#define SIMD_DROPOUT_CPUID_MSVC 1
#elif (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <cpuid.h>
#define SIMD_DROPOUT_CPUID_GNU 1
#endif

namespace simd_dropout {
namespace cpu {
namespace {

#if defined(SIMD_DROPOUT_CPUID_MSVC) || defined(SIMD_DROPOUT_CPUID_GNU)

struct Registers {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// CPUID leaf `leaf`, subleaf `subleaf`; all zero when the leaf does not exist.
Registers cpuid(uint32_t leaf, uint32_t subleaf) {
  Registers r;
#ifdef SIMD_DROPOUT_CPUID_MSVC
  int maxLeaf[4];
  __cpuid(maxLeaf, static_cast<int>(leaf & 0x80000000u));
  if (static_cast<uint32_t>(maxLeaf[0]) < leaf) return r;
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  r = {static_cast<uint32_t>(regs[0]), static_cast<uint32_t>(regs[1]),
       static_cast<uint32_t>(regs[2]), static_cast<uint32_t>(regs[3])};
#else
  unsigned a, b, c, d;
  if (__get_cpuid_count(leaf, subleaf, &a, &b, &c, &d) == 0) return r;
  r = {a, b, c, d};
#endif
  return r;
}

// XCR0: which register states the OS saves. Only call when CPUID says OSXSAVE.
uint64_t xcr0() {
#ifdef SIMD_DROPOUT_CPUID_MSVC
  return _xgetbv(0);
#else
  // The instruction itself, so this file needs no -mxsave.
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
#endif
}

bool bit(uint32_t value, int index) { return ((value >> index) & 1u) != 0; }

Features detect() {
  Features f;
#if defined(__x86_64__) || defined(_M_X64)
  f.sse2 = true;  // part of x86-64
#else
  f.sse2 = bit(cpuid(1, 0).edx, 26);
#endif
  const Registers leaf1 = cpuid(1, 0);
  const bool osxsave = bit(leaf1.ecx, 27);
  const bool avx = bit(leaf1.ecx, 28);
  if (!osxsave || !avx) return f;
  const uint64_t xcr = xcr0();
  constexpr uint64_t kXmmYmm = (1u << 1) | (1u << 2);
  constexpr uint64_t kOpmaskZmm = (1u << 5) | (1u << 6) | (1u << 7);
  if ((xcr & kXmmYmm) != kXmmYmm) return f;
  const Registers leaf7 = cpuid(7, 0);
  f.avx2 = bit(leaf7.ebx, 5);
  const bool avx512 = bit(leaf7.ebx, 16) /* F */ && bit(leaf7.ebx, 17) /* DQ */ &&
                      bit(leaf7.ebx, 30) /* BW */ && bit(leaf7.ebx, 31) /* VL */;
  f.avx512 = f.avx2 && avx512 && (xcr & (kXmmYmm | kOpmaskZmm)) == (kXmmYmm | kOpmaskZmm);
  return f;
}

#elif defined(__aarch64__) || defined(_M_ARM64)

Features detect() {
  Features f;
  f.neon = true;  // Advanced SIMD is mandatory on AArch64
  return f;
}

#else

Features detect() { return {}; }

#endif

}  // namespace

const Features& features() {
  static const Features detected = detect();
  return detected;
}

}  // namespace cpu
}  // namespace simd_dropout
