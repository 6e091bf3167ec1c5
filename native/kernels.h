// Kernel signatures shared by every ISA. Plain C++: no N-API here.
//
// Kernels trust their arguments; binding.cc checks everything they rely on first.
//
// Mask layout: local mask element i is bit (i & 31) of maskBits[i >> 5], lowest bit first,
// 1 = kept. Kernels that write a mask write whole words [0, ceil(n / 32)) and set the bits
// past n in the last word to 0; they never read the caller's maskBits first.
#ifndef SIMD_DROPOUT_KERNELS_H_
#define SIMD_DROPOUT_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace simd_dropout {

// Where a mask lives in Philox counter space. Mask element i (local index) has the global
// index g = offset + i; it uses Philox4x32-10 with key (keyLo, keyHi) and counter
// (blk lo32, blk hi32, streamLo, streamHi), blk = g >> 2, and takes output word u = out[g & 3].
// It is dropped iff u < dropThreshold (so 0 keeps all and 2^32 drops all).
// The caller guarantees offset + n - 1 does not wrap past 2^64 - 1.
struct MaskStream {
  uint32_t keyLo;
  uint32_t keyHi;
  uint32_t streamLo;
  uint32_t streamHi;
  uint64_t offset;
  uint64_t dropThreshold;  // in [0, 2^32]
};

constexpr int kMaxRank = 32;

// How the elements of x (row-major over dims, last axis innermost) map onto mask bits:
// element coordinates c use mask index sum(c[d] * maskStrides[d]). A broadcast axis has
// stride 0. The caller guarantees the product of dims is the element count and every
// mask index is inside maskBits.
struct Layout {
  int rank;  // 1 .. kMaxRank
  uint64_t dims[kMaxRank];
  uint64_t maskStrides[kMaxRank];
};

// out[i] = kept(i) ? x[i] * scale : +0 (a select, so a dropped NaN or Inf becomes +0), and
// the mask is written to maskBits when it is not null. One pass; x may equal out.
using DropoutFusedF32 = void (*)(const float* x, float* out, uint32_t* maskBits, size_t n,
                                 const MaskStream& stream, float scale);
using DropoutFusedF64 = void (*)(const double* x, double* out, uint32_t* maskBits, size_t n,
                                 const MaskStream& stream, double scale);

// Writes the mask of count elements.
using GenerateMask = void (*)(uint32_t* maskBits, size_t count, const MaskStream& stream);

// out[j] = bit(maskIndex(j)) ? x[j] * scale : +0, with maskIndex given by layout.
// x may equal out.
using ApplyMaskF32 = void (*)(const float* x, float* out, const uint32_t* maskBits,
                              float scale, const Layout& layout);
using ApplyMaskF64 = void (*)(const double* x, double* out, const uint32_t* maskBits,
                              double scale, const Layout& layout);

// words[i] = word (g & 3) of Philox block g >> 2, g = offset + i (dropThreshold is ignored).
using RandomWords = void (*)(uint32_t* words, size_t n, const MaskStream& stream);

// One implementation of every kernel; all tables produce bit-identical results.
struct KernelTable {
  DropoutFusedF32 dropoutFusedF32;
  DropoutFusedF64 dropoutFusedF64;
  GenerateMask generateMask;
  ApplyMaskF32 applyMaskF32;
  ApplyMaskF64 applyMaskF64;
  RandomWords randomWords;
};

// Each kernels_<isa>.cc defines one table.
extern const KernelTable kScalarKernels;

}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_KERNELS_H_
