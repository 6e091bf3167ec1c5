/**
 * Philox4x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), exactly as
 * Random123's philox.h defines it. The native kernels implement the same function in
 * native/philox.h; both reproduce Random123's known-answer vectors.
 *
 * JavaScript has no 32x32->64-bit multiply, so the high word of each product is assembled from
 * two exact double products with a 16-bit limb of the constant: every intermediate stays below
 * 2**53, which keeps it exact and fast.
 */

/** Multiplier of counter word 0. */
const PHILOX_M0 = 0xd2511f53;
/** Multiplier of counter word 2. */
const PHILOX_M1 = 0xcd9e8d57;
/** Weyl increments of the key between rounds (golden ratio and sqrt(3) - 1). */
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

const M0_HI16 = PHILOX_M0 >>> 16;
const M0_LO16 = PHILOX_M0 & 0xffff;
const M1_HI16 = PHILOX_M1 >>> 16;
const M1_LO16 = PHILOX_M1 & 0xffff;

/** Rounds of the Philox4x32-10 variant every mask uses. */
export const PHILOX_ROUNDS = 10;

/**
 * Computes Philox4x32-R of counter `(c0, c1, c2, c3)` under key `(k0, k1)` and writes the four
 * output words into `out[0..3]`. All inputs are uint32 values.
 */
export function philox4x32Block(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  rounds: number = PHILOX_ROUNDS,
): void {
  for (let round = 0; round < rounds; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    // high 32 bits of M * c = floor((c * M_hi16 + floor(c * M_lo16 / 2**16)) / 2**16)
    const hi0 = ((c0 * M0_HI16 + (((c0 * M0_LO16) / 65536) >>> 0)) / 65536) >>> 0;
    const lo0 = Math.imul(c0, PHILOX_M0) >>> 0;
    const hi1 = ((c2 * M1_HI16 + (((c2 * M1_LO16) / 65536) >>> 0)) / 65536) >>> 0;
    const lo1 = Math.imul(c2, PHILOX_M1) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
