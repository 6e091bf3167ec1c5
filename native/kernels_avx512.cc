// The AVX-512 kernels: kernels_impl.h over 512-bit vectors, compiled for AVX-512 F, DQ, BW and
// VL inside a target region (not with -mavx512f), so nothing here runs unless dispatch.cc saw
// all four and the OS saves the opmask and ZMM registers (cpu.cc). The addon is built with
// -ffp-contract=off, so although AVX-512 F includes FMA, every multiply and add rounds apart.
//
// This machine's CPU has no AVX-512: these kernels are tested bit for bit against the scalar
// ones on an emulated Skylake-X (scripts/test-avx512.sh, under Bochs).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "normal.h"
#include "philox.h"

#if SIMD_DROPOUT_X86_KERNELS
// GCC 12's AVX-512 intrinsics read a self-initialised "undefined" vector, which its own
// -Wuninitialized and -Wmaybe-uninitialized report inside the header (GCC bug 105593): only the
// header's own lines are exempt.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Everything from here to the end of the region is compiled for AVX-512, and has internal
// linkage.
SIMD_DROPOUT_TARGET_BEGIN("avx512f,avx512dq,avx512bw,avx512vl")

namespace simd_dropout {
namespace {

struct Avx512 : VectorTypes<64> {
  // 4 x 16 blocks in flight: a round's chain (multiply, shuffle, two xors) is about 8 cycles,
  // and a group's round is 14 uops, so 4 groups keep two 512-bit pipes busy.
  static constexpr int kGroups = 4;

  // m has the same value in every lane. The two 64-bit products hold the words wanted in
  // alternate lanes: one merge-masked shuffle per result picks them (no vpmulld, which is two
  // uops on Intel's AVX-512 cores).
  static U32 mulHiLo(U32 a, U32 m, U32* lo) {
    const __m512i even = _mm512_mul_epu32((__m512i)a, (__m512i)m);
    const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64((__m512i)a, 32), (__m512i)m);
    // lane 2i + 1 of lo: the low word of odd's product i, which sits in lane 2i
    *lo = (U32)_mm512_mask_shuffle_epi32(even, 0xAAAA, odd, _MM_PERM_CDAB);
    // lane 2i of hi: the high word of even's product i, which sits in lane 2i + 1
    return (U32)_mm512_mask_shuffle_epi32(odd, 0x5555, even, _MM_PERM_CDAB);
  }

  static void storeBlocks(U32 c0, U32 c1, U32 c2, U32 c3, uint32_t* out) {
    const __m512i t0 = _mm512_unpacklo_epi32((__m512i)c0, (__m512i)c1);  // per 128 bits: w0 w1
    const __m512i t1 = _mm512_unpackhi_epi32((__m512i)c0, (__m512i)c1);
    const __m512i t2 = _mm512_unpacklo_epi32((__m512i)c2, (__m512i)c3);  // w2 w3
    const __m512i t3 = _mm512_unpackhi_epi32((__m512i)c2, (__m512i)c3);
    // 128-bit part k of bj: block 4k + j
    const __m512i b0 = _mm512_unpacklo_epi64(t0, t2);
    const __m512i b1 = _mm512_unpackhi_epi64(t0, t2);
    const __m512i b2 = _mm512_unpacklo_epi64(t1, t3);
    const __m512i b3 = _mm512_unpackhi_epi64(t1, t3);
    // a 4 x 4 transpose of 128-bit parts: output vector k is part k of b0, b1, b2, b3
    const __m512i p01 = _mm512_shuffle_i64x2(b0, b1, 0x44);  // b0.0 b0.1 b1.0 b1.1
    const __m512i p23 = _mm512_shuffle_i64x2(b2, b3, 0x44);
    const __m512i q01 = _mm512_shuffle_i64x2(b0, b1, 0xEE);  // b0.2 b0.3 b1.2 b1.3
    const __m512i q23 = _mm512_shuffle_i64x2(b2, b3, 0xEE);
    __m512i* o = reinterpret_cast<__m512i*>(out);
    _mm512_storeu_si512(o, _mm512_shuffle_i64x2(p01, p23, 0x88));
    _mm512_storeu_si512(o + 1, _mm512_shuffle_i64x2(p01, p23, 0xDD));
    _mm512_storeu_si512(o + 2, _mm512_shuffle_i64x2(q01, q23, 0x88));
    _mm512_storeu_si512(o + 3, _mm512_shuffle_i64x2(q01, q23, 0xDD));
  }

  static uint32_t movemask(I32 m) { return _mm512_movepi32_mask((__m512i)m); }

  static void widen(I32 m, I64* lo, I64* hi) {
    *lo = (I64)_mm512_cvtepi32_epi64(_mm512_castsi512_si256((__m512i)m));
    *hi = (I64)_mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64((__m512i)m, 1));
  }

  // Non-temporal stores, 16 bytes at a time: p need only be 16-byte aligned.
  static constexpr bool kStreamStores = true;
  template <typename V>
  static void streamStore(void* p, V v) {
    __m128i* line = static_cast<__m128i*>(p);
    _mm_stream_si128(line, _mm512_castsi512_si128((__m512i)v));
    _mm_stream_si128(line + 1, _mm512_extracti32x4_epi32((__m512i)v, 1));
    _mm_stream_si128(line + 2, _mm512_extracti32x4_epi32((__m512i)v, 2));
    _mm_stream_si128(line + 3, _mm512_extracti32x4_epi32((__m512i)v, 3));
  }
  static void streamFence() { _mm_sfence(); }

  static F64 sqrt(F64 v) { return (F64)_mm512_sqrt_pd((__m512d)v); }

  static void interleave(F64 a, F64 b, double* out) {
    // lane indices into (a, b): 0-7 are a's lanes, 8-15 b's
    const __m512i front = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i back = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    _mm512_storeu_pd(out, _mm512_permutex2var_pd((__m512d)a, front, (__m512d)b));
    _mm512_storeu_pd(out + 8, _mm512_permutex2var_pd((__m512d)a, back, (__m512d)b));
  }
};

}  // namespace
}  // namespace simd_dropout

#include "kernels_impl.h"

namespace simd_dropout {
extern const KernelTable kAvx512Kernels = kernelTable<Avx512>();
}  // namespace simd_dropout

SIMD_DROPOUT_TARGET_END

#endif  // SIMD_DROPOUT_X86_KERNELS
