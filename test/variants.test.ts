/**
 * The dropout family's functional API — spatial, broadcastDims, classic scaling, alpha, Gaussian
 * dropout and noise, bias-dropout-add — on every backend, each against a reference written here
 * with plain loops.
 */
import { describe, expect, it } from 'vitest';
import {
  ALPHA_PRIME,
  alphaDropout,
  alphaDropoutCoefficients,
  alphaDropoutWithMask,
  biasDropoutAdd,
  biasDropoutAddBackward,
  biasDropoutAddWithMask,
  dropout,
  dropoutBackward,
  dropoutWithMask,
  gaussianDropout,
  gaussianDropoutBackward,
  gaussianDropoutWithNoise,
  gaussianNoise,
  Generator,
  spatialDropout,
  spatialDropoutWithMask,
  type FloatArray,
} from '../lib/index.js';
import { jsBackend } from '../lib/backend/js.js';
import { backendNames, expectSameBits, randomArray, dtypes, type FloatType } from './support.js';

const roundFor = (Type: FloatType) => (Type === Float32Array ? Math.fround : (v: number) => v);

/** The standard normals of (seed, stream) from `offset`, by the JS reference implementation. */
function normals(n: number, seed: number, stream: number, offset = 0): Float64Array {
  const out = new Float64Array(n);
  jsBackend.normalValues(out, { keyLo: seed, keyHi: 0, streamLo: stream, streamHi: 0, offsetLo: offset, offsetHi: 0, dropThreshold: 0 });
  return out;
}

describe.each(backendNames)('the dropout family on the %s backend', (backend) => {
  describe.each(dtypes)('%s', (_, Type) => {
    const round = roundFor(Type);

    describe('spatialDropout', () => {
      const cases = [
        { dims: 1, dataFormat: 'channelsLast', shape: [3, 5, 4], noiseShape: [3, 1, 4] },
        { dims: 1, dataFormat: 'channelsFirst', shape: [3, 4, 5], noiseShape: [3, 4, 1] },
        { dims: 2, dataFormat: 'channelsLast', shape: [2, 3, 5, 4], noiseShape: [2, 1, 1, 4] },
        { dims: 2, dataFormat: 'channelsFirst', shape: [2, 4, 3, 5], noiseShape: [2, 4, 1, 1] },
        { dims: 3, dataFormat: 'channelsLast', shape: [2, 2, 3, 2, 4], noiseShape: [2, 1, 1, 1, 4] },
        { dims: 3, dataFormat: 'channelsFirst', shape: [2, 4, 2, 3, 2], noiseShape: [2, 4, 1, 1, 1] },
      ] as const;

      it.each(cases)('drops whole channels: $dims D, $dataFormat', ({ dims, dataFormat, shape, noiseShape }) => {
        const x = randomArray(Type, shape.reduce((p, d) => p * d, 1), dims);
        const { output, mask } = spatialDropoutWithMask(x, { rate: 0.5, shape, dims, dataFormat, seed: 4, backend });
        expect(mask.noiseShape).toEqual(noiseShape);
        expect(mask.size).toBe((noiseShape as readonly number[]).reduce((p, d) => p * d, 1));
        const reference = dropoutWithMask(x, { rate: 0.5, shape, noiseShape, seed: 4, backend });
        expectSameBits(output, reference.output);
        expectSameBits(mask.bits(), reference.mask.bits());
        expect(spatialDropout(x, { rate: 0.5, shape, dims, dataFormat, seed: 4, backend })).toEqual(output);
        const grad = randomArray(Type, x.length, 99);
        expectSameBits(dropoutBackward(grad, mask, { backend }), dropoutBackward(grad, reference.mask, { backend }));
      });

      it('rejects a shape of the wrong rank, showing it', () => {
        const x = new Type(24);
        expect(() => spatialDropout(x, { rate: 0.5, shape: [2, 3, 4], dims: 2, seed: 1, backend })).toThrow(
          /Expected shape of rank 4 \(N, S, S, C\) for 2D spatial dropout but received shape \[2, 3, 4\] of rank 3/,
        );
        expect(() => spatialDropout(x, { rate: 0.5, shape: [2, 3, 4], dims: 4 as never, seed: 1, backend })).toThrow(RangeError);
      });
    });

    it('broadcastDims shares the mask along the listed axes, negative ones counted from the end', () => {
      const x = randomArray(Type, 60, 3);
      const byNoiseShape = dropout(x, { rate: 0.5, shape: [3, 4, 5], noiseShape: [3, 1, 1], seed: 6, backend });
      expect(dropout(x, { rate: 0.5, shape: [3, 4, 5], broadcastDims: [1, -1], seed: 6, backend })).toEqual(byNoiseShape);
      expect(() => dropout(x, { rate: 0.5, shape: [3, 4, 5], broadcastDims: [1], noiseShape: [3, 1, 5], seed: 6, backend })).toThrow(
        /either noiseShape or broadcastDims/,
      );
      expect(() => dropout(x, { rate: 0.5, shape: [3, 4, 5], broadcastDims: [3], seed: 6, backend })).toThrow(RangeError);
      expect(() => dropout(x, { rate: 0.5, shape: [3, 4, 5], broadcastDims: [1, -2], seed: 6, backend })).toThrow(/axis 1 appears twice/);
    });

    it("classic scaling ('inference') leaves survivors unscaled and multiplies by 1 - rate at inference", () => {
      const x = randomArray(Type, 300, 5);
      const { output, mask } = dropoutWithMask(x, { rate: 0.3, scaling: 'inference', seed: 2, backend });
      const bits = mask.toUint8Array();
      expect(mask.scale).toBe(1);
      expectSameBits(output, x.map((v, i) => (bits[i] ? v : 0)));
      const inference = dropoutWithMask(x, { rate: 0.3, scaling: 'inference', training: false, backend });
      expectSameBits(inference.output, x.map((v) => v * round(0.7)));
      expect(inference.mask.scale).toBe(round(0.7));
      expectSameBits(dropoutBackward(x, inference.mask, { backend }), x.map((v) => v * round(0.7)));
      expectSameBits(dropoutBackward(x, mask, { backend }), x.map((v, i) => (bits[i] ? v : 0)));
    });

    describe('alphaDropout', () => {
      it('has the published coefficients (p = 0.2: a = 0.8789035834, b = 0.3090399621)', () => {
        const { a, b } = alphaDropoutCoefficients(0.2);
        expect(a).toBeCloseTo(0.8789035834, 10);
        expect(b).toBeCloseTo(0.3090399621, 10);
      });

      it('maps kept x to a·x + b and dropped to a·α′ + b, in the dtype, with the same mask as dropout', () => {
        const x = randomArray(Type, 500, 8);
        x[3] = NaN;
        const { a, b } = alphaDropoutCoefficients(0.2);
        const { output, mask } = alphaDropoutWithMask(x, { rate: 0.2, seed: 10, stream: 1, backend });
        const bits = mask.toUint8Array();
        expect(bits).toEqual(dropoutWithMask(x, { rate: 0.2, seed: 10, stream: 1, backend }).mask.toUint8Array());
        expectSameBits(output, x.map((v, i) => (bits[i] ? round(v * round(a)) + round(b) : a * ALPHA_PRIME + b)));
        expect(mask.scale).toBe(round(a));
        const grad = randomArray(Type, 500, 9);
        expectSameBits(dropoutBackward(grad, mask, { backend }), grad.map((v, i) => (bits[i] ? v * round(a) : 0)));
      });

      it('is the identity at rate 0 and in inference, and rejects rate 1', () => {
        const x = randomArray(Type, 64, 11);
        x[0] = -0;
        expectSameBits(alphaDropout(x, { rate: 0, seed: 1, backend }), x);
        expect(alphaDropout(x, { rate: 0.5, training: false, backend })).toBe(x);
        expect(() => alphaDropout(x, { rate: 1, seed: 1, backend })).toThrow(/alpha dropout cannot drop everything/);
      });

      it('broadcasts with a noise shape', () => {
        const x = randomArray(Type, 24, 12);
        const { output, mask } = alphaDropoutWithMask(x, { rate: 0.5, shape: [2, 3, 4], noiseShape: [2, 1, 4], seed: 3, backend });
        const bits = mask.toUint8Array();
        const { a, b } = alphaDropoutCoefficients(0.5);
        for (let j = 0; j < 24; j++) {
          const kept = bits[Math.floor(j / 12) * 4 + (j % 4)];
          expect(output[j]).toBe(kept ? round(round(x[j]! * round(a)) + round(b)) : round(a * ALPHA_PRIME + b));
        }
      });

      it('keeps mean 0 and variance 1 for standard-normal input (10^6 elements, 10 standard errors)', () => {
        const x = Type.from(normals(1_000_000, 21, 0));
        const y = alphaDropout(x, { rate: 0.3, seed: 22, backend });
        let sum = 0;
        let sumOfSquares = 0;
        for (const v of y) {
          sum += v;
          sumOfSquares += v * v;
        }
        const mean = sum / y.length;
        // standard error of the mean 1e-3, of the variance about 2e-3: the bounds are 10 of them,
        // so by the central limit theorem a correct implementation fails far less than once in 1e9
        expect(Math.abs(mean)).toBeLessThan(0.01);
        expect(Math.abs(sumOfSquares / y.length - mean * mean - 1)).toBeLessThan(0.02);
      });
    });

    describe('gaussianDropout', () => {
      it('multiplies by 1 + σz in float64 and rounds once; backward uses the same noise', () => {
        const x = randomArray(Type, 1001, 13);
        const sigma = Math.sqrt(0.2 / 0.8);
        const z = normals(1001, 31, 4, 7);
        const { output, noise } = gaussianDropoutWithNoise(x, { rate: 0.2, seed: 31, stream: 4, offset: 7, backend });
        expectSameBits(output, x.map((v, i) => v * (1 + sigma * z[i]!)));
        expect(gaussianDropout(x, { rate: 0.2, seed: 31, stream: 4, offset: 7, backend })).toEqual(output);
        const grad = randomArray(Type, 1001, 14);
        expectSameBits(gaussianDropoutBackward(grad, noise, { backend }), grad.map((v, i) => v * (1 + sigma * z[i]!)));
        expect([noise.seed, noise.stream, noise.offset, noise.size]).toEqual([31n, 4n, 7n, 1001]);
      });

      it('is the identity at rate 0 (still taking a stream) and in inference (taking none); rate 1 is an error', () => {
        const x = randomArray(Type, 100, 15);
        x[1] = -0;
        const generator = new Generator(1);
        expectSameBits(gaussianDropout(x, { rate: 0, generator, backend }), x);
        expect(generator.stream).toBe(1n);
        expect(gaussianDropout(x, { rate: 0.5, training: false, generator, backend })).toBe(x);
        expect(generator.stream).toBe(1n);
        expect(() => gaussianDropout(x, { rate: 1, seed: 1, backend })).toThrow(/variance rate \/ \(1 - rate\) would be infinite/);
      });

      it('gives the same result in shards', () => {
        const x = randomArray(Type, 1000, 16);
        const whole = gaussianDropout(x, { rate: 0.4, seed: 8, backend });
        const left = gaussianDropout(x.subarray(0, 333), { rate: 0.4, seed: 8, backend });
        const right = gaussianDropout(x.subarray(333), { rate: 0.4, seed: 8, offset: 333, backend });
        expectSameBits(Type.from([...left, ...right]), whole);
      });
    });

    it('gaussianNoise adds stddev·z in float64 and rounds once', () => {
      const x = randomArray(Type, 777, 17);
      const z = normals(777, 41, 2);
      expectSameBits(gaussianNoise(x, { stddev: 0.3, seed: 41, stream: 2, backend }), x.map((v, i) => v + 0.3 * z[i]!));
      expect(gaussianNoise(x, { stddev: 0.3, training: false, backend })).toBe(x);
      expect(() => gaussianNoise(x, { stddev: -1, seed: 1, backend })).toThrow(/finite number >= 0 for stddev but received -1/);
      expect(() => gaussianNoise(x, { stddev: Infinity, seed: 1, backend })).toThrow(RangeError);
    });

    describe('biasDropoutAdd', () => {
      const rows = 37;
      const columns = 13;
      const x = randomArray(Type, rows * columns, 18);
      const bias = randomArray(Type, columns, 19);
      const residual = randomArray(Type, rows * columns, 20);

      /** The unfused composition: t = x + bias; dropout(t); + residual — each step rounded. */
      function unfused(rate: number, training = true): { output: FloatArray; mask: Uint8Array } {
        const t = x.map((v, j) => v + bias[j % columns]!);
        const { output, mask } = dropoutWithMask(t, { rate, seed: 9, stream: 5, training, backend });
        return { output: output.map((v, j) => residual[j]! + v), mask: mask.toUint8Array() };
      }

      it('equals residual + dropout(x + bias) exactly, mask included', () => {
        for (const rate of [0, 0.1, 0.5, 1]) {
          const { output, mask } = biasDropoutAddWithMask(x, bias, residual, { rate, seed: 9, stream: 5, backend });
          const reference = unfused(rate);
          expectSameBits(output, reference.output, `rate ${rate}`);
          expect(mask.toUint8Array()).toEqual(reference.mask);
          expect(mask.shape).toEqual([rows, columns]);
          expect(biasDropoutAdd(x, bias, residual, { rate, seed: 9, stream: 5, backend })).toEqual(output);
        }
      });

      it('writes in place into x or residual, and is residual + (x + bias) in inference', () => {
        const reference = unfused(0.3).output;
        const xCopy = x.slice();
        expect(biasDropoutAdd(xCopy, bias, residual, { rate: 0.3, seed: 9, stream: 5, out: xCopy, backend })).toBe(xCopy);
        expectSameBits(xCopy, reference);
        const residualCopy = residual.slice();
        biasDropoutAdd(x, bias, residualCopy, { rate: 0.3, seed: 9, stream: 5, out: residualCopy, backend });
        expectSameBits(residualCopy, reference);
        const generator = new Generator(3);
        expectSameBits(biasDropoutAdd(x, bias, residual, { rate: 0.3, training: false, generator, backend }), unfused(0.3, false).output);
        expect(generator.stream).toBe(0n);
      });

      it('backward gives dx = dropout backward, dbias = column sums of dx (float64, rounded once), dresidual = grad', () => {
        const { mask } = biasDropoutAddWithMask(x, bias, residual, { rate: 0.25, seed: 1, backend });
        const grad = randomArray(Type, rows * columns, 21);
        const { dx, dbias, dresidual } = biasDropoutAddBackward(grad, mask, { backend });
        expectSameBits(dx, dropoutBackward(grad, mask, { backend }));
        const sums = new Float64Array(columns);
        for (let j = 0; j < dx.length; j++) sums[j % columns] += dx[j]!;
        expectSameBits(dbias, Type.from(sums));
        expect(dresidual).toBe(grad);
      });

      it('rejects mismatched arguments before writing', () => {
        const out = new Type(rows * columns).fill(7);
        expect(() => biasDropoutAdd(x, new Type(5), residual, { rate: 0.5, seed: 1, out, backend })).toThrow(
          /length of x \(481\) to be a multiple of the length of bias \(5\)/,
        );
        expect(() => biasDropoutAdd(x, bias, residual.subarray(1), { rate: 0.5, seed: 1, out, backend })).toThrow(RangeError);
        expect(() => biasDropoutAdd(x, bias, residual, { rate: 0.5, seed: 1, shape: [13, 37], out, backend })).toThrow(
          /last axis of shape \[13, 37\] to be the length of bias \(13\)/,
        );
        const other = Type === Float32Array ? new Float64Array(columns) : new Float32Array(columns);
        expect(() => biasDropoutAdd(x, other as never, residual, { rate: 0.5, seed: 1, out, backend })).toThrow(TypeError);
        const shared = new Type(rows * columns + 1);
        expect(() =>
          biasDropoutAdd(x, bias, shared.subarray(0, rows * columns), { rate: 0.5, seed: 1, out: shared.subarray(1), backend }),
        ).toThrow(/not a view overlapping residual or bias/);
        expect(out.every((v) => v === 7)).toBe(true);
      });
    });
  });
});
