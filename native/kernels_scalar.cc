// The scalar reference kernels. Every other ISA must match these bit for bit, so they
// favour clarity: one pass, no allocation, one Philox block per four mask elements.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels.h"
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
    // Independent blocks in one loop, so the CPU overlaps their multiply chains.
    for (; b < blocks; ++b) generate(block_ + b, buf_ + 4 * b);
    carried_ = blocks > kChunkBlocks;
    block_ += kChunkBlocks;
    return buf_ + lane_;
  }

 private:
  static constexpr size_t kChunkBlocks = kWordBits / 4;

  void generate(uint64_t block, uint32_t* dst) const {
    // 64-bit block number: block 0xffffffff carries into counter word 1.
    const philox::Counter out = philox::philox4x32_10(
        {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), streamLo_, streamHi_},
        key_);
    std::copy(out.begin(), out.end(), dst);
  }

  philox::Key key_;
  uint32_t streamLo_;
  uint32_t streamHi_;
  uint64_t block_;  // the first block of the next chunk
  size_t lane_;
  bool carried_ = false;  // buf_'s last block is the next chunk's first
  uint32_t buf_[4 * (kChunkBlocks + 1)];
};

// Decides the next m (<= 32) elements: bit j is 1 iff element j is kept. Bits >= m are 0.
uint32_t nextMaskWord(ChunkWords& words, size_t m, uint64_t dropThreshold) {
  const uint32_t* u = words.next(m);
  uint32_t word = 0;
  for (size_t j = 0; j < m; ++j) {
    word |= static_cast<uint32_t>(uint64_t{u[j]} >= dropThreshold) << j;
  }
  return word;
}

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

// keep (0 or 1) ? value : +0. A select, not a multiply by 0 or 1, so a dropped NaN or Inf
// becomes +0. Done on the bits (AND with all ones or all zeros; all-zero bits are +0)
// because a random mask would defeat a branch predictor.
template <typename T>
T keepOrZero(uint32_t keep, T value) {
  using Bits = typename BitsOf<T>::type;
  Bits bits;
  std::memcpy(&bits, &value, sizeof bits);
  bits &= Bits{0} - Bits{keep};
  std::memcpy(&value, &bits, sizeof bits);
  return value;
}

// out[j] = bit j of word ? x[j] * scale : +0 for j < m (<= 32).
template <typename T>
void applyWord(const T* x, T* out, uint32_t word, size_t m, T scale) {
  for (size_t j = 0; j < m; ++j) out[j] = keepOrZero((word >> j) & 1u, x[j] * scale);
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
                  T scale) {
  if (n == 0) return;
  ChunkWords words(stream);
  for (size_t base = 0; base < n; base += kWordBits) {
    const size_t m = std::min(kWordBits, n - base);
    const uint32_t word = nextMaskWord(words, m, stream.dropThreshold);
    applyWord(x + base, out + base, word, m, scale);
    if (maskBits != nullptr) maskBits[base / kWordBits] = word;
  }
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
template <typename T>
void applyRun(const T* x, T* out, const uint32_t* maskBits, uint64_t first, size_t length,
              uint64_t stride, T scale) {
  if (stride == 0) {
    // Broadcast axis: one bit decides the whole run.
    if (maskBit(maskBits, first) != 0) {
      for (size_t k = 0; k < length; ++k) out[k] = x[k] * scale;
    } else {
      std::fill(out, out + length, T(0));
    }
  } else if (stride == 1) {
    for (size_t k = 0; k < length; k += kWordBits) {
      const size_t m = std::min(kWordBits, length - k);
      applyWord(x + k, out + k, loadBits(maskBits, first + k, m), m, scale);
    }
  } else {
    uint64_t index = first;
    for (size_t k = 0; k < length; ++k, index += stride) {
      out[k] = keepOrZero(maskBit(maskBits, index), x[k] * scale);
    }
  }
}

template <typename T>
void applyMask(const T* x, T* out, const uint32_t* maskBits, T scale, const Layout& layout) {
  for (int d = 0; d < layout.rank; ++d) {
    if (layout.dims[d] == 0) return;
  }
  const int inner = layout.rank - 1;
  const size_t runLength = static_cast<size_t>(layout.dims[inner]);
  const uint64_t runStride = layout.maskStrides[inner];
  uint64_t coord[kMaxRank] = {};
  uint64_t first = 0;  // mask index of the current run's first element
  for (size_t pos = 0;; pos += runLength) {
    applyRun(x + pos, out + pos, maskBits, first, runLength, runStride, scale);
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

}  // namespace

const KernelTable kScalarKernels = {
    dropoutFused<float>, dropoutFused<double>, generateMask,
    applyMask<float>,    applyMask<double>,    randomWords,
};

}  // namespace simd_dropout
