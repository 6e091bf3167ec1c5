// The scalar reference kernels. Every other ISA must match these bit for bit, so they
// favour clarity: one pass, no allocation, one Philox block per four mask elements.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "normal.h"
#include "philox.h"

namespace simd_dropout {
namespace {

constexpr size_t kWordBits = 32;

// The Philox output words of a mask stream, 32 at a time (one mask word's worth). Word i
// of the range (global index g = offset + i) is word g & 3 of block g >> 2, that is word
// lane + i of the blocks counted from offset >> 2, lane = offset & 3. So chunk c (words
// 32c .. 32c + 31) lies in blocks 8c .. 8c + 8, and when lane > 0 its last block is also
// the next chunk's first: that block is carried over instead of generated twice.
class ChunkWords {
 public:
  explicit ChunkWords(const MaskStream& s)
      : key_{s.keyLo, s.keyHi},
        streamLo_(s.streamLo),
        streamHi_(s.streamHi),
        block_(s.offset >> 2),
        lane_(static_cast<size_t>(s.offset & 3)) {}

  // The words of the next m range elements: m == 32, or less for the last chunk.
  const uint32_t* next(size_t m) {
    const size_t blocks = (lane_ + m + 3) / 4;  // 1 .. 9
    size_t b = 0;
    if (carried_) {
      std::copy(buf_ + 4 * kChunkBlocks, buf_ + 4 * kChunkBlocks + 4, buf_);
      b = 1;
    }
    // Independent blocks two at a time, so the CPU overlaps their multiply chains.
    for (; b + 2 <= blocks; b += 2) generate<2>(block_ + b, buf_ + 4 * b);
    if (b < blocks) generate<1>(block_ + b, buf_ + 4 * b);
    carried_ = blocks > kChunkBlocks;
    block_ += kChunkBlocks;
    return buf_ + lane_;
  }

 private:
  static constexpr size_t kChunkBlocks = kWordBits / 4;

  // Blocks block .. block + N - 1 into dst[0 .. 4N).
  template <size_t N>
  void generate(uint64_t block, uint32_t* dst) const {
    std::array<philox::Counter, N> ctr;
    for (size_t i = 0; i < N; ++i) {
      // 64-bit block number: block 0xffffffff carries into counter word 1.
      const uint64_t b = block + i;
      ctr[i] = {static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32), streamLo_, streamHi_};
    }
    ctr = philox::philox4x32Batch<10, N>(ctr, key_);
    for (size_t i = 0; i < N; ++i) std::copy(ctr[i].begin(), ctr[i].end(), dst + 4 * i);
  }

  philox::Key key_;
  uint32_t streamLo_;
  uint32_t streamHi_;
  uint64_t block_;  // the first block of the next chunk
  size_t lane_;
  bool carried_ = false;  // buf_'s last block is the next chunk's first
  uint32_t buf_[4 * (kChunkBlocks + 1)];
};

// Decides the next m (<= 32) elements, calls onElement(j, keep) with keep = 1 (kept) or 0
// for each, and returns them as a mask word: bit j = keep of element j, bits >= m are 0.
template <typename OnElement>
uint32_t nextMaskWord(ChunkWords& words, size_t m, uint64_t dropThreshold, OnElement&& onElement) {
  const uint32_t* u = words.next(m);
  uint32_t word = 0;
  for (size_t j = 0; j < m; ++j) {
    const uint32_t keep = uint64_t{u[j]} >= dropThreshold;
    word |= keep << j;
    onElement(j, keep);
  }
  return word;
}

uint32_t nextMaskWord(ChunkWords& words, size_t m, uint64_t dropThreshold) {
  return nextMaskWord(words, m, dropThreshold, [](size_t, uint32_t) {});
}

template <typename T>
using Bits = typename BitsOf<T>::type;

template <typename T>
Bits<T> bitsOf(T value) {
  Bits<T> bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

template <typename T>
T fromBits(Bits<T> bits) {
  T value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// keep (0 or 1) ? kept : +0, and keep ? kept : dropped. Selects, not multiplies by 0 or 1, so
// a dropped NaN or Inf never leaks through. Done on the bits (a mask of all ones or all
// zeros) because a random mask would defeat a branch predictor. The +0 form is one AND (all
// zero bits are +0), which plain dropout's throughput notices, hence two forms.
template <typename T>
T selectOrZero(uint32_t keep, T kept) {
  return fromBits<T>(bitsOf(kept) & (Bits<T>{0} - Bits<T>{keep}));
}

template <typename T>
T select(uint32_t keep, T kept, T dropped) {
  const Bits<T> d = bitsOf(dropped);
  return fromBits<T>(d ^ ((bitsOf(kept) ^ d) & (Bits<T>{0} - Bits<T>{keep})));
}

// A KeepTransform in T: kept x becomes x * scale (then + shift when Shift, each rounded to
// T), dropped becomes the drop value (+0 when ZeroDrop). Shift and ZeroDrop are template
// parameters so plain dropout (no shift, drop +0) pays neither for the add nor for the
// general select; withKeep picks the instance once per call.
template <typename T, bool Shift, bool ZeroDrop>
class Keep {
 public:
  explicit Keep(const KeepTransform& t)
      : scale_(static_cast<T>(t.scale)),
        shift_(Shift ? static_cast<T>(t.shift) : T(0)),
        dropped_(ZeroDrop ? T(0) : static_cast<T>(t.dropValue)) {}

  T kept(T x) const {
    T p = x * scale_;
    if constexpr (Shift) p = p + shift_;
    return p;
  }
  T dropped() const { return dropped_; }
  // keep (0 or 1) ? kept(x) : dropped()
  T operator()(uint32_t keep, T x) const {
    if constexpr (ZeroDrop) {
      return selectOrZero(keep, kept(x));
    } else {
      return select(keep, kept(x), dropped_);
    }
  }

 private:
  T scale_;
  T shift_;
  T dropped_;
};

// Calls f(keep) with the Keep that `transform` describes: plain (no shift, drop +0),
// scale-only with another drop value, or affine (a shift, any drop value).
template <typename T, typename F>
void withKeep(const KeepTransform& transform, F&& f) {
  if (transform.hasShift) {
    f(Keep<T, true, false>(transform));
  } else if (bitsOf(static_cast<T>(transform.dropValue)) == 0) {
    f(Keep<T, false, true>(transform));
  } else {
    f(Keep<T, false, false>(transform));
  }
}

// out[j] = bit j of word ? keep(x[j]) : drop for j < m (<= 32).
template <typename T, typename K>
void applyWord(const T* x, T* out, uint32_t word, size_t m, const K& keep) {
  for (size_t j = 0; j < m; ++j) out[j] = keep((word >> j) & 1u, x[j]);
}

uint32_t maskBit(const uint32_t* maskBits, uint64_t index) {
  return (maskBits[index / kWordBits] >> (index % kWordBits)) & 1u;
}

// Mask bits [first, first + m) as one word, bit j = mask bit first + j (bits >= m are
// unspecified); m <= 32. Touches the following word only when the bits reach into it.
uint32_t loadBits(const uint32_t* maskBits, uint64_t first, size_t m) {
  const uint64_t w = first / kWordBits;
  const unsigned shift = static_cast<unsigned>(first % kWordBits);
  uint32_t bits = maskBits[w] >> shift;
  if (shift != 0 && m > kWordBits - shift) bits |= maskBits[w + 1] << (kWordBits - shift);
  return bits;
}

template <typename T>
void dropoutFused(const T* x, T* out, uint32_t* maskBits, size_t n, const MaskStream& stream,
                  const KeepTransform& transform) {
  if (n == 0) return;
  withKeep<T>(transform, [&](const auto& keep) {
    ChunkWords words(stream);
    for (size_t base = 0; base < n; base += kWordBits) {
      const size_t m = std::min(kWordBits, n - base);
      const T* xs = x + base;
      T* outs = out + base;
      const uint32_t word = nextMaskWord(
          words, m, stream.dropThreshold,
          [&](size_t j, uint32_t kept) { outs[j] = keep(kept, xs[j]); });
      if (maskBits != nullptr) maskBits[base / kWordBits] = word;
    }
  });
}

void generateMask(uint32_t* maskBits, size_t count, const MaskStream& stream) {
  if (count == 0) return;
  ChunkWords words(stream);
  for (size_t base = 0; base < count; base += kWordBits) {
    maskBits[base / kWordBits] =
        nextMaskWord(words, std::min(kWordBits, count - base), stream.dropThreshold);
  }
}

// One innermost-axis run of applyMask: `length` elements whose mask indices are
// first, first + stride, ...
template <typename T, typename K>
void applyRun(const T* x, T* out, const uint32_t* maskBits, uint64_t first, size_t length,
              uint64_t stride, const K& keep) {
  if (stride == 0) {
    // Broadcast axis: one bit decides the whole run.
    if (maskBit(maskBits, first) != 0) {
      for (size_t k = 0; k < length; ++k) out[k] = keep.kept(x[k]);
    } else {
      std::fill(out, out + length, keep.dropped());
    }
  } else if (stride == 1) {
    for (size_t k = 0; k < length; k += kWordBits) {
      const size_t m = std::min(kWordBits, length - k);
      applyWord(x + k, out + k, loadBits(maskBits, first + k, m), m, keep);
    }
  } else {
    uint64_t index = first;
    for (size_t k = 0; k < length; ++k, index += stride) {
      out[k] = keep(maskBit(maskBits, index), x[k]);
    }
  }
}

template <typename T>
void applyMask(const T* x, T* out, const uint32_t* maskBits, const KeepTransform& transform,
               const Layout& layout) {
  for (int d = 0; d < layout.rank; ++d) {
    if (layout.dims[d] == 0) return;
  }
  withKeep<T>(transform, [&](const auto& keep) {
    const int inner = layout.rank - 1;
    const size_t runLength = static_cast<size_t>(layout.dims[inner]);
    const uint64_t runStride = layout.maskStrides[inner];
    uint64_t coord[kMaxRank] = {};
    uint64_t first = 0;  // mask index of the current run's first element
    for (size_t pos = 0;; pos += runLength) {
      applyRun(x + pos, out + pos, maskBits, first, runLength, runStride, keep);
      // Odometer over the outer axes; done when every one of them wraps.
      int d = inner - 1;
      for (; d >= 0; --d) {
        first += layout.maskStrides[d];
        if (++coord[d] < layout.dims[d]) break;
        first -= layout.dims[d] * layout.maskStrides[d];
        coord[d] = 0;
      }
      if (d < 0) return;
    }
  });
}

// Calls f(i, z) for i = 0 .. n - 1 in order, z the standard normal of element offset + i:
// one Philox block, and one blockNormals, per four elements.
template <typename F>
void forEachNormal(const MaskStream& stream, size_t n, F&& f) {
  const philox::Key key = {stream.keyLo, stream.keyHi};
  uint64_t block = stream.offset >> 2;
  size_t lane = static_cast<size_t>(stream.offset & 3);
  for (size_t i = 0; i < n; ++block, lane = 0) {
    // 64-bit block number: block 0xffffffff carries into counter word 1.
    const philox::Counter words = philox::philox4x32_10(
        {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), stream.streamLo,
         stream.streamHi},
        key);
    const std::array<double, 4> z = normal::blockNormals(words);
    for (; lane < 4 && i < n; ++lane, ++i) f(i, z[lane]);
  }
}

template <typename T, NoiseMode Mode>
void gaussianNoiseIn(const T* x, T* out, size_t n, const MaskStream& stream, double stddev) {
  forEachNormal(stream, n, [&](size_t i, double z) {
    const double v = static_cast<double>(x[i]);
    double y;
    if constexpr (Mode == NoiseMode::kMultiply) {
      y = v * (1.0 + stddev * z);
    } else {
      y = v + stddev * z;
    }
    out[i] = static_cast<T>(y);  // the only rounding to T
  });
}

template <typename T>
void gaussianNoise(const T* x, T* out, size_t n, const MaskStream& stream, double stddev,
                   NoiseMode mode) {
  if (mode == NoiseMode::kMultiply) {
    gaussianNoiseIn<T, NoiseMode::kMultiply>(x, out, n, stream, stddev);
  } else {
    gaussianNoiseIn<T, NoiseMode::kAdd>(x, out, n, stream, stddev);
  }
}

void normalValues(double* out, size_t n, const MaskStream& stream) {
  forEachNormal(stream, n, [out](size_t i, double z) { out[i] = z; });
}

template <typename T>
void biasDropoutAdd(const T* x, const T* bias, size_t biasLength, const T* residual, T* out,
                    uint32_t* maskBits, size_t n, const MaskStream& stream, T scale) {
  if (n == 0) return;
  ChunkWords words(stream);
  size_t column = 0;  // bias index of the next element: walks the rows, no per-element %
  for (size_t base = 0; base < n; base += kWordBits) {
    const size_t m = std::min(kWordBits, n - base);
    const uint32_t word = nextMaskWord(words, m, stream.dropThreshold);
    // The word's elements, as runs that end at the word's end or a row's end.
    for (size_t j = 0; j < m;) {
      const size_t run = std::min(m - j, biasLength - column);
      const T* b = bias + column;
      for (size_t k = 0; k < run; ++k) {
        const size_t e = base + j + k;
        const T t = x[e] + b[k];
        out[e] = residual[e] + selectOrZero((word >> (j + k)) & 1u, t * scale);
      }
      j += run;
      column += run;
      if (column == biasLength) column = 0;
    }
    if (maskBits != nullptr) maskBits[base / kWordBits] = word;
  }
}

// Column tiles of columnSums: one double accumulator per column of the tile, on the stack.
constexpr size_t kSumTile = 256;

template <typename T>
void columnSums(const T* rows, size_t rowCount, T* out, size_t columns) {
  double acc[kSumTile];
  for (size_t first = 0; first < columns; first += kSumTile) {
    const size_t width = std::min(kSumTile, columns - first);
    std::fill(acc, acc + width, 0.0);
    // Rows outer, so every column adds its values in row order, and reads stay sequential.
    for (size_t r = 0; r < rowCount; ++r) {
      const T* row = rows + r * columns + first;
      for (size_t c = 0; c < width; ++c) acc[c] = acc[c] + static_cast<double>(row[c]);
    }
    for (size_t c = 0; c < width; ++c) out[first + c] = static_cast<T>(acc[c]);
  }
}

template <typename T>
void scale(const T* x, T* out, size_t n, T factor) {
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * factor;
}

void randomWords(uint32_t* out, size_t n, const MaskStream& stream) {
  if (n == 0) return;
  ChunkWords words(stream);
  for (size_t base = 0; base < n; base += kWordBits) {
    const size_t m = std::min(kWordBits, n - base);
    const uint32_t* u = words.next(m);
    std::copy(u, u + m, out + base);
  }
}

template <typename T>
constexpr FloatKernels<T> floatKernels() {
  return {dropoutFused<T>, applyMask<T>, gaussianNoise<T>,
          biasDropoutAdd<T>, columnSums<T>, scale<T>};
}

}  // namespace

const KernelTable kScalarKernels = {
    floatKernels<float>(), floatKernels<double>(), generateMask, randomWords, normalValues,
};

}  // namespace simd_dropout
