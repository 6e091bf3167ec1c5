/**
 * Standard normal values from Philox words, by Box–Muller, with a logarithm, sine and cosine made
 * only of IEEE additions, multiplications, divisions and a square root, in a fixed order. No
 * library transcendental is involved, so native/normal.h (compiled with -ffp-contract=off) and
 * this file compute the same bits: Gaussian noise is as reproducible as the masks.
 *
 * Element g of a noise stream takes block g >> 2 of the stream; words (0, 1) of the block make
 * one Box–Muller pair and words (2, 3) the other. In each pair the first word sets the radius and
 * the second the angle; the even element takes r·cos θ, the odd one r·sin θ. A pair lives inside
 * one block, so shards split anywhere see the same values.
 */

const LN2 = Math.LN2;
const SQRT2 = Math.SQRT2;
/** 2π / 2**32: the angle of one unit of a 32-bit word. */
const ANGLE_PER_UNIT = Math.PI / 2 ** 31;
/** Words per eighth of a turn. */
const EIGHTH_TURN = 2 ** 29;

/**
 * 2**e for e = -1 … 31, indexed by e + 1: the same exact values as `2 ** e`, which V8 computes
 * with a call to pow (measured: 40 % of the time of Gaussian noise).
 */
const POWERS_OF_TWO = Float64Array.from({ length: 33 }, (_, index) => 2 ** (index - 1));

/** 1 / (2k + 1) for k = 0 … 11: ln m = 2 s Σ s^(2k) / (2k + 1), |s| <= 0.1716. */
const ATANH_COEFFICIENTS = Float64Array.from({ length: 12 }, (_, k) => 1 / (2 * k + 1));

function factorial(n: number): number {
  let product = 1;
  for (let i = 2; i <= n; i++) product *= i;
  return product;
}

/** (-1)^n / (2n + 1)! for n = 0 … 8: sin a on |a| <= π/4. */
const SIN_COEFFICIENTS = Float64Array.from({ length: 9 }, (_, n) => (n % 2 === 0 ? 1 : -1) / factorial(2 * n + 1));
/** (-1)^n / (2n)! for n = 0 … 9: cos a on |a| <= π/4. */
const COS_COEFFICIENTS = Float64Array.from({ length: 10 }, (_, n) => (n % 2 === 0 ? 1 : -1) / factorial(2 * n));

/**
 * Horner's rule, highest coefficient first: c[0] + t (c[1] + t (c[2] + …)). The coefficient
 * tables are Float64Arrays: Gaussian noise measured 12 % faster than with number[].
 */
function horner(coefficients: Float64Array, t: number): number {
  let sum = coefficients[coefficients.length - 1]!;
  for (let i = coefficients.length - 2; i >= 0; i--) sum = coefficients[i]! + t * sum;
  return sum;
}

/**
 * ln((w + 0.5) / 2**32) for a uint32 word w: the logarithm of a uniform value in (0, 1) that is
 * never 0. Written as e·ln 2 + ln m with m in [√½, √2], and ln m = 2 atanh((m - 1) / (m + 1)).
 */
export function logUniform(w: number): number {
  const v = w + 0.5;
  // floor(log2 v), exactly, from the integer part
  let exponent = w === 0 ? -1 : 31 - Math.clz32(w);
  let m = v / POWERS_OF_TWO[exponent + 1]!;
  if (m > SQRT2) {
    m /= 2;
    exponent += 1;
  }
  const s = (m - 1) / (m + 1);
  const lnM = 2 * s * horner(ATANH_COEFFICIENTS, s * s);
  return (exponent - 32) * LN2 + lnM;
}

/**
 * sin and cos of 2π · w / 2**32 for a uint32 word w, written into out[0] (sin) and out[1] (cos).
 * The angle is reduced exactly on the integer: k quarter turns plus a remainder a in [-π/4, π/4).
 */
export function sinCosTurn(w: number, out: Float64Array): void {
  const octant = w >>> 29;
  const withinOctant = w & (EIGHTH_TURN - 1);
  // even octants: k = octant / 2 quarter turns plus a >= 0; odd ones: one quarter turn more, minus
  const quarterTurns = (octant + 1) >>> 1;
  const a = (octant & 1) === 0 ? withinOctant * ANGLE_PER_UNIT : -(EIGHTH_TURN - withinOctant) * ANGLE_PER_UNIT;
  const a2 = a * a;
  const sinA = a * horner(SIN_COEFFICIENTS, a2);
  const cosA = horner(COS_COEFFICIENTS, a2);
  switch (quarterTurns & 3) {
    case 0:
      out[0] = sinA;
      out[1] = cosA;
      break;
    case 1:
      out[0] = cosA;
      out[1] = -sinA;
      break;
    case 2:
      out[0] = -sinA;
      out[1] = -cosA;
      break;
    default:
      out[0] = -cosA;
      out[1] = sinA;
  }
}

/**
 * The two standard normal values of one Box–Muller pair: out[0] = r cos θ, out[1] = r sin θ with
 * r = √(-2 ln u), u from `radiusWord`, θ from `angleWord`. `scratch` holds (sin θ, cos θ).
 */
export function normalPair(radiusWord: number, angleWord: number, out: Float64Array, scratch: Float64Array): void {
  const r = Math.sqrt(-2 * logUniform(radiusWord));
  sinCosTurn(angleWord, scratch);
  out[0] = r * scratch[1]!;
  out[1] = r * scratch[0]!;
}
