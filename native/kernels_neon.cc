// The NEON kernels: kernels_impl.h over 128-bit Advanced SIMD vectors. NEON is part of AArch64,
// so there is no target region to open; everything still has internal linkage, like the other
// kernel files.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "normal.h"
#include "philox.h"

#if SIMD_DROPOUT_NEON_KERNELS
#include <arm_neon.h>

namespace simd_dropout {
namespace {

struct Neon : VectorTypes<16> {
  // 32 registers: four groups of four blocks stay in registers.
  static constexpr int kGroups = 4;

  static U32 mulHiLo(U32 a, U32 m, U32* lo) {
    const uint32x4_t av = (uint32x4_t)a;
    const uint32x4_t mv = (uint32x4_t)m;
    const uint32x4_t p01 = vreinterpretq_u32_u64(vmull_u32(vget_low_u32(av), vget_low_u32(mv)));
    const uint32x4_t p23 = vreinterpretq_u32_u64(vmull_high_u32(av, mv));
    *lo = (U32)vuzp1q_u32(p01, p23);
    return (U32)vuzp2q_u32(p01, p23);
  }

  static void storeBlocks(U32 c0, U32 c1, U32 c2, U32 c3, uint32_t* out) {
    uint32x4x4_t blocks;
    blocks.val[0] = (uint32x4_t)c0;
    blocks.val[1] = (uint32x4_t)c1;
    blocks.val[2] = (uint32x4_t)c2;
    blocks.val[3] = (uint32x4_t)c3;
    vst4q_u32(out, blocks);  // out[4i + k] = ck[i]
  }

  static uint32_t movemask(I32 m) {
    const uint32x4_t laneBits = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32((uint32x4_t)m, laneBits));
  }

  static void widen(I32 m, I64* lo, I64* hi) {
    *lo = (I64)vmovl_s32(vget_low_s32((int32x4_t)m));
    *hi = (I64)vmovl_high_s32((int32x4_t)m);
  }

  // No non-temporal vector store here: every output goes through the cache.
  static constexpr bool kStreamStores = false;

  static F64 sqrt(F64 v) { return (F64)vsqrtq_f64((float64x2_t)v); }

  static void interleave(F64 a, F64 b, double* out) {
    float64x2x2_t pairs;
    pairs.val[0] = (float64x2_t)a;
    pairs.val[1] = (float64x2_t)b;
    vst2q_f64(out, pairs);  // a0 b0 a1 b1
  }
};

}  // namespace
}  // namespace simd_dropout

#include "kernels_impl.h"

namespace simd_dropout {
extern const KernelTable kNeonKernels = kernelTable<Neon>();
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_NEON_KERNELS
