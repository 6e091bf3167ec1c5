// Philox4x32-R, exactly as Random123 defines it (include/Random123/philox.h).
//
// Salmon, Moraes, Dror, Shaw: "Parallel Random Numbers: As Easy as 1, 2, 3" (SC'11).
// A counter-based generator: output = bijection(counter, key), so any block of the
// stream can be computed directly, which is what makes dropout masks reproducible
// independently of how the work is split.
//
// Every kernel, whatever its ISA, must produce exactly these words.
#ifndef SIMD_DROPOUT_PHILOX_H_
#define SIMD_DROPOUT_PHILOX_H_

#include <array>
#include <cstddef>
#include <cstdint>

namespace simd_dropout {
namespace philox {

using Counter = std::array<uint32_t, 4>;
using Key = std::array<uint32_t, 2>;

// Round multipliers (PHILOX_M4x32_0, PHILOX_M4x32_1).
constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
// Key schedule increments (PHILOX_W32_0 = golden ratio, PHILOX_W32_1 = sqrt(3) - 1).
constexpr uint32_t kBump0 = 0x9E3779B9u;
constexpr uint32_t kBump1 = 0xBB67AE85u;

// One round: (hi0, lo0) = kMul0 * c0 and (hi1, lo1) = kMul1 * c2 as full 32x32 -> 64-bit
// products; the result is {hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0}.
constexpr Counter round(const Counter& c, const Key& k) {
  const uint64_t p0 = static_cast<uint64_t>(kMul0) * c[0];
  const uint64_t p1 = static_cast<uint64_t>(kMul1) * c[2];
  return {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
          static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
}

// Philox4x32 with `Rounds` rounds of N counters under one key; the key is bumped between
// rounds (not before the first). The counters go round by round together: their multiply
// chains are independent, so the CPU overlaps them.
template <unsigned Rounds, size_t N>
constexpr std::array<Counter, N> philox4x32Batch(std::array<Counter, N> ctr, Key key) {
  static_assert(Rounds >= 1, "Philox needs at least one round");
  for (Counter& c : ctr) c = round(c, key);
  for (unsigned r = 1; r < Rounds; ++r) {
    key[0] += kBump0;
    key[1] += kBump1;
    for (Counter& c : ctr) c = round(c, key);
  }
  return ctr;
}

// Philox4x32 with `Rounds` rounds of one counter.
template <unsigned Rounds>
constexpr Counter philox4x32(const Counter& ctr, const Key& key) {
  return philox4x32Batch<Rounds, 1>({ctr}, key)[0];
}

// The generator simd-dropout uses (Random123's default round count).
constexpr Counter philox4x32_10(const Counter& ctr, const Key& key) {
  return philox4x32<10>(ctr, key);
}

// Random123 known answers (tests/kat_vectors), checked by every compiler that includes this
// (they check philox4x32Batch too, which philox4x32 is made of).
constexpr Counter kKatPiCounter = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
constexpr Key kKatPiKey = {0xa4093822u, 0x299f31d0u};
static_assert(philox4x32_10(kKatPiCounter, kKatPiKey)[0] == 0xd16cfe09u &&
                  philox4x32_10(kKatPiCounter, kKatPiKey)[1] == 0x94fdccebu &&
                  philox4x32_10(kKatPiCounter, kKatPiKey)[2] == 0x5001e420u &&
                  philox4x32_10(kKatPiCounter, kKatPiKey)[3] == 0x24126ea1u,
              "Philox4x32-10 does not match Random123");
static_assert(philox4x32<7>(kKatPiCounter, kKatPiKey)[0] == 0x4dfccabau &&
                  philox4x32<7>(kKatPiCounter, kKatPiKey)[1] == 0x190a87f0u &&
                  philox4x32<7>(kKatPiCounter, kKatPiKey)[2] == 0xc47362bau &&
                  philox4x32<7>(kKatPiCounter, kKatPiKey)[3] == 0xb6b5242au,
              "Philox4x32-7 does not match Random123");
// A batch computes each counter as if alone (here the known answers of 0 and of pi).
static_assert(philox4x32Batch<10, 2>({Counter{}, kKatPiCounter}, kKatPiKey)[1][0] == 0xd16cfe09u &&
                  philox4x32Batch<10, 2>({Counter{}, kKatPiCounter}, kKatPiKey)[1][3] ==
                      0x24126ea1u &&
                  philox4x32Batch<10, 2>({kKatPiCounter, Counter{}}, Key{})[1][0] == 0x6627e8d5u &&
                  philox4x32Batch<10, 2>({kKatPiCounter, Counter{}}, Key{})[1][3] == 0x9b00dbd8u,
              "a Philox4x32-10 batch does not match Random123");

}  // namespace philox
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_PHILOX_H_
