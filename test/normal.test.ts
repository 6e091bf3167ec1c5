/**
 * The Box–Muller normals: the exact logarithm and sine/cosine they are built from, and the
 * distribution they follow. Bounds are exact inequalities with false-failure probability <= 1e-9:
 * the Gaussian tail for the mean, Laurent–Massart for the chi-square of the variance, and the
 * Dvoretzky–Kiefer–Wolfowitz inequality for the Kolmogorov–Smirnov distance.
 */
import { describe, expect, it } from 'vitest';
import { logUniform, normalPair, sinCosTurn } from '../lib/normal.js';
import { backends, testRandom } from './support.js';

const FALSE_FAILURE = 1e-9;

/**
 * Φ(z), the standard normal distribution function: erf by its Maclaurin series for |z|/√2 < 3 and
 * erfc by its continued fraction beyond, both accurate to about 1e-14 (far below the KS bound).
 */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  let erfc: number;
  if (x < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let fraction = 0;
    for (let k = 60; k >= 1; k--) fraction = (k / 2) / (x + fraction);
    erfc = Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + fraction);
  }
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

describe('exact building blocks', () => {
  const next = testRandom(5);
  const words = [0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, ...Array.from({ length: 100_000 }, () => Math.floor(next() * 2 ** 32))];

  it('logUniform(w) is ln((w + 0.5) / 2**32) to within 4 ulp', () => {
    for (const w of words) {
      const expected = Math.log((w + 0.5) / 2 ** 32);
      expect(Math.abs(logUniform(w) - expected), `w = ${w}`).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(expected));
    }
  });

  it('sinCosTurn(w) is sin and cos of 2π w / 2**32 to within 1e-15', () => {
    const out = new Float64Array(2);
    for (const w of [...words, 0x20000000, 0x40000000, 0x60000000, 0xa0000000, 0xc0000000, 0xe0000000]) {
      sinCosTurn(w, out);
      const angle = (2 * Math.PI * w) / 2 ** 32;
      expect(Math.abs(out[0]! - Math.sin(angle)), `w = ${w}`).toBeLessThan(1e-15);
      expect(Math.abs(out[1]! - Math.cos(angle)), `w = ${w}`).toBeLessThan(1e-15);
    }
    sinCosTurn(0, out);
    expect([...out]).toEqual([0, 1]);
  });

  it('normalPair gives r cos θ and r sin θ', () => {
    const pair = new Float64Array(2);
    normalPair(0x12345678, 0x40000000, pair, new Float64Array(2));
    const r = Math.sqrt(-2 * logUniform(0x12345678));
    expect(pair[0]).toBeCloseTo(0, 14);
    expect(pair[1]).toBe(r);
  });
});

describe.each(backends)('normal values on the $name backend', (backend) => {
  const n = 1_000_000;
  const values = new Float64Array(n);
  backend.normalValues(values, { keyLo: 17, keyHi: 0, streamLo: 3, streamHi: 0, offsetLo: 0, offsetHi: 0, dropThreshold: 0 });

  it('have mean 0: |mean| < 6.11 / sqrt(n) (two-sided Gaussian tail 1e-9)', () => {
    const mean = values.reduce((sum, v) => sum + v, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(6.11 / Math.sqrt(n));
  });

  it('have variance 1: the sum of squares is within the Laurent–Massart chi-square bounds', () => {
    const x = Math.log(2 / FALSE_FAILURE);
    const sumOfSquares = values.reduce((sum, v) => sum + v * v, 0);
    expect(sumOfSquares).toBeLessThan(n + 2 * Math.sqrt(n * x) + 2 * x);
    expect(sumOfSquares).toBeGreaterThan(n - 2 * Math.sqrt(n * x));
  });

  it('follow the standard normal distribution: Kolmogorov–Smirnov distance within the DKW bound', () => {
    const sorted = values.slice().sort();
    let distance = 0;
    for (let i = 0; i < n; i++) {
      const cdf = normalCdf(sorted[i]!);
      distance = Math.max(distance, Math.abs(cdf - i / n), Math.abs(cdf - (i + 1) / n));
    }
    expect(distance).toBeLessThan(Math.sqrt(Math.log(2 / FALSE_FAILURE) / (2 * n)));
  });
});
