/**
 * Monte-Carlo dropout: exact statistics of deterministic forwards against a two-pass float64
 * reference, async forwards, argument checks, and the statistics of a real Dropout layer within
 * Hoeffding bounds.
 */
import { describe, expect, it } from 'vitest';
import { Dropout } from '../lib/layers.js';
import { mcDropout, type McDropoutResult } from '../lib/mc.js';
import { backendNames, expectSameBits } from './support.js';

/** A deterministic "stochastic" output: element j of sample i, spread over several magnitudes. */
function sampleOutput(i: number, length = 40, Type: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array) {
  const output = new Type(length);
  for (let j = 0; j < length; j++) {
    const scale = 10 ** ((j % 7) - 3);
    output[j] = scale * (Math.sin(1.3 * i + 0.7 * j) + 0.5 * (j % 3));
  }
  return output;
}

/** The two-pass float64 reference: the mean, then the mean squared deviation from it. */
function twoPass(outputs: ArrayLike<number>[]): { mean: Float64Array; variance: Float64Array } {
  const length = outputs[0]!.length;
  const mean = new Float64Array(length);
  const variance = new Float64Array(length);
  for (let j = 0; j < length; j++) {
    let sum = 0;
    for (const output of outputs) sum += output[j]!;
    mean[j] = sum / outputs.length;
    let squares = 0;
    for (const output of outputs) squares += (output[j]! - mean[j]!) ** 2;
    variance[j] = squares / outputs.length;
  }
  return { mean, variance };
}

function expectRelativelyClose(actual: Float64Array, expected: Float64Array, tolerance: number, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let j = 0; j < expected.length; j++) {
    const error = Math.abs(actual[j]! - expected[j]!);
    expect(error, `${label}[${j}]: ${actual[j]} vs ${expected[j]}`).toBeLessThanOrEqual(tolerance * Math.abs(expected[j]!));
  }
}

describe('mcDropout', () => {
  it.each([
    ['Float32Array', Float32Array],
    ['Float64Array', Float64Array],
  ] as const)('matches a two-pass float64 reference to 1e-12 relative on %s outputs', (_, Type) => {
    const samples = 1000;
    const outputs = Array.from({ length: samples }, (_, i) => sampleOutput(i, 40, Type));
    const result = mcDropout((_x: null, i) => outputs[i]!, null, { samples });
    const reference = twoPass(outputs);
    expect(result.samples).toBe(samples);
    expect(result.mean).toBeInstanceOf(Float64Array);
    expect(result.variance).toBeInstanceOf(Float64Array);
    expectRelativelyClose(result.mean, reference.mean, 1e-12, 'mean');
    expectRelativelyClose(result.variance, reference.variance, 1e-12, 'variance');
  });

  it('gives exact values on small cases: the population variance (divisor samples), 0 for one sample', () => {
    const four = mcDropout((_x: null, i) => new Float64Array([i + 1, 5, -2 * i]), null, { samples: 4 });
    // 1, 2, 3, 4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, divided by 4
    expect([...four.mean]).toEqual([2.5, 5, -3]);
    expect([...four.variance]).toEqual([1.25, 0, 5]);
    const one = mcDropout(() => new Float32Array([0.1, -0]), null, { samples: 1 });
    expect([...one.mean]).toEqual([Math.fround(0.1), 0]);
    expect([...one.variance]).toEqual([0, 0]);
    expect(one.samples).toBe(1);
    const empty = mcDropout(() => new Float32Array(0), null, { samples: 3 });
    expect([empty.mean.length, empty.variance.length, empty.samples]).toEqual([0, 0, 3]);
  });

  it('calls forward(x, sampleIndex) once per sample, in order, with x itself', () => {
    const x = { input: new Float32Array(3) };
    const calls: [unknown, number][] = [];
    mcDropout((input, i) => (calls.push([input, i]), new Float64Array(2)), x, { samples: 5 });
    expect(calls).toEqual([0, 1, 2, 3, 4].map((i) => [x, i]));
    expect(calls.every(([input]) => input === x)).toBe(true);
  });

  it('awaits an async forward one sample at a time and returns a Promise of the same result', async () => {
    const samples = 50;
    let inFlight = 0;
    let maxInFlight = 0;
    const pending = mcDropout(
      async (_x: null, i) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 0));
        inFlight--;
        return sampleOutput(i);
      },
      null,
      { samples },
    );
    expect(pending).toBeInstanceOf(Promise);
    const result: McDropoutResult = await pending;
    const sync = mcDropout((_x: null, i) => sampleOutput(i), null, { samples });
    expect(maxInFlight).toBe(1);
    expect(result.samples).toBe(samples);
    expectSameBits(result.mean, sync.mean);
    expectSameBits(result.variance, sync.variance);
    // a forward that turns asynchronous after a few samples gives the same result too
    const mixed = await mcDropout((_x: null, i) => (i < 3 ? sampleOutput(i) : Promise.resolve(sampleOutput(i))), null, { samples });
    expectSameBits(mixed.mean, sync.mean);
    expectSameBits(mixed.variance, sync.variance);
  });

  // (every bad argument is a row of test/errors.test.ts)
  it('does not call forward when its arguments are invalid', () => {
    let calls = 0;
    const forward = () => (calls++, new Float64Array(1));
    expect(() => mcDropout(forward, null, { samples: 0 })).toThrow(RangeError);
    expect(calls).toBe(0);
  });
});

/**
 * Inverted dropout keeps E[y] = x: each output element is x/(1 - rate) with probability 1 - rate,
 * else 0, so it lies in [0, R] with R = x/(1 - rate). By Hoeffding's inequality,
 * P(|mean - E y| >= t) <= 2 exp(-2 S t² / R²), and the same for the mean of y² (range [0, R²]).
 * With S samples and n elements, 2n such events each at delta = 1e-9 / (2n), a correct generator
 * fails this test with probability at most 1e-9. On those events the population variance
 * m2 - mean² differs from σ² = x²·rate/(1 - rate) by at most t₂ + t₁(2|x| + t₁).
 */
describe.each(backendNames)('mcDropout with a Dropout layer on the %s backend', (backend) => {
  const rate = 0.25;
  const samples = 100_000;
  const n = 16;
  const x = Float64Array.from({ length: n }, (_, i) => 1 + i / n);
  const delta = 1e-9 / (2 * n);
  const width = Math.sqrt(Math.log(2 / delta) / (2 * samples));

  it(`estimates mean x and variance x²·rate/(1 - rate) over ${samples} samples (false failure <= 1e-9)`, () => {
    const layer = new Dropout({ rate, seed: 2024, backend });
    const result = mcDropout((input: Float64Array) => layer.forward(input), x, { samples });
    expect(result.samples).toBe(samples);
    expect(layer.generator.stream).toBe(BigInt(samples));
    for (let i = 0; i < n; i++) {
      const range = x[i]! / (1 - rate);
      const t1 = range * width;
      const t2 = range * range * width;
      // 1e-12 relative: the float64 rounding of x / (1 - rate), far below the bounds
      expect(Math.abs(result.mean[i]! - x[i]!), `mean ${i}`).toBeLessThan(t1 + 1e-12 * x[i]!);
      const sigma2 = (x[i]! * x[i]! * rate) / (1 - rate);
      expect(Math.abs(result.variance[i]! - sigma2), `variance ${i}`).toBeLessThan(t2 + t1 * (2 * x[i]! + t1) + 1e-12 * sigma2);
    }
  });

  it('is reproducible from the layer seed, and each sample draws its own mask', () => {
    const run = () => {
      const layer = new Dropout({ rate, seed: 5, backend });
      return mcDropout((input: Float64Array) => layer.forward(input), x, { samples: 20 });
    };
    const first = run();
    expectSameBits(run().mean, first.mean);
    // with one shared mask every sample would be equal and the variance 0
    expect(first.variance.some((v) => v > 0)).toBe(true);
  });
});
