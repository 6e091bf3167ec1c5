// Kernel signatures shared by every ISA. Plain C++: no N-API here.
//
// Kernels trust their arguments; binding.cc checks everything they rely on first. They
// allocate nothing. Unless said otherwise, an output may be the same array as an input of
// the same length (in place) but never overlaps one partly.
//
// Mask layout: local mask element i is bit (i & 31) of maskBits[i >> 5], lowest bit first,
// 1 = kept. Kernels that write a mask write whole words [0, ceil(n / 32)) and set the bits
// past n in the last word to 0; they never read the caller's maskBits first.
#ifndef SIMD_DROPOUT_KERNELS_H_
#define SIMD_DROPOUT_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SIMD_DROPOUT_X86_KERNELS 1
#else
#define SIMD_DROPOUT_X86_KERNELS 0
#endif
#if (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__) && defined(__ARM_NEON) && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SIMD_DROPOUT_NEON_KERNELS 1
#else
#define SIMD_DROPOUT_NEON_KERNELS 0
#endif

namespace simd_dropout {

// Where a mask lives in Philox counter space. Mask element i (local index) has the global
// index g = offset + i; it uses Philox4x32-10 with key (keyLo, keyHi) and counter
// (blk lo32, blk hi32, streamLo, streamHi), blk = g >> 2, and takes output word u = out[g & 3].
// It is dropped iff u < dropThreshold (so 0 keeps all and 2^32 drops all).
// The caller guarantees offset + n - 1 does not wrap past 2^64 - 1.
// Noise streams use the same coordinates (and ignore dropThreshold): element g takes the
// normals of block g >> 2 (normal.h).
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

// What a kept and a dropped element of type T become (KeepTransform in
// lib/backend/types.ts). Kept: p = x * T(scale), then p = p + T(shift) when hasShift, each
// operation rounded to T; with no shift nothing is added, so a kept -0 stays -0. Dropped:
// T(dropValue), by a select, so a dropped NaN or Inf never leaks through.
// Plain dropout is {scale, hasShift = false, shift = 0, dropValue = 0}.
struct KeepTransform {
  double scale;
  bool hasShift;
  double shift;  // ignored unless hasShift
  double dropValue;
};

enum class NoiseMode { kMultiply, kAdd };

// out[i] = kept(i) ? keep(x[i]) : drop, and the mask is written to maskBits when it is not
// null. One pass.
template <typename T>
using DropoutFused = void (*)(const T* x, T* out, uint32_t* maskBits, size_t n,
                              const MaskStream& stream, const KeepTransform& transform);

// out[j] = bit(maskIndex(j)) ? keep(x[j]) : drop, with maskIndex given by layout.
template <typename T>
using ApplyMask = void (*)(const T* x, T* out, const uint32_t* maskBits,
                           const KeepTransform& transform, const Layout& layout);

// With z the standard normal of element offset + i (normal.h), computed in double and
// rounded once to T: out[i] = x[i] * (1 + stddev * z) (kMultiply) or x[i] + stddev * z
// (kAdd). stream.dropThreshold is ignored.
template <typename T>
using GaussianNoise = void (*)(const T* x, T* out, size_t n, const MaskStream& stream,
                               double stddev, NoiseMode mode);

// Fused bias-dropout-add over n elements, C = biasLength (n % C == 0, C >= 1 when n > 0):
// t = x[j] + bias[j % C]; out[j] = residual[j] + (kept(j) ? t * scale : +0), each operation
// rounded to T. Mask as in DropoutFused. out may be x or residual; bias never overlaps out.
template <typename T>
using BiasDropoutAdd = void (*)(const T* x, const T* bias, size_t biasLength, const T* residual,
                                T* out, uint32_t* maskBits, size_t n, const MaskStream& stream,
                                T scale);

// out[c] = sum over r < rowCount of rows[r * columns + c], accumulated in double from 0.0 in
// row order and rounded once to T; columns >= 1. out never overlaps rows.
template <typename T>
using ColumnSums = void (*)(const T* rows, size_t rowCount, T* out, size_t columns);

// out[i] = x[i] * factor.
template <typename T>
using Scale = void (*)(const T* x, T* out, size_t n, T factor);

// Writes the mask of count elements.
using GenerateMask = void (*)(uint32_t* maskBits, size_t count, const MaskStream& stream);

// words[i] = word (g & 3) of Philox block g >> 2, g = offset + i (dropThreshold is ignored).
using RandomWords = void (*)(uint32_t* words, size_t n, const MaskStream& stream);

// out[i] = the standard normal z of element offset + i (dropThreshold is ignored).
using NormalValues = void (*)(double* out, size_t n, const MaskStream& stream);

// The kernels of one element type.
template <typename T>
struct FloatKernels {
  DropoutFused<T> dropoutFused;
  ApplyMask<T> applyMask;
  GaussianNoise<T> gaussianNoise;
  BiasDropoutAdd<T> biasDropoutAdd;
  ColumnSums<T> columnSums;
  Scale<T> scale;
};

// One implementation of every kernel; all tables produce bit-identical results.
struct KernelTable {
  FloatKernels<float> f32;
  FloatKernels<double> f64;
  GenerateMask generateMask;
  RandomWords randomWords;
  NormalValues normalValues;

  template <typename T>
  const FloatKernels<T>& of() const {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "kernels exist for float and double");
    if constexpr (std::is_same_v<T, float>) {
      return f32;
    } else {
      return f64;
    }
  }
};

// Each kernels_<isa>.cc defines one table. The SIMD ones exist where the compiler supports
// target regions (GCC and Clang) on a little-endian target of their architecture; elsewhere
// (MSVC, other CPUs) the build has the scalar kernels only.
extern const KernelTable kScalarKernels;

// The unsigned integer with the bits of a float type: the kernels select kept or dropped values
// on the bits. A type trait only, no code, so every kernel file can share it.
template <typename T>
struct BitsOf;
template <>
struct BitsOf<float> {
  using type = uint32_t;
};
template <>
struct BitsOf<double> {
  using type = uint64_t;
};

#if SIMD_DROPOUT_X86_KERNELS
// Open and close a target region: every function defined between them is compiled for the
// instruction sets `isa` names (a string such as "avx2"), whatever the build's flags say.
#define SIMD_DROPOUT_PRAGMA(...) _Pragma(#__VA_ARGS__)
#if defined(__clang__)
#define SIMD_DROPOUT_TARGET_BEGIN(isa) \
  SIMD_DROPOUT_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define SIMD_DROPOUT_TARGET_END SIMD_DROPOUT_PRAGMA(clang attribute pop)
#else
#define SIMD_DROPOUT_TARGET_BEGIN(isa) \
  SIMD_DROPOUT_PRAGMA(GCC push_options) SIMD_DROPOUT_PRAGMA(GCC target(isa))
#define SIMD_DROPOUT_TARGET_END SIMD_DROPOUT_PRAGMA(GCC pop_options)
#endif
#endif

#if SIMD_DROPOUT_X86_KERNELS || SIMD_DROPOUT_NEON_KERNELS
// The GCC/Clang vector types a SIMD policy computes with, `Bytes` wide. Types only, no code, so
// every kernel file can share them whatever its target region.
template <int Bytes>
struct VectorTypes {
  typedef uint32_t U32 __attribute__((vector_size(Bytes)));
  typedef int32_t I32 __attribute__((vector_size(Bytes)));
  typedef float F32 __attribute__((vector_size(Bytes)));
  typedef uint64_t U64 __attribute__((vector_size(Bytes)));
  typedef int64_t I64 __attribute__((vector_size(Bytes)));
  typedef double F64 __attribute__((vector_size(Bytes)));
};
#endif

#if SIMD_DROPOUT_X86_KERNELS
extern const KernelTable kSse2Kernels;
extern const KernelTable kAvx2Kernels;
extern const KernelTable kAvx512Kernels;
#endif
#if SIMD_DROPOUT_NEON_KERNELS
extern const KernelTable kNeonKernels;
#endif

}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_KERNELS_H_
