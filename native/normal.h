// Standard normal values from Philox words, by Box–Muller, exactly as lib/normal.ts computes
// them: the logarithm, sine and cosine are made only of IEEE additions, multiplications,
// divisions and a square root, in the same order as there, so both produce the same bits.
// That holds only without contraction into fused multiply-adds: the build files compile
// every source with -ffp-contract=off (MSVC: /fp:precise), and nothing here may rely on
// -ffast-math style reassociation.
//
// Element g of a noise stream takes block g >> 2 of the stream; words (0, 1) of the block make
// one Box–Muller pair and words (2, 3) the other. In each pair the first word sets the radius
// and the second the angle; the even element takes r·cos θ, the odd one r·sin θ. So the four
// normals of a block are blockNormals(words)[g & 3].
//
// kernels_impl.h computes the same values on vectors of lanes, with the same IEEE operations in
// the same order (the exponent read from the bits of w + 0.5, the selects branch-free): a change
// here must be made there too, and test/isa.test.ts and native/test/kernel_parity.cc compare them.
#ifndef SIMD_DROPOUT_NORMAL_H_
#define SIMD_DROPOUT_NORMAL_H_

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#ifdef _MSC_VER
#include <intrin.h>
#endif

namespace simd_dropout {
namespace normal {

// The doubles nearest Math.LN2, Math.SQRT2 and Math.PI, spelled exactly.
constexpr double kLn2 = 0x1.62e42fefa39efp-1;    // 0.6931471805599453
constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;  // 1.4142135623730951
constexpr double kPi = 0x1.921fb54442d18p+1;     // 3.141592653589793
// 2π / 2^32 = π / 2^31 (exact: a division by a power of two): the angle of one word unit.
constexpr double kAnglePerUnit = kPi / 2147483648.0;
// Words per eighth of a turn.
constexpr uint32_t kEighthTurn = uint32_t{1} << 29;

// 1 / (2k + 1) for k = 0 … 11: ln m = 2 s Σ s^(2k) / (2k + 1), |s| <= 0.1716.
constexpr std::array<double, 12> atanhCoefficients() {
  std::array<double, 12> c{};
  for (size_t k = 0; k < c.size(); ++k) c[k] = 1.0 / static_cast<double>(2 * k + 1);
  return c;
}

// n! as lib/normal.ts computes it (a product of doubles, exact for n <= 18).
constexpr double factorial(unsigned n) {
  double product = 1;
  for (unsigned i = 2; i <= n; ++i) product *= i;
  return product;
}

// (-1)^n / (2n + 1)! for n = 0 … 8: sin a on |a| <= π/4.
constexpr std::array<double, 9> sinCoefficients() {
  std::array<double, 9> c{};
  for (unsigned n = 0; n < c.size(); ++n) c[n] = (n % 2 == 0 ? 1.0 : -1.0) / factorial(2 * n + 1);
  return c;
}

// (-1)^n / (2n)! for n = 0 … 9: cos a on |a| <= π/4.
constexpr std::array<double, 10> cosCoefficients() {
  std::array<double, 10> c{};
  for (unsigned n = 0; n < c.size(); ++n) c[n] = (n % 2 == 0 ? 1.0 : -1.0) / factorial(2 * n);
  return c;
}

constexpr std::array<double, 12> kAtanh = atanhCoefficients();
constexpr std::array<double, 9> kSin = sinCoefficients();
constexpr std::array<double, 10> kCos = cosCoefficients();

// Horner's rule, highest coefficient first: c[0] + t (c[1] + t (c[2] + …)).
template <size_t N>
inline double horner(const std::array<double, N>& c, double t) {
  double sum = c[N - 1];
  for (size_t i = N - 1; i-- > 0;) sum = c[i] + t * sum;
  return sum;
}

// 2^e for -1022 <= e <= 1023, exactly.
constexpr double powerOfTwo(int e) {
  double p = 1;
  for (; e > 0; --e) p *= 2;
  for (; e < 0; ++e) p /= 2;
  return p;
}

// floor(log2 w) for w != 0, that is 31 - Math.clz32(w).
inline int floorLog2(uint32_t w) {
#ifdef _MSC_VER
  unsigned long index;
  _BitScanReverse(&index, w);
  return static_cast<int>(index);
#else
  return 31 - __builtin_clz(w);
#endif
}

// ln((w + 0.5) / 2^32) for a uint32 word w: the logarithm of a uniform value in (0, 1) that is
// never 0. Written as e·ln 2 + ln m with m in [√½, √2], and ln m = 2 atanh((m - 1) / (m + 1)).
inline double logUniform(uint32_t w) {
  const double v = static_cast<double>(w) + 0.5;
  // floor(log2 v), exactly, from the integer part
  int exponent = w == 0 ? -1 : floorLog2(w);
  // A division by an exact power of two (2^-1 … 2^31), so exact, like v / 2 ** exponent.
  double m = v / powerOfTwo(exponent);
  if (m > kSqrt2) {
    m /= 2;
    exponent += 1;
  }
  const double s = (m - 1) / (m + 1);
  const double lnM = 2 * s * horner(kAtanh, s * s);
  return static_cast<double>(exponent - 32) * kLn2 + lnM;
}

// sin and cos of 2π · w / 2^32 for a uint32 word w. The angle is reduced exactly on the
// integer: k quarter turns plus a remainder a in [-π/4, π/4).
struct SinCos {
  double sin;
  double cos;
};

inline SinCos sinCosTurn(uint32_t w) {
  const uint32_t octant = w >> 29;
  const uint32_t withinOctant = w & (kEighthTurn - 1);
  // even octants: k = octant / 2 quarter turns plus a >= 0; odd ones: one quarter turn more,
  // minus
  const uint32_t quarterTurns = (octant + 1) >> 1;
  const double a = (octant & 1) == 0
                       ? static_cast<double>(withinOctant) * kAnglePerUnit
                       : -static_cast<double>(kEighthTurn - withinOctant) * kAnglePerUnit;
  const double a2 = a * a;
  const double sinA = a * horner(kSin, a2);
  const double cosA = horner(kCos, a2);
  switch (quarterTurns & 3) {
    case 0:
      return {sinA, cosA};
    case 1:
      return {cosA, -sinA};
    case 2:
      return {-sinA, -cosA};
    default:
      return {-cosA, sinA};
  }
}

// The two standard normal values of one Box–Muller pair: {r cos θ, r sin θ} with
// r = √(-2 ln u), u from `radiusWord`, θ from `angleWord`.
inline std::array<double, 2> normalPair(uint32_t radiusWord, uint32_t angleWord) {
  const double r = std::sqrt(-2 * logUniform(radiusWord));
  const SinCos t = sinCosTurn(angleWord);
  return {r * t.cos, r * t.sin};
}

// The four standard normals of one Philox block: element g takes blockNormals(block)[g & 3].
inline std::array<double, 4> blockNormals(const std::array<uint32_t, 4>& words) {
  const std::array<double, 2> first = normalPair(words[0], words[1]);
  const std::array<double, 2> second = normalPair(words[2], words[3]);
  return {first[0], first[1], second[0], second[1]};
}

static_assert(powerOfTwo(-1) == 0.5 && powerOfTwo(31) == 2147483648.0, "powerOfTwo is exact");
static_assert(kAtanh[1] == 1.0 / 3 && kSin[1] == -1.0 / 6 && kCos[9] == -1.0 / 6402373705728000.0,
              "coefficient tables");

}  // namespace normal
}  // namespace simd_dropout

#endif  // SIMD_DROPOUT_NORMAL_H_
