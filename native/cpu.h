// What the CPU (and the operating system) let this process run, detected once.
//
// x86: CPUID for the instruction sets, and XGETBV for the register state the OS saves on a
// context switch (an instruction set whose registers the OS does not save is unusable).
// arm64: NEON (Advanced SIMD) is part of the architecture.
#ifndef SIMD_DROPOUT_CPU_H_
#define SIMD_DROPOUT_CPU_H_

namespace simd_dropout {
namespace cpu {

struct Features {
  bool sse2 = false;    // x86-64: always
  bool avx2 = false;    // CPUID AVX + AVX2, and the OS saves XMM and YMM state (XCR0 bits 1, 2)
  bool avx512 = false;  // AVX-512 F, BW, DQ, VL, and the OS saves XMM, YMM, opmask and ZMM state
                        // (XCR0 bits 1, 2, 5, 6, 7)
  bool neon = false;    // arm64: always
};

// Thread-safe; detects on the first call.
const Features& features();

}  // namespace cpu
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_CPU_H_
