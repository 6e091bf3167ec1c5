/**
 * The native and JS backends give the same bits: outputs, masks and gradients, over random sizes,
 * both dtypes, the rate edges, unaligned views, offsets across 2**32 blocks and noise shapes, with
 * the native backend on 1, 2, 3 and 8 threads and by default.
 */
import { describe, expect, it } from 'vitest';
import {
  alphaDropoutWithMask,
  biasDropoutAddBackward,
  biasDropoutAddWithMask,
  dropoutBackward,
  dropoutWithMask,
  gaussianDropout,
  gaussianNoise,
  type DropoutOptions,
} from '../lib/index.js';
import { expectSameBits, nativeLoad, randomArray, testRandom, dtypes } from './support.js';

const rates = [0, 1e-12, 0.1, 0.5, 0.9, 1];

/**
 * The native thread counts every comparison runs with (each splits the work into different ranges;
 * 3 divides nothing, 8 exceeds the cores of small machines), and the default.
 */
const threadCounts = [1, 2, 3, 8, undefined];

/** Runs one forward and backward on both backends, native with every thread count, and compares every bit. */
function expectParity(x: Float32Array | Float64Array, options: Omit<DropoutOptions, 'backend' | 'threads'>, label: string): void {
  const js = dropoutWithMask(x, { ...options, backend: 'js' });
  const grad = x.map((v) => v * 0.5 - 1);
  const jsGrad = dropoutBackward(grad, js.mask, { backend: 'js' });
  for (const threads of threadCounts) {
    const native = dropoutWithMask(x, { ...options, backend: 'native', threads });
    expectSameBits(native.output, js.output, `${label} threads=${threads}`);
    expectSameBits(native.mask.bits(), js.mask.bits(), `${label} threads=${threads}`);
    expectSameBits(dropoutBackward(grad, native.mask, { backend: 'native', threads }), jsGrad, `${label} threads=${threads}`);
  }
}

describe.runIf(nativeLoad.backend !== undefined)('native and JS backends, bit for bit', () => {
  it.each(dtypes)('agree over random lengths 0..10000, unaligned views and offsets (%s)', (_, Type) => {
    const next = testRandom(31);
    const lengths = [0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 65, 127, 129, 10_000];
    for (let trial = 0; trial < 40; trial++) lengths.push(Math.floor(next() * 10_001));
    for (const [k, n] of lengths.entries()) {
      const shift = k % 4;
      const x = randomArray(Type, n + shift, 100 + k).subarray(shift);
      x[Math.floor(n / 2)] = NaN;
      const rate = rates[k % rates.length]!;
      const offset = k % 3 === 0 ? 0 : Math.floor(next() * 2 ** 40);
      expectParity(x, { rate, seed: BigInt(k) * 0x9e3779b97f4a7c15n % 2n ** 64n, stream: k, offset }, `n=${n} rate=${rate} offset=${offset}`);
    }
  });

  it.each(dtypes)('agree on outputs large enough to be written around the cache, into aligned and unaligned out (%s)', (_, Type) => {
    // 12 MiB and 45 elements: on 1 thread past the 8 MiB from which the x86 kernels store with
    // non-temporal stores when out is 16-byte aligned; on 2 threads, 6 MiB each, through the cache
    const n = (3 * 2 ** 22) / Type.BYTES_PER_ELEMENT + 45;
    const x = randomArray(Type, n, 77);
    const options = { rate: 0.3, seed: 5, shape: [n] };
    const js = dropoutWithMask(x, { ...options, backend: 'js' });
    const jsGrad = dropoutBackward(x, js.mask, { backend: 'js' });
    const bias = randomArray(Type, n, 78);
    const jsFused = biasDropoutAddWithMask(x, bias, x, { ...options, backend: 'js' });
    for (const shift of [0, 1]) {
      const out = new Type(n + shift).subarray(shift);
      for (const threads of [1, 2]) {
        const label = `shift=${shift} threads=${threads}`;
        const native = dropoutWithMask(x, { ...options, backend: 'native', threads, out });
        expectSameBits(native.output, js.output, label);
        expectSameBits(native.mask.bits(), js.mask.bits(), label);
        expectSameBits(dropoutBackward(x, js.mask, { backend: 'native', threads, out }), jsGrad, `backward ${label}`);
        const fused = biasDropoutAddWithMask(x, bias, x, { ...options, backend: 'native', threads, out });
        expectSameBits(fused.output, jsFused.output, `biasDropoutAdd ${label}`);
      }
    }
  });

  it.each(dtypes)('agree at every rate across the 2**32 block boundary (%s)', (_, Type) => {
    const x = randomArray(Type, 1000, 7);
    for (const rate of rates) {
      expectParity(x, { rate, seed: 2n ** 64n - 1n, stream: 2n ** 64n - 1n, offset: 2n ** 34n - 501n }, `rate=${rate}`);
    }
  });

  it.each(dtypes)('agree on noise shapes (%s)', (_, Type) => {
    const shapes: [number[], (number | null)[]][] = [
      [[2, 3, 4], [2, 1, 4]],
      [[4, 7, 9, 5], [4, 1, 1, 5]],
      [[4, 5, 9, 7], [4, 5, 1, 1]],
      [[33, 65], [1, 65]],
      [[33, 65], [33, 1]],
      [[6, 1, 10], [1, 1, 1]],
    ];
    for (const [index, [shape, noiseShape]] of shapes.entries()) {
      const x = randomArray(Type, shape.reduce((p, d) => p * d, 1), index);
      for (const rate of rates) {
        expectParity(x, { rate, seed: index, stream: 3, offset: index * 13, shape, noiseShape }, `${shape} ${noiseShape} rate=${rate}`);
      }
    }
  });
});

/** The distance in units in the last place between two arrays of one type (0: bit-identical). */
function maxUlpDistance(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  const toOrdered = (array: Float32Array | Float64Array) =>
    array instanceof Float32Array
      ? Array.from(new Int32Array(array.buffer, array.byteOffset, array.length), (bits) => BigInt(bits < 0 ? -2147483648 - bits : bits))
      : Array.from(new BigInt64Array(array.buffer, array.byteOffset, array.length), (bits) => (bits < 0n ? -(2n ** 63n) - bits : bits));
  const [left, right] = [toOrdered(a), toOrdered(b)];
  let distance = 0n;
  for (let i = 0; i < left.length; i++) {
    const d = left[i]! > right[i]! ? left[i]! - right[i]! : right[i]! - left[i]!;
    if (d > distance) distance = d;
  }
  return Number(distance);
}

describe.runIf(nativeLoad.backend !== undefined)('the dropout family, native against JS', () => {
  const next = testRandom(77);
  const lengths = [0, 1, 3, 4, 5, 33, 1000, ...Array.from({ length: 12 }, () => Math.floor(next() * 5000))];

  it.each(dtypes)('Gaussian dropout and noise agree to 0 ulp (the promise is <= 1) (%s)', (_, Type) => {
    for (const [k, n] of lengths.entries()) {
      const x = randomArray(Type, n + 1, k).subarray(1);
      const options = { seed: k, stream: 2, offset: k * 1001 };
      for (const [label, op] of [
        ['gaussianDropout', (backend: 'js' | 'native', threads?: number) => gaussianDropout(x, { rate: 0.3, ...options, backend, threads })],
        ['gaussianNoise', (backend: 'js' | 'native', threads?: number) => gaussianNoise(x, { stddev: 2, ...options, backend, threads })],
      ] as const) {
        const js = op('js');
        for (const threads of threadCounts) {
          expect(maxUlpDistance(op('native', threads), js), `${label} n=${n} threads=${threads}`).toBe(0);
        }
      }
    }
  });

  it.each(dtypes)('alpha dropout and bias-dropout-add agree bit for bit, backward included (%s)', (_, Type) => {
    for (const [k, n] of lengths.entries()) {
      const x = randomArray(Type, n, k);
      const options = { rate: [0, 0.2, 0.5, 0.9][k % 4]!, seed: k, stream: 1, offset: k * 7 };
      expectParity(x, options, `dropout n=${n}`);
      const alpha = (backend: 'js' | 'native', threads?: number) => alphaDropoutWithMask(x, { ...options, backend, threads });
      for (const threads of threadCounts) expectSameBits(alpha('native', threads).output, alpha('js').output, `alpha n=${n} threads=${threads}`);
      const columns = [1, 3, 8][k % 3]!;
      const rows = Math.floor(n / columns);
      const input = x.subarray(0, rows * columns);
      const bias = randomArray(Type, columns, k + 1);
      const residual = randomArray(Type, rows * columns, k + 2);
      const fused = (backend: 'js' | 'native', threads?: number) => {
        const { output, mask } = biasDropoutAddWithMask(input, bias, residual, { ...options, backend, threads });
        return { output, ...biasDropoutAddBackward(residual, mask, { backend, threads }) };
      };
      const js = fused('js');
      for (const threads of threadCounts) {
        const native = fused('native', threads);
        expectSameBits(native.output, js.output, `biasDropoutAdd n=${n} threads=${threads}`);
        expectSameBits(native.dx, js.dx, `dx n=${n} threads=${threads}`);
        expectSameBits(native.dbias, js.dbias, `dbias n=${n} threads=${threads}`);
      }
    }
  });
});
