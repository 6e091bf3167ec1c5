// The AVX2 kernels: kernels_impl.h over 256-bit vectors, compiled for AVX2 inside a target
// region (not with -mavx2), so nothing here runs unless dispatch.cc saw AVX2 (cpu.cc). FMA is
// deliberately not enabled: the kernels must round every multiply and add separately.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "normal.h"
#include "philox.h"

#if SIMD_DROPOUT_X86_KERNELS
#include <immintrin.h>

// Everything from here to the end of the region is compiled for AVX2, and has internal linkage.
SIMD_DROPOUT_TARGET_BEGIN("avx2")

namespace simd_dropout {
namespace {

struct Avx2 : VectorTypes<32> {
  // 4 x 8 blocks in flight: the measured best on Zen 3.
  static constexpr int kGroups = 4;

  // m has the same value in every lane. The low words by vpmulld (one uop on Zen 3) rather
  // than from the two 64-bit products: fewer shifts and blends, about 10% faster there.
  static U32 mulHiLo(U32 a, U32 m, U32* lo) {
    const __m256i even = _mm256_mul_epu32((__m256i)a, (__m256i)m);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64((__m256i)a, 32), (__m256i)m);
    *lo = (U32)_mm256_mullo_epi32((__m256i)a, (__m256i)m);
    return (U32)_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
  }

  static void storeBlocks(U32 c0, U32 c1, U32 c2, U32 c3, uint32_t* out) {
    const __m256i t0 = _mm256_unpacklo_epi32((__m256i)c0, (__m256i)c1);  // b0 b1 | b4 b5 (w0 w1)
    const __m256i t1 = _mm256_unpackhi_epi32((__m256i)c0, (__m256i)c1);  // b2 b3 | b6 b7
    const __m256i t2 = _mm256_unpacklo_epi32((__m256i)c2, (__m256i)c3);  // (w2 w3)
    const __m256i t3 = _mm256_unpackhi_epi32((__m256i)c2, (__m256i)c3);
    const __m256i b04 = _mm256_unpacklo_epi64(t0, t2);
    const __m256i b15 = _mm256_unpackhi_epi64(t0, t2);
    const __m256i b26 = _mm256_unpacklo_epi64(t1, t3);
    const __m256i b37 = _mm256_unpackhi_epi64(t1, t3);
    __m256i* o = reinterpret_cast<__m256i*>(out);
    _mm256_storeu_si256(o, _mm256_permute2x128_si256(b04, b15, 0x20));
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(b26, b37, 0x20));
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(b04, b15, 0x31));
    _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(b26, b37, 0x31));
  }

  static uint32_t movemask(I32 m) {
    return static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps((__m256i)m)));
  }

  static void widen(I32 m, I64* lo, I64* hi) {
    *lo = (I64)_mm256_cvtepi32_epi64(_mm256_castsi256_si128((__m256i)m));
    *hi = (I64)_mm256_cvtepi32_epi64(_mm256_extracti128_si256((__m256i)m, 1));
  }

  // Non-temporal stores, 16 bytes at a time: p need only be 16-byte aligned.
  static constexpr bool kStreamStores = true;
  template <typename V>
  static void streamStore(void* p, V v) {
    __m128i* line = static_cast<__m128i*>(p);
    _mm_stream_si128(line, _mm256_castsi256_si128((__m256i)v));
    _mm_stream_si128(line + 1, _mm256_extracti128_si256((__m256i)v, 1));
  }
  static void streamFence() { _mm_sfence(); }

  static F64 sqrt(F64 v) { return (F64)_mm256_sqrt_pd((__m256d)v); }

  static void interleave(F64 a, F64 b, double* out) {
    const __m256d lo = _mm256_unpacklo_pd((__m256d)a, (__m256d)b);  // a0 b0 | a2 b2
    const __m256d hi = _mm256_unpackhi_pd((__m256d)a, (__m256d)b);  // a1 b1 | a3 b3
    _mm256_storeu_pd(out, _mm256_permute2f128_pd(lo, hi, 0x20));
    _mm256_storeu_pd(out + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
  }
};

}  // namespace
}  // namespace simd_dropout

#include "kernels_impl.h"

namespace simd_dropout {
extern const KernelTable kAvx2Kernels = kernelTable<Avx2>();
}  // namespace simd_dropout

SIMD_DROPOUT_TARGET_END

#endif  // SIMD_DROPOUT_X86_KERNELS
