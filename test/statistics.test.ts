/**
 * Statistics of the masks. Each assertion uses Hoeffding's inequality,
 * P(|mean - expected| >= t) <= 2 exp(-2 n t^2), with t chosen so that a correct generator fails it
 * with probability at most 1e-9 (split evenly where one test makes several assertions).
 */
import { describe, expect, it } from 'vitest';
import { dropoutWithMask } from '../lib/index.js';

const FALSE_FAILURE = 1e-9;

/** The deviation a mean of n independent [0, 1] values exceeds with probability <= delta. */
function hoeffdingBound(n: number, delta: number): number {
  return Math.sqrt(Math.log(2 / delta) / (2 * n));
}

function keptBytes(n: number, rate: number, seed: number, stream: number): Uint8Array {
  return dropoutWithMask(new Float32Array(n), { rate, seed, stream }).mask.toUint8Array();
}

describe.each([0.1, 0.5, 0.9])('masks at rate %s', (rate) => {
  const keep = 1 - rate;
  const n = 1_000_000;
  const mask = keptBytes(n, rate, 2024, 1);

  it('keep 1 - rate of 10^6 elements', () => {
    const kept = mask.reduce((sum, b) => sum + b, 0);
    expect(Math.abs(kept / n - keep)).toBeLessThan(hoeffdingBound(n, FALSE_FAILURE));
  });

  it('keep 1 - rate at every one of 64 positions over 20 000 streams', () => {
    const streams = 20_000;
    const positions = 64;
    const keptAt = new Array<number>(positions).fill(0);
    for (let stream = 0; stream < streams; stream++) {
      const bytes = keptBytes(positions, rate, 77, stream);
      for (let p = 0; p < positions; p++) keptAt[p]! += bytes[p]!;
    }
    const bound = hoeffdingBound(streams, FALSE_FAILURE / positions);
    for (let p = 0; p < positions; p++) expect(Math.abs(keptAt[p]! / streams - keep), `position ${p}`).toBeLessThan(bound);
  });

  it('show no correlation between consecutive elements', () => {
    // disjoint pairs (2k, 2k + 1) are independent, so "both kept" is Bernoulli(keep^2) per pair
    let bothKept = 0;
    for (let i = 0; i + 1 < n; i += 2) bothKept += mask[i]! & mask[i + 1]!;
    const pairs = n / 2;
    expect(Math.abs(bothKept / pairs - keep * keep)).toBeLessThan(hoeffdingBound(pairs, FALSE_FAILURE));
  });

  it('show no correlation between consecutive streams', () => {
    const next = keptBytes(n, rate, 2024, 2);
    let bothKept = 0;
    for (let i = 0; i < n; i++) bothKept += mask[i]! & next[i]!;
    expect(Math.abs(bothKept / n - keep * keep)).toBeLessThan(hoeffdingBound(n, FALSE_FAILURE));
  });
});
