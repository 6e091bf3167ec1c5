// The SIMD kernels, written once over an ISA policy and instantiated by each kernels_<isa>.cc
// inside that file's target region. Every result is bit-identical to kernels_scalar.cc.
//
// How to include it (see kernels_avx2.cc): first <cstddef>, <cstdint>, <cstring>, "kernels.h",
// "normal.h", "philox.h" and the intrinsics header the policy needs (this header includes
// nothing: a standard header opened inside a target region would compile its inline functions
// for that ISA), then open the target region (SIMD_DROPOUT_TARGET_BEGIN, kernels.h), define the
// policy in an anonymous namespace, include this header, and define the table with
// `extern const KernelTable kXKernels = kernelTable<Policy>();` (a constant initializer: no
// code of the region runs at load time). From philox.h and normal.h only constants are used.
//
// Everything here has internal linkage (an anonymous namespace) and uses no standard template,
// so each ISA's copy stays in its own object file: the linker can never pick an AVX2 copy of a
// function for a caller on another CPU. The vectors are GCC/Clang vector extensions, which the
// compiler lowers to the region's instruction set; the policy supplies the few operations they
// cannot express (a 32x32 -> 64-bit multiply, transposes, movemask, sqrt).
//
// A policy P provides:
//   U32, I32, F32, U64, I64, F64     vector types of one width (vector_size(W), W = 16, 32, ...)
//   kGroups                          Philox vectors in flight (the round chain is latency-bound)
//   U32 mulHiLo(U32 a, U32 m, U32* lo)   per lane: high 32 bits of a * m, low 32 bits in *lo
//                                    (m holds one value in every lane)
//   void storeBlocks(U32 c0, U32 c1, U32 c2, U32 c3, uint32_t* out)
//                                    lane i of ck is word k of block i: writes 4 * lanes words,
//                                    block by block (out[4i + k] = ck[i])
//   uint32_t movemask(I32 m)         bit i = lane i is all ones (lanes are 0 or all ones)
//   void widen(I32 m, I64* lo, I64* hi)  the lanes of m as 64-bit lanes (low half, high half)
//   kStreamStores                    whether the two below exist
//   void streamStore(void* p, V v)   a non-temporal store of vector v at 16-byte aligned p
//   void streamFence()               orders those stores before any later store
//   F64 sqrt(F64 v)                  IEEE square root per lane
//   void interleave(F64 a, F64 b, double* out)   out = a0 b0 a1 b1 ...
#ifndef SIMD_DROPOUT_KERNELS_IMPL_H_
#define SIMD_DROPOUT_KERNELS_IMPL_H_

namespace simd_dropout {
namespace {

// ---- small exact helpers (no standard templates inside a target region) ----

constexpr size_t kWordBits = 32;

// For the helpers a kernel's inner loop is made of: inlined, so that the lambdas they take
// become plain code whose captures live in registers.
#define SIMD_DROPOUT_INLINE inline __attribute__((always_inline))

// Fully unrolls the loop that follows (the Philox rounds and groups must live in registers).
#if defined(__clang__)
#define SIMD_DROPOUT_UNROLL _Pragma("clang loop unroll(full)")
#else
#define SIMD_DROPOUT_UNROLL _Pragma("GCC unroll 16")
#endif

inline size_t minSize(size_t a, size_t b) { return a < b ? a : b; }

// Bits j < m set (m <= 32).
inline uint32_t lowBits(size_t m) {
  return m >= kWordBits ? ~uint32_t{0} : (uint32_t{1} << m) - 1u;
}

template <typename T>
inline typename BitsOf<T>::type bitsOf(T value) {
  typename BitsOf<T>::type bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

template <typename V>
SIMD_DROPOUT_INLINE V load(const void* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename V>
SIMD_DROPOUT_INLINE void store(void* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// Reinterprets the bits of a vector as another vector type of the same size.
template <typename To, typename From>
SIMD_DROPOUT_INLINE To bitcast(From from) {
  static_assert(sizeof(To) == sizeof(From), "same size");
  return (To)from;
}

template <typename V>
constexpr size_t lanesOf() {
  return sizeof(V) / sizeof(V{}[0]);
}

// A vector of one value, converted to the lane type. Floating-point lanes are filled through
// their bits (no arithmetic), so -0 and any NaN stay exactly as they are.
template <typename V, typename S>
SIMD_DROPOUT_INLINE V splat(S s) {
  using Lane = decltype(+V{}[0]);
  if constexpr (static_cast<Lane>(0.5) != 0) {  // floating-point lanes
    using Bits = decltype(V{} < V{});  // the signed integer vector of the same shape
    using BitsLane = decltype(+Bits{}[0]);
    return bitcast<V>(Bits{} + static_cast<BitsLane>(bitsOf(static_cast<Lane>(s))));
  } else {
    return V{} + static_cast<Lane>(s);
  }
}

// The vector types of element type T under policy P.
template <typename P, typename T>
struct VecOf;
template <typename P>
struct VecOf<P, float> {
  using Value = typename P::F32;
  using Mask = typename P::I32;  // the lanes of a keep mask: 0 or all ones
};
template <typename P>
struct VecOf<P, double> {
  using Value = typename P::F64;
  using Mask = typename P::I64;
};

// ---- Philox4x32-10, lanes of blocks ----

struct StreamKey {
  uint32_t key0;
  uint32_t key1;
  uint32_t streamLo;
  uint32_t streamHi;
};

// The key of each of the 10 rounds in every lane, made once per philoxBlocks call and read from
// memory by the round loop, rather than broadcast there for every group (float32 dropout on Zen 3:
// 2-5% faster with AVX2, 6% with SSE2).
template <typename P>
struct RoundKeys {
  typename P::U32 key0[10];
  typename P::U32 key1[10];
};

template <typename P>
inline RoundKeys<P> roundKeysOf(const StreamKey& sk) {
  using U32 = typename P::U32;
  RoundKeys<P> keys;
  uint32_t k0 = sk.key0;
  uint32_t k1 = sk.key1;
  for (int r = 0; r < 10; ++r) {
    keys.key0[r] = splat<U32>(k0);
    keys.key1[r] = splat<U32>(k1);
    k0 += philox::kBump0;
    k1 += philox::kBump1;
  }
  return keys;
}

// Rounds From .. 9 of G vectors of counters, in place.
template <typename P, int G, int From>
SIMD_DROPOUT_INLINE void philoxRounds(const RoundKeys<P>& keys, typename P::U32 (&c0)[G],
                                      typename P::U32 (&c1)[G], typename P::U32 (&c2)[G],
                                      typename P::U32 (&c3)[G]) {
  using U32 = typename P::U32;
  const U32 m0 = splat<U32>(philox::kMul0);
  const U32 m1 = splat<U32>(philox::kMul1);
  SIMD_DROPOUT_UNROLL
  for (int r = From; r < 10; ++r) {
    SIMD_DROPOUT_UNROLL
    for (int g = 0; g < G; ++g) {
      U32 lo0, lo1;
      const U32 hi0 = P::mulHiLo(c0[g], m0, &lo0);
      const U32 hi1 = P::mulHiLo(c2[g], m1, &lo1);
      c0[g] = hi1 ^ c1[g] ^ keys.key0[r];
      c1[g] = lo1;
      c2[g] = hi0 ^ c3[g] ^ keys.key1[r];
      c3[g] = lo0;
    }
  }
}

// G vectors of blocks first .. first + G * lanes - 1 into out, block by block (philox.h's words).
//
// Unless the blocks cross a multiple of 2^32, the lanes' counters differ only in word 0 (the low
// word of the block number). Round 1 then multiplies word 2 (the stream's low word), the same in
// every lane, and round 2 multiplies word 0 of round 1's output, which is made of uniform words
// only: both products are made once, in scalar, and rounds 1 and 2 cost one vector multiply each
// instead of two (float32 dropout on Zen 3, one thread, n = 1e3 to 1.6e7: 6-8% faster with AVX2,
// 5-11% with SSE2).
template <typename P, int G>
inline void philoxGroups(uint64_t first, const StreamKey& sk, const RoundKeys<P>& keys, uint32_t* out) {
  using U32 = typename P::U32;
  using I32 = typename P::I32;
  constexpr size_t L = lanesOf<U32>();
  U32 iota;
  for (size_t i = 0; i < L; ++i) iota[i] = static_cast<uint32_t>(i);
  U32 c0[G], c1[G], c2[G], c3[G];
  const uint32_t blockHi = static_cast<uint32_t>(first >> 32);
  const uint64_t last = first + static_cast<uint64_t>(G) * L - 1;
  if (static_cast<uint32_t>(last >> 32) != blockHi) {
    // Rare (once per 2^32 blocks): the vectors one by one, where the low word of a lane that
    // wrapped carries into the high word.
    if constexpr (G > 1) {
      for (int g = 0; g < G; ++g) philoxGroups<P, 1>(first + static_cast<uint64_t>(g) * L, sk, keys, out + 4 * L * g);
      return;
    } else {
      const U32 lo = splat<U32>(static_cast<uint32_t>(first));
      c0[0] = lo + iota;
      c1[0] = splat<U32>(blockHi) - bitcast<U32>((I32)(c0[0] < lo));
      c2[0] = splat<U32>(sk.streamLo);
      c3[0] = splat<U32>(sk.streamHi);
      philoxRounds<P, G, 0>(keys, c0, c1, c2, c3);
      P::storeBlocks(c0[0], c1[0], c2[0], c3[0], out);
      return;
    }
  }
  // round 1's uniform words: word 0 = hi(kMul1 * streamLo) ^ blockHi ^ key0, word 1 = its low half
  const uint64_t product1 = uint64_t{philox::kMul1} * sk.streamLo;
  const uint32_t round1Word0 = static_cast<uint32_t>(product1 >> 32) ^ blockHi ^ sk.key0;
  const uint32_t round1Word1 = static_cast<uint32_t>(product1);
  // round 2's product of that word 0
  const uint64_t product2 = uint64_t{philox::kMul0} * round1Word0;
  const uint32_t key0Round2 = sk.key0 + philox::kBump0;
  const uint32_t key1Round2 = sk.key1 + philox::kBump1;
  const U32 round1Xor2 = splat<U32>(sk.streamHi ^ sk.key1);
  const U32 round2Xor0 = splat<U32>(round1Word1 ^ key0Round2);
  const U32 round2Xor2 = splat<U32>(static_cast<uint32_t>(product2 >> 32) ^ key1Round2);
  const U32 round2Word3 = splat<U32>(static_cast<uint32_t>(product2));
  const U32 m0 = splat<U32>(philox::kMul0);
  const U32 m1 = splat<U32>(philox::kMul1);
  SIMD_DROPOUT_UNROLL
  for (int g = 0; g < G; ++g) {
    const U32 word0 = splat<U32>(static_cast<uint32_t>(first + static_cast<uint64_t>(g) * L)) + iota;
    U32 round1Word3;
    const U32 round1Word2 = P::mulHiLo(word0, m0, &round1Word3) ^ round1Xor2;
    U32 lo;
    c0[g] = P::mulHiLo(round1Word2, m1, &lo) ^ round2Xor0;
    c1[g] = lo;
    c2[g] = round1Word3 ^ round2Xor2;
    c3[g] = round2Word3;
  }
  philoxRounds<P, G, 2>(keys, c0, c1, c2, c3);
  SIMD_DROPOUT_UNROLL
  for (int g = 0; g < G; ++g) P::storeBlocks(c0[g], c1[g], c2[g], c3[g], out + 4 * L * g);
}

// Blocks first .. first + count - 1 into out, block by block; count is a multiple of the
// policy's lane count.
template <typename P>
inline void philoxBlocks(uint64_t first, size_t count, const StreamKey& sk, uint32_t* out) {
  constexpr size_t L = lanesOf<typename P::U32>();
  constexpr size_t kChunk = P::kGroups * L;
  const RoundKeys<P> keys = roundKeysOf<P>(sk);
  size_t b = 0;
  for (; b + kChunk <= count; b += kChunk) philoxGroups<P, P::kGroups>(first + b, sk, keys, out + 4 * b);
  for (; b < count; b += L) philoxGroups<P, 1>(first + b, sk, keys, out + 4 * b);
}

// ---- standard normals (normal.h, the same IEEE operations in the same order) ----

// 1 / (2k + 1), (-1)^n / (2n + 1)!, (-1)^n / (2n)!: normal.h's tables, as plain arrays.
struct NormalCoefficients {
  double atanh[12];
  double sin[9];
  double cos[10];
};

constexpr NormalCoefficients normalCoefficients() {
  NormalCoefficients c{};
  for (size_t i = 0; i < 12; ++i) c.atanh[i] = normal::kAtanh[i];
  for (size_t i = 0; i < 9; ++i) c.sin[i] = normal::kSin[i];
  for (size_t i = 0; i < 10; ++i) c.cos[i] = normal::kCos[i];
  return c;
}

constexpr NormalCoefficients kCoefficients = normalCoefficients();

// c[0] + t (c[1] + t (c[2] + ...)), as normal::horner.
template <typename F64, size_t N>
SIMD_DROPOUT_INLINE F64 horner(const double (&c)[N], F64 t) {
  F64 sum = splat<F64>(c[N - 1]);
  for (size_t i = N - 1; i-- > 0;) sum = splat<F64>(c[i]) + t * sum;
  return sum;
}

// The double of an integer 0 <= u < 2^52 held in a 64-bit lane: exact.
template <typename F64, typename U64>
SIMD_DROPOUT_INLINE F64 smallToDouble(U64 u) {
  constexpr uint64_t kTwo52Bits = 0x4330000000000000u;  // 2^52
  return bitcast<F64>(u | splat<U64>(kTwo52Bits)) - splat<F64>(4503599627370496.0);
}

// normal::logUniform per lane (w: the word, zero-extended). v = w + 0.5 exactly; its exponent
// is read from its bits (floor(log2 w), or -1 for w = 0, as floorLog2 gives) and m is v with
// that exponent removed: the same exact values as v / 2^exponent. The halving of m > √2 is a
// select. e - 32 is a small integer, converted exactly through 2^52 + 2^51.
template <typename F64, typename U64, typename I64>
SIMD_DROPOUT_INLINE F64 logUniform(U64 w) {
  // (2^52 + w) - (2^52 - 0.5) = w + 0.5, exactly (both operands and the result are doubles)
  const F64 v = bitcast<F64>(w | splat<U64>(0x4330000000000000u)) -
                splat<F64>(4503599627370495.5);
  const U64 bits = bitcast<U64>(v);
  const U64 biased = bits >> 52;  // v > 0, so no sign bit
  F64 m = bitcast<F64>((bits & splat<U64>(0x000FFFFFFFFFFFFFu)) | splat<U64>(0x3FF0000000000000u));
  const I64 big = (I64)(m > splat<F64>(normal::kSqrt2));  // all ones where m > √2
  m = bitcast<F64>(bitcast<U64>(m) - (bitcast<U64>(big) & splat<U64>(uint64_t{1} << 52)));  // m / 2
  // e - 32 = biased - 1023 - 32, plus 1 where halved; as a double through 2^52 + 2^51
  const U64 eMinus32 = biased - splat<U64>(1023 + 32) - bitcast<U64>(big);
  const F64 e = bitcast<F64>(eMinus32 + splat<U64>(0x4338000000000000u)) -
                splat<F64>(6755399441055744.0);
  const F64 one = splat<F64>(1.0);
  const F64 s = (m - one) / (m + one);
  const F64 lnM = splat<F64>(2.0) * s * horner(kCoefficients.atanh, s * s);
  return e * splat<F64>(normal::kLn2) + lnM;
}

// normal::sinCosTurn per lane (w zero-extended): the octant's reduction as integer selects,
// the quarter-turn switch as a swap and two sign flips.
template <typename F64, typename U64>
SIMD_DROPOUT_INLINE void sinCosTurn(U64 w, F64* sinOut, F64* cosOut) {
  const U64 octant = w >> 29;
  const U64 within = w & splat<U64>(normal::kEighthTurn - 1);
  const U64 odd = splat<U64>(0) - (octant & splat<U64>(1));  // all ones in odd octants
  // odd octants: a = -(2^29 - within) · unit; the negation is exact, so it is a sign flip
  const U64 t = within ^ ((within ^ (splat<U64>(normal::kEighthTurn) - within)) & odd);
  const U64 signBit = splat<U64>(uint64_t{1} << 63);
  const F64 a = bitcast<F64>(bitcast<U64>(smallToDouble<F64>(t) * splat<F64>(normal::kAnglePerUnit)) ^
                             (odd & signBit));
  const F64 a2 = a * a;
  const F64 sinA = a * horner(kCoefficients.sin, a2);
  const F64 cosA = horner(kCoefficients.cos, a2);
  const U64 q = (octant + splat<U64>(1)) >> 1;  // quarter turns (mod 4 below)
  const U64 swap = splat<U64>(0) - (q & splat<U64>(1));
  const U64 sinBits = bitcast<U64>(sinA);
  const U64 cosBits = bitcast<U64>(cosA);
  const U64 exchanged = (sinBits ^ cosBits) & swap;
  // q = 0: (sin, cos); 1: (cos, -sin); 2: (-sin, -cos); 3: (-cos, sin)
  const U64 negateSin = (q << 62) & signBit;     // q & 2
  const U64 negateCos = (q ^ (q >> 1)) << 63;    // (q & 1) ^ ((q >> 1) & 1)
  *sinOut = bitcast<F64>((sinBits ^ exchanged) ^ negateSin);
  *cosOut = bitcast<F64>((cosBits ^ exchanged) ^ negateCos);
}

// The normals of `blocks` Philox blocks (a multiple of the policy's U32 lane count) in element
// order: pair p = words (2p, 2p + 1) gives z[2p] = r cos θ, z[2p + 1] = r sin θ. (Interleaving
// two or four vectors' chains per iteration measured no faster: the loop is throughput-bound.)
template <typename P>
inline void normalsFromWords(const uint32_t* words, size_t blocks, double* z) {
  using F64 = typename P::F64;
  using U64 = typename P::U64;
  using I64 = typename P::I64;
  constexpr size_t L = lanesOf<F64>();
  const U64 low32 = splat<U64>(uint64_t{0xFFFFFFFFu});
  for (size_t p = 0; p < 2 * blocks; p += L) {
    // L pairs: each 64-bit lane holds (angle word << 32) | radius word (little-endian)
    const U64 w = load<U64>(words + 2 * p);
    const F64 logU = logUniform<F64, U64, I64>(w & low32);
    F64 sinT, cosT;
    sinCosTurn<F64>(w >> 32, &sinT, &cosT);
    const F64 r = P::sqrt(splat<F64>(-2.0) * logU);
    P::interleave(r * cosT, r * sinT, z + 2 * p);
  }
}

// ---- the values of a stream, 32 elements at a time ----

// Blocks per tile of generated values: a multiple of every policy's lane count.
constexpr size_t kTileBlocks = 256;

// The values of `blocks` Philox blocks from `firstBlock`: the raw words (V = uint32_t), or their
// standard normals (V = double), made through `words`, scratch for 4 * blocks words.
template <class P, class V>
inline void blockValues(uint64_t firstBlock, size_t blocks, const StreamKey& key, uint32_t* words, V* out) {
  if constexpr (sizeof(V) == sizeof(uint32_t)) {
    philoxBlocks<P>(firstBlock, blocks, key, out);
  } else {
    philoxBlocks<P>(firstBlock, blocks, key, words);
    normalsFromWords<P>(words, blocks, out);
  }
}

// Philox words (V = uint32_t) or standard normals (V = double) of elements offset + i, made a
// tile of blocks at a time and handed out 32 at a time. A group of 32 elements may straddle two
// tiles (when offset % 4 != 0): the unused values of a tile move in front of the next one.
template <typename P, typename V>
class TileStream {
 public:
  // For the first roundUp(n, 32) elements of `stream`.
  TileStream(const MaskStream& stream, size_t n)
      : key_{stream.keyLo, stream.keyHi, stream.streamLo, stream.streamHi},
        nextBlock_(stream.offset >> 2),
        blocksLeft_((static_cast<size_t>(stream.offset & 3) + ((n + 31) & ~size_t{31}) + 3) / 4),
        skip_(static_cast<size_t>(stream.offset & 3)) {}

  // The values of the next elements, at least 32 of them: returns them and sets *count to
  // their number, a multiple of 32 but no more than `remaining` rounded up to 32.
  const V* take(size_t remaining, size_t* count) {
    if (available_ < kWordBits) refill();
    size_t c = available_ & ~(kWordBits - 1);
    const size_t wanted = (remaining + kWordBits - 1) & ~(kWordBits - 1);
    if (c > wanted) c = wanted;
    const V* values = current_;
    current_ += c;
    available_ -= c;
    *count = c;
    return values;
  }

 private:

  __attribute__((noinline)) void refill() {
    V* kept = values_ + kWordBits - available_;
    for (size_t i = 0; i < available_; ++i) kept[i] = current_[i];
    const size_t blocks = minSize(kTileBlocks, blocksLeft_);
    constexpr size_t L = lanesOf<typename P::U32>();
    const size_t generated = (blocks + L - 1) / L * L;
    blockValues<P>(nextBlock_, generated, key_, words_, values_ + kWordBits);
    nextBlock_ += blocks;
    blocksLeft_ -= blocks;
    current_ = kept + skip_;
    available_ += 4 * blocks - skip_;
    skip_ = 0;
  }

  StreamKey key_;
  uint64_t nextBlock_;
  size_t blocksLeft_;
  size_t skip_;  // the first refill starts at word offset & 3 of its first block
  V* current_ = nullptr;
  size_t available_ = 0;
  alignas(64) V values_[kWordBits + 4 * kTileBlocks];
  alignas(64) uint32_t words_[sizeof(V) == sizeof(uint32_t) ? 1 : 4 * kTileBlocks];
};

// ---- keep decisions: 32 elements as vectors of lane masks ----

template <typename P>
struct Decisions {
  static constexpr size_t kVectors = kWordBits / lanesOf<typename P::I32>();
  typename P::I32 keep[kVectors];  // lane j of vector v: element v * lanes + j, 0 or all ones
};

// From a mask word: bit j decides element j.
template <typename P>
SIMD_DROPOUT_INLINE Decisions<P> decisionsOf(uint32_t word) {
  using U32 = typename P::U32;
  using I32 = typename P::I32;
  constexpr size_t L = lanesOf<U32>();
  Decisions<P> d;
  const U32 words = splat<U32>(word);
  for (size_t v = 0; v < Decisions<P>::kVectors; ++v) {
    U32 laneBit;  // lane i: bit v * L + i (constants)
    for (size_t i = 0; i < L; ++i) laneBit[i] = uint32_t{1} << (v * L + i);
    d.keep[v] = (I32)((words & laneBit) == laneBit);
  }
  return d;
}

// From 32 Philox words: kept iff u > dropThreshold - 1 (dropThreshold in [1, 2^32]).
template <typename P>
SIMD_DROPOUT_INLINE Decisions<P> decisionsOf(const uint32_t* u, uint32_t thresholdMinus1) {
  using U32 = typename P::U32;
  using I32 = typename P::I32;
  constexpr size_t L = lanesOf<U32>();
  Decisions<P> d;
  const U32 limit = splat<U32>(thresholdMinus1);
  for (size_t v = 0; v < Decisions<P>::kVectors; ++v) {
    d.keep[v] = (I32)(load<U32>(u + v * L) > limit);
  }
  return d;
}

template <typename P>
SIMD_DROPOUT_INLINE uint32_t wordOf(const Decisions<P>& d) {
  constexpr size_t L = lanesOf<typename P::I32>();
  uint32_t word = 0;
  for (size_t v = 0; v < Decisions<P>::kVectors; ++v) word |= P::movemask(d.keep[v]) << (v * L);
  return word;
}

// Calls f(vector index, mask) for the value vectors of T that cover the 32 elements.
template <typename P, typename T, typename F>
SIMD_DROPOUT_INLINE void forEachMask(const Decisions<P>& d, F&& f) {
  if constexpr (sizeof(T) == sizeof(float)) {
    for (size_t v = 0; v < Decisions<P>::kVectors; ++v) f(v, d.keep[v]);
  } else {
    for (size_t v = 0; v < Decisions<P>::kVectors; ++v) {
      typename P::I64 lo, hi;
      P::widen(d.keep[v], &lo, &hi);
      f(2 * v, lo);
      f(2 * v + 1, hi);
    }
  }
}

// Calls f(base, m, decisions) for the groups of 32 elements [base, base + m) of the stream's
// first n elements, in order (m < 32 only for the last). A threshold of 0 keeps everything and
// 2^32 drops everything whatever the words are, so those take no words.
template <typename P, typename F>
SIMD_DROPOUT_INLINE void forEachGroup(const MaskStream& stream, size_t n, F&& f) {
  const uint64_t threshold = stream.dropThreshold;
  if (threshold == 0 || threshold > 0xFFFFFFFFu) {
    const Decisions<P> all = decisionsOf<P>(threshold == 0 ? ~uint32_t{0} : 0);
    for (size_t base = 0; base < n; base += kWordBits) f(base, minSize(kWordBits, n - base), all);
    return;
  }
  TileStream<P, uint32_t> words(stream, n);
  for (size_t base = 0; base < n;) {
    size_t count;
    const uint32_t* u = words.take(n - base, &count);
    for (size_t j = 0; j < count; j += kWordBits) {
      f(base + j, minSize(kWordBits, n - base - j),
        decisionsOf<P>(u + j, static_cast<uint32_t>(threshold - 1)));
    }
    base += count;
  }
}

// ---- what kept and dropped elements become ----

// Keep<T, Shift, ZeroDrop> of kernels_scalar.cc on vectors: kept x * scale (+ shift), dropped
// the drop value, by a select on the bits.
template <typename P, typename T, bool Shift, bool ZeroDrop>
class VecKeep {
 public:
  using Value = typename VecOf<P, T>::Value;
  using Mask = typename VecOf<P, T>::Mask;

  explicit VecKeep(const KeepTransform& t)
      : scale_(splat<Value>(static_cast<T>(t.scale))),
        shift_(splat<Value>(Shift ? static_cast<T>(t.shift) : T(0))),
        dropped_(splat<Mask>(ZeroDrop ? 0 : static_cast<int64_t>(bitsOf(static_cast<T>(t.dropValue))))) {}

  Value operator()(Mask keep, Value x) const {
    Value p = x * scale_;
    if constexpr (Shift) p = p + shift_;
    const Mask kept = bitcast<Mask>(p);
    if constexpr (ZeroDrop) {
      return bitcast<Value>(kept & keep);
    } else {
      return bitcast<Value>(dropped_ ^ ((kept ^ dropped_) & keep));
    }
  }

 private:
  Value scale_;
  Value shift_;
  Mask dropped_;
};

template <typename P, typename T, typename F>
inline void withKeep(const KeepTransform& transform, F&& f) {
  if (transform.hasShift) {
    f(VecKeep<P, T, true, false>(transform));
  } else if (bitsOf(static_cast<T>(transform.dropValue)) == 0) {
    f(VecKeep<P, T, false, true>(transform));
  } else {
    f(VecKeep<P, T, false, false>(transform));
  }
}

// ---- how results are stored: through the cache, or around it ----

// Outputs (of one kernel call: one thread's share) at least this large would not stay in the
// cache for their reader anyway: they are written with non-temporal stores, which skip reading
// each line in before overwriting it. Measured on Zen 3, float32 forward, one thread, G
// elements/s cached -> streamed: 4 MiB 1.29 -> 1.32, 16 MiB 1.11 -> 1.24, 64 MiB 0.97 -> 1.11.
constexpr size_t kStreamMinBytes = size_t{8} << 20;

struct CachedStores {
  static constexpr bool kStreaming = false;
  template <typename V>
  static void put(void* p, V v) {
    store(p, v);
  }
};

template <typename P>
struct StreamingStores {
  static constexpr bool kStreaming = true;
  template <typename V>
  static void put(void* p, V v) {
    P::streamStore(p, v);
  }
};

// Calls f(stores) with StreamingStores when `bytes` of output from `out` are worth streaming and
// can be, else with CachedStores. They can be when the policy has such stores, out is 16-byte
// aligned, and the output is `contiguous`: written front to back in whole 32-element groups from
// out, but for the last. (Short runs, as a broadcast layout writes, would mix streamed and cached
// stores in one cache line, and partial lines written around the cache are very slow: measured
// 5x slower than cached for spatial dropout's runs of 100 elements.) Streaming ends with a
// fence, so that the stores are visible before the caller reports the work done to another
// thread.
template <typename P, typename F>
SIMD_DROPOUT_INLINE void withStores(const void* out, size_t bytes, bool contiguous, F&& f) {
  if constexpr (P::kStreamStores) {
    if (bytes >= kStreamMinBytes && contiguous && reinterpret_cast<uintptr_t>(out) % 16 == 0) {
      f(StreamingStores<P>{});
      P::streamFence();
      return;
    }
  }
  f(CachedStores{});
}

// Runs body(x, out, stores) on m <= 32 elements: in place when m == 32, else through local
// copies (padded with zeros, stored through the cache) so the body always reads and writes 32
// whole elements.
template <typename Stores, typename T, typename Body>
SIMD_DROPOUT_INLINE void on32(const T* x, T* out, size_t m, Stores stores, Body&& body) {
  if (m == kWordBits) {
    body(x, out, stores);
    return;
  }
  alignas(64) T xs[kWordBits];
  alignas(64) T outs[kWordBits];
  for (size_t j = 0; j < kWordBits; ++j) xs[j] = j < m ? x[j] : T(0);
  body(static_cast<const T*>(xs), static_cast<T*>(outs), CachedStores{});
  for (size_t j = 0; j < m; ++j) out[j] = outs[j];
}

// out[j] = keep(decision j, x[j]) for 32 elements.
template <typename P, typename T, typename K, typename Stores>
SIMD_DROPOUT_INLINE void apply32(const T* x, T* out, const Decisions<P>& d, const K& keep, Stores) {
  using Value = typename VecOf<P, T>::Value;
  constexpr size_t L = lanesOf<Value>();
  forEachMask<P, T>(d, [&](size_t v, auto mask) {
    Stores::put(out + v * L, keep(mask, load<Value>(x + v * L)));
  });
}

// Arrays larger than this are assumed to stream from beyond L2: the forward kernels then
// prefetch their lines kPrefetchAhead elements ahead, so that memory keeps working while the
// next tile's Philox words are made (measured on Zen 3: about +20% at 16M elements; nothing
// gained in cache, hence the threshold).
constexpr size_t kPrefetchMinBytes = size_t{1} << 20;
constexpr size_t kPrefetchAhead = 2048;

// Prefetches the 32 elements at p + kPrefetchAhead (for writing when Write).
template <bool Write, typename T>
SIMD_DROPOUT_INLINE void prefetch32(const T* p) {
  const char* line = reinterpret_cast<const char*>(p + kPrefetchAhead);
  for (size_t b = 0; b < kWordBits * sizeof(T); b += 64) __builtin_prefetch(line + b, Write ? 1 : 0);
}

// ---- the kernels ----

template <typename P, typename T>
void dropoutFused(const T* x, T* out, uint32_t* maskBits, size_t n, const MaskStream& stream,
                  const KeepTransform& transform) {
  if (n == 0) return;
  withKeep<P, T>(transform, [&](const auto& keepRef) {
    const auto keep = keepRef;  // a local copy: its vectors stay in registers
    const size_t prefetchEnd = n * sizeof(T) >= kPrefetchMinBytes ? n - kPrefetchAhead : 0;
    withStores<P>(out, n * sizeof(T), true, [&](auto stores) {
      forEachGroup<P>(stream, n, [&](size_t base, size_t m, const Decisions<P>& d) {
        if (base + kWordBits <= prefetchEnd) {
          prefetch32<false>(x + base);
          if constexpr (!decltype(stores)::kStreaming) prefetch32<true>(out + base);
        }
        on32(x + base, out + base, m, stores,
             [&](const T* xs, T* outs, auto to) { apply32(xs, outs, d, keep, to); });
        if (maskBits != nullptr) maskBits[base / kWordBits] = wordOf(d) & lowBits(m);
      });
    });
  });
}

template <typename P>
void generateMask(uint32_t* maskBits, size_t count, const MaskStream& stream) {
  forEachGroup<P>(stream, count, [&](size_t base, size_t m, const Decisions<P>& d) {
    maskBits[base / kWordBits] = wordOf(d) & lowBits(m);
  });
}

inline uint32_t maskBit(const uint32_t* maskBits, uint64_t index) {
  return (maskBits[index / kWordBits] >> (index % kWordBits)) & 1u;
}

// Mask bits [first, first + m) as one word (bits >= m unspecified), m <= 32.
inline uint32_t loadBits(const uint32_t* maskBits, uint64_t first, size_t m) {
  const uint64_t w = first / kWordBits;
  const unsigned shift = static_cast<unsigned>(first % kWordBits);
  uint32_t bits = maskBits[w] >> shift;
  if (shift != 0 && m > kWordBits - shift) bits |= maskBits[w + 1] << (kWordBits - shift);
  return bits;
}

// One innermost-axis run of applyMask: `length` elements with mask indices first, first +
// stride, ..., 32 at a time as one word of decisions. The common cases get loops of their own:
// a broadcast run (one decision) and a contiguous one starting on a mask word.
template <typename P, typename T, typename K, typename Stores>
void applyRun(const T* x, T* out, const uint32_t* maskBits, uint64_t first, size_t length,
              uint64_t stride, const K& keep, Stores stores) {
  size_t k = 0;
  if (stride == 0) {
    const Decisions<P> d = decisionsOf<P>(maskBit(maskBits, first) != 0 ? ~uint32_t{0} : 0);
    for (; k + kWordBits <= length; k += kWordBits) apply32(x + k, out + k, d, keep, stores);
  } else if (stride == 1 && first % kWordBits == 0) {
    const uint32_t* words = maskBits + first / kWordBits;
    for (; k + kWordBits <= length; k += kWordBits) {
      apply32(x + k, out + k, decisionsOf<P>(words[k / kWordBits]), keep, stores);
    }
  }
  for (; k < length; k += kWordBits) {
    const size_t m = minSize(kWordBits, length - k);
    uint32_t word;
    if (stride == 0) {
      word = maskBit(maskBits, first) != 0 ? ~uint32_t{0} : 0;
    } else if (stride == 1) {
      word = loadBits(maskBits, first + k, m);
    } else {
      word = 0;
      uint64_t index = first + k * stride;
      for (size_t j = 0; j < m; ++j, index += stride) word |= maskBit(maskBits, index) << j;
    }
    const Decisions<P> d = decisionsOf<P>(word);
    on32(x + k, out + k, m, stores,
         [&](const T* xs, T* outs, auto to) { apply32(xs, outs, d, keep, to); });
  }
}

template <typename P, typename T>
void applyMask(const T* x, T* out, const uint32_t* maskBits, const KeepTransform& transform,
               const Layout& layout) {
  size_t n = 1;
  for (int d = 0; d < layout.rank; ++d) n *= static_cast<size_t>(layout.dims[d]);
  if (n == 0) return;
  const int inner = layout.rank - 1;
  const size_t runLength = static_cast<size_t>(layout.dims[inner]);
  const uint64_t runStride = layout.maskStrides[inner];
  withKeep<P, T>(transform, [&](const auto& keepRef) {
    const auto keep = keepRef;  // a local copy: its vectors stay in registers
    withStores<P>(out, n * sizeof(T), layout.rank == 1, [&](auto stores) {
      uint64_t coord[kMaxRank] = {};
      uint64_t first = 0;  // mask index of the current run's first element
      for (size_t pos = 0;; pos += runLength) {
        applyRun<P>(x + pos, out + pos, maskBits, first, runLength, runStride, keep, stores);
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
  });
}

template <typename P, typename T, NoiseMode Mode>
void gaussianNoiseIn(const T* x, T* out, size_t n, const MaskStream& stream, double stddev) {
  TileStream<P, double> normals(stream, n);
  for (size_t base = 0; base < n;) {
    size_t count;
    const double* z = normals.take(n - base, &count);
    const size_t m = minSize(count, n - base);
    const T* xs = x + base;
    T* outs = out + base;
    for (size_t j = 0; j < m; ++j) {
      const double v = static_cast<double>(xs[j]);
      double y;
      if constexpr (Mode == NoiseMode::kMultiply) {
        y = v * (1.0 + stddev * z[j]);
      } else {
        y = v + stddev * z[j];
      }
      outs[j] = static_cast<T>(y);  // the only rounding to T
    }
    base += m;
  }
}

template <typename P, typename T>
void gaussianNoise(const T* x, T* out, size_t n, const MaskStream& stream, double stddev,
                   NoiseMode mode) {
  if (n == 0) return;
  if (mode == NoiseMode::kMultiply) {
    gaussianNoiseIn<P, T, NoiseMode::kMultiply>(x, out, n, stream, stddev);
  } else {
    gaussianNoiseIn<P, T, NoiseMode::kAdd>(x, out, n, stream, stddev);
  }
}

// Writes the stream's values (V = uint32_t: words, double: normals) of its first n elements.
// When the stream starts on a block, whole tiles go straight into out; the rest (and any
// other start) through a TileStream.
template <typename P, typename V>
void copyStream(V* out, size_t n, const MaskStream& stream) {
  if (n == 0) return;
  size_t done = 0;
  if ((stream.offset & 3) == 0) {
    const StreamKey key{stream.keyLo, stream.keyHi, stream.streamLo, stream.streamHi};
    alignas(64) uint32_t words[sizeof(V) == sizeof(uint32_t) ? 1 : 4 * kTileBlocks];
    for (uint64_t block = stream.offset >> 2; done + 4 * kTileBlocks <= n; done += 4 * kTileBlocks) {
      blockValues<P>(block, kTileBlocks, key, words, out + done);
      block += kTileBlocks;
    }
    if (done == n) return;
  }
  MaskStream rest = stream;
  rest.offset += done;
  TileStream<P, V> values(rest, n - done);
  for (size_t base = done; base < n;) {
    size_t count;
    const V* v = values.take(n - base, &count);
    const size_t m = minSize(count, n - base);
    std::memcpy(out + base, v, m * sizeof(V));
    base += m;
  }
}

template <typename P>
void normalValues(double* out, size_t n, const MaskStream& stream) {
  copyStream<P>(out, n, stream);
}

template <typename P>
void randomWords(uint32_t* out, size_t n, const MaskStream& stream) {
  copyStream<P>(out, n, stream);
}

template <typename P, typename T>
void biasDropoutAdd(const T* x, const T* bias, size_t biasLength, const T* residual, T* out,
                    uint32_t* maskBits, size_t n, const MaskStream& stream, T scale) {
  if (n == 0) return;
  using Value = typename VecOf<P, T>::Value;
  using Mask = typename VecOf<P, T>::Mask;
  constexpr size_t L = lanesOf<Value>();
  const size_t columns = biasLength;
  // The bias of 32 elements from column c, contiguous: bias + c inside a row; else a copy.
  alignas(64) T repeated[2 * kWordBits];  // columns < 32: repeated[i] = bias[i % columns]
  alignas(64) T wrapped[kWordBits];       // columns >= 32, a word across a row's end
  if (columns < kWordBits) {
    for (size_t i = 0, c = 0; i < columns + kWordBits; ++i) {
      repeated[i] = bias[c];
      if (++c == columns) c = 0;
    }
  }
  const Value factor = splat<Value>(scale);
  const size_t prefetchEnd = n * sizeof(T) >= kPrefetchMinBytes ? n - kPrefetchAhead : 0;
  size_t column = 0;  // bias index of the group's first element
  withStores<P>(out, n * sizeof(T), true, [&](auto stores) {
    using Stores = decltype(stores);
    forEachGroup<P>(stream, n, [&](size_t base, size_t m, const Decisions<P>& d) {
      if (base + kWordBits <= prefetchEnd) {
        prefetch32<false>(x + base);
        prefetch32<false>(residual + base);
        if constexpr (!Stores::kStreaming) prefetch32<true>(out + base);
      }
      const T* b;
      if (columns < kWordBits) {
        b = repeated + column;
      } else if (column + kWordBits <= columns) {
        b = bias + column;
      } else {
        for (size_t j = 0; j < kWordBits; ++j) {
          const size_t c = column + j;
          wrapped[j] = bias[c < columns ? c : c - columns];
        }
        b = wrapped;
      }
      const auto body = [&](const T* xs, const T* rs, T* outs, auto to) {
        forEachMask<P, T>(d, [&](size_t v, Mask mask) {
          const Value t = load<Value>(xs + v * L) + load<Value>(b + v * L);
          const Value dropped = bitcast<Value>(bitcast<Mask>(t * factor) & mask);  // kept ? t * s : +0
          decltype(to)::put(outs + v * L, load<Value>(rs + v * L) + dropped);
        });
      };
      if (m == kWordBits) {
        body(x + base, residual + base, out + base, stores);
      } else {
        alignas(64) T xs[kWordBits];
        alignas(64) T rs[kWordBits];
        alignas(64) T outs[kWordBits];
        for (size_t j = 0; j < kWordBits; ++j) {
          xs[j] = j < m ? x[base + j] : T(0);
          rs[j] = j < m ? residual[base + j] : T(0);
        }
        body(xs, rs, outs, CachedStores{});
        for (size_t j = 0; j < m; ++j) out[base + j] = outs[j];
      }
      if (maskBits != nullptr) maskBits[base / kWordBits] = wordOf(d) & lowBits(m);
      column += kWordBits;
      column = columns < kWordBits ? column % columns : (column >= columns ? column - columns : column);
    });
  });
}

// Column tiles of columnSums: one double accumulator per column of the tile, on the stack.
constexpr size_t kSumTile = 256;

template <typename P, typename T>
void columnSums(const T* rows, size_t rowCount, T* out, size_t columns) {
  alignas(64) double acc[kSumTile];
  for (size_t first = 0; first < columns; first += kSumTile) {
    const size_t width = minSize(kSumTile, columns - first);
    for (size_t c = 0; c < width; ++c) acc[c] = 0.0;
    // Rows outer, so every column adds its values in row order, and reads stay sequential.
    for (size_t r = 0; r < rowCount; ++r) {
      const T* row = rows + r * columns + first;
      for (size_t c = 0; c < width; ++c) acc[c] = acc[c] + static_cast<double>(row[c]);
    }
    for (size_t c = 0; c < width; ++c) out[first + c] = static_cast<T>(acc[c]);
  }
}

template <typename P, typename T>
void scale(const T* x, T* out, size_t n, T factor) {
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * factor;
}

template <typename P, typename T>
constexpr FloatKernels<T> floatKernels() {
  return {dropoutFused<P, T>, applyMask<P, T>,   gaussianNoise<P, T>,
          biasDropoutAdd<P, T>, columnSums<P, T>, scale<P, T>};
}

// The table of policy P, for a constant initializer.
template <typename P>
constexpr KernelTable kernelTable() {
  return {floatKernels<P, float>(), floatKernels<P, double>(), generateMask<P>, randomWords<P>,
          normalValues<P>};
}

}  // namespace
}  // namespace simd_dropout

#undef SIMD_DROPOUT_INLINE
#undef SIMD_DROPOUT_UNROLL

#endif  // SIMD_DROPOUT_KERNELS_IMPL_H_
