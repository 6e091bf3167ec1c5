// The SSE2 kernels: kernels_impl.h over 128-bit vectors. SSE2 is part of x86-64, so every
// x86-64 CPU runs these; the target region only states it (and keeps the file shaped like the
// others).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "normal.h"
#include "philox.h"

#if SIMD_DROPOUT_X86_KERNELS
#include <emmintrin.h>

SIMD_DROPOUT_TARGET_BEGIN("sse2")

namespace simd_dropout {
namespace {

struct Sse2 : VectorTypes<16> {
  static constexpr int kGroups = 3;

  static U32 mulHiLo(U32 a, U32 m, U32* lo) {
    const __m128i even = _mm_mul_epu32((__m128i)a, (__m128i)m);
    const __m128i odd = _mm_mul_epu32(_mm_srli_epi64((__m128i)a, 32), (__m128i)m);
    const __m128i low32 = _mm_set_epi32(0, -1, 0, -1);
    *lo = (U32)_mm_or_si128(_mm_and_si128(even, low32), _mm_slli_epi64(odd, 32));
    return (U32)_mm_or_si128(_mm_srli_epi64(even, 32), _mm_andnot_si128(low32, odd));
  }

  static void storeBlocks(U32 c0, U32 c1, U32 c2, U32 c3, uint32_t* out) {
    const __m128i t0 = _mm_unpacklo_epi32((__m128i)c0, (__m128i)c1);  // b0 b1 (w0 w1)
    const __m128i t1 = _mm_unpackhi_epi32((__m128i)c0, (__m128i)c1);  // b2 b3
    const __m128i t2 = _mm_unpacklo_epi32((__m128i)c2, (__m128i)c3);  // b0 b1 (w2 w3)
    const __m128i t3 = _mm_unpackhi_epi32((__m128i)c2, (__m128i)c3);
    __m128i* o = reinterpret_cast<__m128i*>(out);
    _mm_storeu_si128(o, _mm_unpacklo_epi64(t0, t2));
    _mm_storeu_si128(o + 1, _mm_unpackhi_epi64(t0, t2));
    _mm_storeu_si128(o + 2, _mm_unpacklo_epi64(t1, t3));
    _mm_storeu_si128(o + 3, _mm_unpackhi_epi64(t1, t3));
  }

  static uint32_t movemask(I32 m) {
    return static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps((__m128i)m)));
  }

  // A lane of 0 or all ones, twice, is the same as a 64-bit lane.
  static void widen(I32 m, I64* lo, I64* hi) {
    *lo = (I64)_mm_unpacklo_epi32((__m128i)m, (__m128i)m);
    *hi = (I64)_mm_unpackhi_epi32((__m128i)m, (__m128i)m);
  }

  // Non-temporal stores: p must be 16-byte aligned.
  static constexpr bool kStreamStores = true;
  template <typename V>
  static void streamStore(void* p, V v) {
    _mm_stream_si128(static_cast<__m128i*>(p), (__m128i)v);
  }
  static void streamFence() { _mm_sfence(); }

  static F64 sqrt(F64 v) { return (F64)_mm_sqrt_pd((__m128d)v); }

  static void interleave(F64 a, F64 b, double* out) {
    _mm_storeu_pd(out, _mm_unpacklo_pd((__m128d)a, (__m128d)b));
    _mm_storeu_pd(out + 2, _mm_unpackhi_pd((__m128d)a, (__m128d)b));
  }
};

}  // namespace
}  // namespace simd_dropout

#include "kernels_impl.h"

namespace simd_dropout {
extern const KernelTable kSse2Kernels = kernelTable<Sse2>();
}  // namespace simd_dropout

SIMD_DROPOUT_TARGET_END

#endif  // SIMD_DROPOUT_X86_KERNELS
