/**
 * The kernels of the active ISA against the JS backend (bit-identical to the scalar C++ kernels,
 * which the `isa:scalar` project checks), kernel by kernel: every length 0..100 and some longer,
 * every Philox lane offset, offsets across the 2**32-block boundary, the threshold edges, the
 * three transform shapes, unaligned views, in place, broadcast layouts. vitest.config.ts runs this
 * file once per ISA the CPU supports, with SIMD_DROPOUT_ISA forcing it, and once with the default.
 */
import { describe, expect, it } from 'vitest';
import { info } from '../lib/index.js';
import { jsBackend } from '../lib/backend/js.js';
import type { Backend, BroadcastLayout, FloatArray, KeepTransform, MaskStream } from '../lib/backend/types.js';
import { dtypes, expectSameBits, nativeLoad, randomArray, testRandom } from './support.js';

/** The ISAs vitest.config.ts found the addon supports here, slowest first (empty if it did not say). */
const supported = (process.env.SIMD_DROPOUT_TEST_SUPPORTED_ISAS ?? '').split(',').filter((name) => name !== '');
const forced = process.env.SIMD_DROPOUT_ISA;

describe('the active instruction set', () => {
  // a project that forces an ISA is pointless if the addon did not load: say so, do not skip
  it.runIf(forced !== undefined && forced !== '')('loads the addon when SIMD_DROPOUT_ISA forces an ISA', () => {
    expect(nativeLoad.loadError).toBeUndefined();
  });

  it.runIf(nativeLoad.backend !== undefined)('is the forced one, or else the best one the CPU supports', () => {
    const isa = nativeLoad.backend!.isa;
    if (forced !== undefined && forced !== '') {
      expect(isa).toBe(forced);
    } else if (supported.length > 0) {
      expect(isa).toBe(supported[supported.length - 1]);
    }
    if (supported.length > 0) expect(supported).toContain(isa);
    if (info().backend === 'native') expect(info().isa).toBe(isa);
  });
});

/** Random stream coordinates for n elements: small, random and 2**34-adjacent offsets, every lane. */
function streamFor(next: () => number, k: number, dropThreshold: number): MaskStream {
  const word = () => Math.floor(next() * 2 ** 32);
  const offsets = [
    [k % 8, 0],
    [2 ** 32 - 4 * 100 + (k % 13), 3], // global index 2**34 - 400 + ..., across block 2**32
    [word(), word() >>> 2],
  ] as const;
  const [offsetLo, offsetHi] = offsets[k % offsets.length]!;
  return { keyLo: word(), keyHi: word(), streamLo: word(), streamHi: word(), offsetLo, offsetHi, dropThreshold };
}

const THRESHOLDS = [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1234567890];
const TRANSFORMS: KeepTransform[] = [
  { scale: 1 / 0.7, shift: null, dropValue: 0 }, // plain dropout
  { scale: 2.5, shift: null, dropValue: -1.75 }, // a drop value
  { scale: 1.0507, shift: -0.6841, dropValue: -0.4 }, // affine: alpha dropout
];
const LENGTHS = [...Array.from({ length: 101 }, (_, n) => n), 127, 128, 129, 255, 256, 257, 1023, 1025, 4099];

/** x of length n as a view at element offset `shift` into a larger buffer, with NaN, ±Infinity, -0. */
function input(Type: typeof dtypes[number][1], n: number, shift: number, seed: number): FloatArray {
  const x = randomArray(Type, n + shift, seed).subarray(shift);
  if (n > 3) [x[0], x[1], x[2]] = [NaN, -Infinity, -0];
  return x;
}

/** Runs `run` on both backends with fresh outputs of the given lengths and compares them. */
function expectSameOutputs<A extends readonly ArrayBufferView[]>(label: string, make: () => A, run: (backend: Backend, outputs: A) => void): void {
  const [native, js] = [make(), make()];
  run(nativeLoad.backend!, native);
  run(jsBackend, js);
  native.forEach((output, i) => expectSameBits(output, js[i]!, `${label} (output ${i})`));
}

describe.runIf(nativeLoad.backend !== undefined)(`kernels on ${nativeLoad.backend?.isa ?? 'no addon'}, bit for bit with JS`, () => {
  it.each(dtypes)('dropoutFused and generateMask: every length, lane and threshold (%s)', (_, Type) => {
    const next = testRandom(1);
    for (const [k, n] of LENGTHS.entries()) {
      const x = input(Type, n, k % 3, k);
      const stream = streamFor(next, k, THRESHOLDS[k % THRESHOLDS.length]!);
      const transform = TRANSFORMS[k % TRANSFORMS.length]!;
      const words = Math.ceil(n / 32);
      const label = `n=${n} offset=${stream.offsetHi}:${stream.offsetLo} D=${stream.dropThreshold}`;
      expectSameOutputs(label, () => [new Type(n + 1).subarray(1), new Uint32Array(words).fill(0xdeadbeef)] as const, (backend, [out, mask]) =>
        backend.dropoutFused(x, out, mask, stream, transform),
      );
      expectSameOutputs(`${label} in place`, () => [x.slice()] as const, (backend, [inPlace]) =>
        backend.dropoutFused(inPlace, inPlace, null, stream, transform),
      );
      expectSameOutputs(`${label} mask`, () => [new Uint32Array(words + 1).fill(7).subarray(1)] as const, (backend, [mask]) =>
        backend.generateMask(mask, n, stream),
      );
    }
  });

  it.each(dtypes)('applyMask: contiguous, broadcast and strided layouts (%s)', (_, Type) => {
    const next = testRandom(2);
    for (const [k, n] of LENGTHS.entries()) {
      const x = input(Type, n, (k + 1) % 4, k);
      const transform = TRANSFORMS[k % TRANSFORMS.length]!;
      const bits = new Uint32Array(Math.ceil(n / 32) + 1).map(() => Math.floor(next() * 2 ** 32));
      const layouts: BroadcastLayout[] = [{ dims: [n], maskStrides: [1] }];
      if (n > 0) {
        const c = 1 + (k % 37);
        const b = Math.floor(n / c);
        if (b > 0) {
          layouts.push({ dims: [b, c], maskStrides: [0, 1] }); // broadcast rows
          layouts.push({ dims: [b, c], maskStrides: [1, 0] }); // broadcast columns
          layouts.push({ dims: [b, c], maskStrides: [1, b] }); // a transposed mask: inner stride b
        }
      }
      for (const layout of layouts) {
        const m = layout.dims.reduce((p, d) => p * d, 1);
        const view = x.subarray(0, m);
        expectSameOutputs(`n=${n} ${JSON.stringify(layout)}`, () => [new Type(m)] as const, (backend, [out]) =>
          backend.applyMask(view, out, bits, transform, layout),
        );
      }
    }
  });

  it.each(dtypes)('gaussianNoise and normalValues: both modes, every lane (%s)', (_, Type) => {
    const next = testRandom(3);
    for (const [k, n] of LENGTHS.entries()) {
      const x = input(Type, n, k % 2, k);
      const stream = streamFor(next, k, 0);
      for (const mode of ['multiply', 'add'] as const) {
        expectSameOutputs(`n=${n} ${mode}`, () => [new Type(n)] as const, (backend, [out]) =>
          backend.gaussianNoise(x, out, stream, 1.5, mode),
        );
      }
      expectSameOutputs(`normalValues n=${n}`, () => [new Float64Array(n + 1).subarray(1)] as const, (backend, [z]) =>
        backend.normalValues(z, stream),
      );
      expectSameOutputs(`randomWords n=${n}`, () => [new Uint32Array(n + 3).subarray(3)] as const, (backend, [words]) =>
        backend.randomWords(words, stream),
      );
    }
  });

  it.each(dtypes)('biasDropoutAdd: bias lengths around 32, in place (%s)', (_, Type) => {
    const next = testRandom(4);
    for (const [k, columns] of [1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 100].entries()) {
      for (const rows of [0, 1, 2, 5, 33]) {
        const n = rows * columns;
        const x = input(Type, n, k % 3, k);
        const bias = randomArray(Type, columns + 1, k + 50).subarray(1);
        const residual = randomArray(Type, n, k + 100);
        const stream = streamFor(next, k + rows, THRESHOLDS[(k + rows) % THRESHOLDS.length]!);
        const label = `C=${columns} rows=${rows} D=${stream.dropThreshold}`;
        expectSameOutputs(label, () => [new Type(n), new Uint32Array(Math.ceil(n / 32)).fill(3)] as const, (backend, [out, mask]) =>
          backend.biasDropoutAdd(x, bias, residual, out, mask, stream, 1 / 0.6),
        );
        expectSameOutputs(`${label} into residual`, () => [residual.slice()] as const, (backend, [inPlace]) =>
          backend.biasDropoutAdd(x, bias, inPlace, inPlace, null, stream, 1 / 0.6),
        );
      }
    }
  });

  it.each(dtypes)('columnSums and scale (%s)', (_, Type) => {
    for (const [k, n] of LENGTHS.entries()) {
      const x = input(Type, n, k % 4, k);
      expectSameOutputs(`scale n=${n}`, () => [new Type(n)] as const, (backend, [out]) => backend.scale(x, out, 0.7));
      if (n === 0) continue;
      const columns = [1, 3, 32, 33, 300][k % 5]! <= n ? [1, 3, 32, 33, 300][k % 5]! : n;
      const rows = x.subarray(0, Math.floor(n / columns) * columns);
      expectSameOutputs(`columnSums n=${n} columns=${columns}`, () => [new Type(columns)] as const, (backend, [out]) =>
        backend.columnSums(rows, out),
      );
    }
  });
});
