/**
 * Philox4x32 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), exactly as
 * Random123's philox.h defines it. The native kernels implement the same function in
 * native/philox.h; both reproduce Random123's known-answer vectors.
 *
 * JavaScript has no 32x32->64-bit multiply, so the high word of each product is assembled from
 * 16-bit limbs with Math.imul: exact, and the fastest exact form measured on V8.
 */

/** Multiplier of counter word 0. */
const PHILOX_M0 = 0xd2511f53;
/** Multiplier of counter word 2. */
const PHILOX_M1 = 0xcd9e8d57;
/** Weyl increments of the key between rounds (golden ratio and sqrt(3) - 1), as int32. */
const PHILOX_W0 = 0x9e3779b9 | 0;
const PHILOX_W1 = 0xbb67ae85 | 0;

const M0_HI16 = PHILOX_M0 >>> 16;
const M0_LO16 = PHILOX_M0 & 0xffff;
const M1_HI16 = PHILOX_M1 >>> 16;
const M1_LO16 = PHILOX_M1 & 0xffff;

/** Rounds of the Philox4x32-10 variant every mask uses. */
export const PHILOX_ROUNDS = 10;

/**
 * The high 32 bits of the 64-bit product c * (mHi16 * 2**16 + mLo16), as an int32: schoolbook
 * multiplication on 16-bit limbs, where every partial product fits Math.imul and every sum stays
 * an exact integer. Values stay int32 throughout, which V8 keeps in registers.
 */
function mulHi(c: number, mHi16: number, mLo16: number): number {
  const cLo = c & 0xffff;
  const cHi = c >>> 16;
  const cross1 = Math.imul(cLo, mHi16) + (Math.imul(cLo, mLo16) >>> 16);
  const cross2 = Math.imul(cHi, mLo16);
  const carry = ((cross1 & 0xffff) + (cross2 & 0xffff)) >>> 16;
  return (Math.imul(cHi, mHi16) + (cross1 >>> 16) + (cross2 >>> 16) + carry) | 0;
}

/**
 * Computes Philox4x32-R of counter `(c0, c1, c2, c3)` under key `(k0, k1)` and writes the four
 * output words into `out[0..3]`. Inputs are 32-bit values (int32 or uint32); an Int32Array `out`
 * receives the same bits as a Uint32Array would.
 */
export function philox4x32Block(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array | Int32Array,
  rounds: number = PHILOX_ROUNDS,
): void {
  c0 |= 0;
  c1 |= 0;
  c2 |= 0;
  c3 |= 0;
  k0 |= 0;
  k1 |= 0;
  for (let round = 0; round < rounds; round++) {
    const hi0 = mulHi(c0, M0_HI16, M0_LO16);
    const lo0 = Math.imul(c0, PHILOX_M0);
    const hi1 = mulHi(c2, M1_HI16, M1_LO16);
    const lo1 = Math.imul(c2, PHILOX_M1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    // the key is bumped between rounds; the bump after the last round is never used
    k0 = (k0 + PHILOX_W0) | 0;
    k1 = (k1 + PHILOX_W1) | 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
