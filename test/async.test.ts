/**
 * dropoutAsync, dropoutWithMaskAsync and dropoutBackwardAsync: the same bits as the synchronous
 * calls on every backend, errors as rejections, an event loop that keeps running during a large
 * native call, and arrays kept alive (under --expose-gc, in a child process) until the call ends.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  dropout,
  dropoutAsync,
  dropoutBackward,
  dropoutBackwardAsync,
  dropoutWithMask,
  dropoutWithMaskAsync,
  Generator,
  type DropoutOptions,
} from '../lib/index.js';
import { backendNames, dtypes, expectSameBits, nativeLoad, randomArray } from './support.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const hasNative = nativeLoad.backend !== undefined;

describe.each(backendNames)('async dropout on the %s backend', (backend) => {
  describe.each(dtypes)('%s', (_, Type) => {
    const cases: [string, number, Omit<DropoutOptions, 'backend'>][] = [
      ['elementwise', 1001, { rate: 0.3, seed: 4, stream: 2, offset: 7 }],
      ['large, multi-threaded', 200_003, { rate: 0.5, seed: 5 }],
      ['on 3 threads', 5000, { rate: 0.5, seed: 5, threads: 3 }],
      ['broadcast', 24, { rate: 0.5, seed: 6, shape: [2, 3, 4], noiseShape: [2, 1, 4] }],
      ['classic scaling', 100, { rate: 0.2, seed: 7, scaling: 'inference' }],
      ['classic inference', 100, { rate: 0.2, scaling: 'inference', training: false }],
      ['inference', 100, { rate: 0.2, training: false }],
      ['empty', 0, { rate: 0.5, seed: 1 }],
    ];

    it.each(cases)('gives the bits of the synchronous calls (%s)', async (_label, n, options) => {
      const x = randomArray(Type, n, n);
      const grad = randomArray(Type, n, n + 1);
      const sync = dropoutWithMask(x, { ...options, backend });
      const promise = dropoutWithMaskAsync(x, { ...options, backend });
      expect(promise).toBeInstanceOf(Promise);
      const result = await promise;
      expectSameBits(result.output, sync.output);
      expectSameBits(result.mask.bits(), sync.mask.bits());
      expect([result.mask.rate, result.mask.scale, result.mask.shape, result.mask.noiseShape]).toEqual([
        sync.mask.rate, sync.mask.scale, sync.mask.shape, sync.mask.noiseShape,
      ]);
      expectSameBits(await dropoutAsync(x, { ...options, backend }), dropout(x, { ...options, backend }));
      const expected = dropoutBackward(grad, sync.mask, { backend });
      expectSameBits(await dropoutBackwardAsync(grad, result.mask, { backend }), expected);
      const out = new Type(n);
      expect(await dropoutBackwardAsync(grad, result.mask, { backend, out, threads: 2 })).toBe(out);
      expectSameBits(out, expected);
    });

    it('writes into out and in place, and takes the stream when called', async () => {
      const x = randomArray(Type, 500, 3);
      const expected = dropout(x, { rate: 0.5, seed: 9, backend });
      const out = new Type(500);
      expect(await dropoutAsync(x, { rate: 0.5, seed: 9, out, backend })).toBe(out);
      expectSameBits(out, expected);
      const generator = new Generator(9);
      const first = dropoutAsync(x, { rate: 0.5, generator, backend });
      const second = dropoutAsync(x, { rate: 0.5, generator, backend });
      expect(generator.stream).toBe(2n);
      expectSameBits(await second, dropout(x, { rate: 0.5, seed: 9, stream: 1, backend }));
      expectSameBits(await first, expected);
      const inPlace = x.slice();
      expect(await dropoutAsync(inPlace, { rate: 0.5, seed: 9, out: inPlace, backend })).toBe(inPlace);
      expectSameBits(inPlace, expected);
    });
  });

  it('rejects (never throws) with the TypeError or RangeError of the synchronous call, with a stack', async () => {
    const x = new Float32Array(8);
    const { mask } = dropoutWithMask(x, { rate: 0.5, seed: 1 });
    const calls: [() => Promise<unknown>, typeof TypeError, RegExp][] = [
      [() => dropoutAsync(x, { rate: 1.5, seed: 1, backend }), RangeError, /for rate but received 1.5/],
      [() => dropoutAsync(new Int32Array(8) as never, { rate: 0.5, backend }), TypeError, /for x but received an Int32Array/],
      [() => dropoutWithMaskAsync(x, { rate: 0.5, seed: 1, backend, threads: 0 }), RangeError, /integer >= 1 for threads/],
      [() => dropoutAsync(x, { rate: 0.5, out: new Float32Array(3), backend }), RangeError, /Expected out to have the length of x/],
      [() => dropoutBackwardAsync(new Float32Array(9), mask, { backend }), RangeError, /Expected grad to have 8 elements/],
      [() => dropoutBackwardAsync(x, {} as never, { backend }), TypeError, /DropoutMask/],
    ];
    for (const [call, error, message] of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      const reason = await promise!.then(() => undefined, (e: unknown) => e);
      expect(reason).toBeInstanceOf(error);
      expect((reason as Error).message).toMatch(message);
      expect((reason as Error).stack).toMatch(/async\.test\.ts/);
    }
  });

  it('rejects arrays on a resizable ArrayBuffer, which a shrink could unmap under the call', async () => {
    // (ES2024: the ES2022 lib this project compiles against does not declare the options)
    const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer;
    const buffer = new Resizable(64, { maxByteLength: 128 });
    const x = new Float32Array(buffer);
    await expect(dropoutAsync(x, { rate: 0.5, seed: 1, backend })).rejects.toThrow(TypeError);
    await expect(dropoutAsync(x, { rate: 0.5, seed: 1, backend })).rejects.toThrow(/Expected x to be backed by a fixed-length ArrayBuffer for dropoutAsync/);
    const { mask } = dropoutWithMask(new Float32Array(16), { rate: 0.5, seed: 1 });
    await expect(dropoutBackwardAsync(new Float32Array(16), mask, { backend, out: x })).rejects.toThrow(/Expected out to be backed by a fixed-length/);
    // the synchronous calls take them
    expect(dropout(x, { rate: 0.5, seed: 1, backend }).length).toBe(16);
  });
});

describe.runIf(hasNative)('async native calls', () => {
  it('all resolve correctly when there are many more of them than libuv pool threads', async () => {
    // libuv runs 4 pool threads by default (UV_THREADPOOL_SIZE): 64 calls queue up behind them
    const calls = Array.from({ length: 64 }, (_, k) => {
      const x = randomArray(Float32Array, 10_000 + k, k);
      const options = { rate: 0.3, seed: k, stream: 2, backend: 'native' } as const;
      return { expected: dropout(x, options), result: dropoutAsync(x, options) };
    });
    const outputs = await Promise.all(calls.map(({ result }) => result));
    outputs.forEach((output, k) => expectSameBits(output, calls[k]!.expected, `call ${k}`));
  });

  it('leave the event loop free: a timer fires during a large call (3e7 float32)', async () => {
    const x = new Float32Array(3e7).fill(1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const result = dropoutAsync(x, { rate: 0.5, seed: 1, out: x, backend: 'native' });
    const returnedAfter = performance.now() - started;
    await result;
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(returnedAfter).toBeLessThan(elapsed / 2);
    expect(ticks, `${elapsed.toFixed(1)} ms`).toBeGreaterThan(0);
  });

  it('reject with ERR_SIMD_DROPOUT_DETACHED when an array is transferred during the call', async () => {
    const x = new Float32Array(3e7);
    const promise = dropoutAsync(x, { rate: 0.5, seed: 1, backend: 'native' });
    // kept alive (by this scope) until the call settles, so the memory the call writes stays valid
    const moved = structuredClone(x.buffer, { transfer: [x.buffer] });
    expect(x.length).toBe(0);
    const reason = await promise.then(() => undefined, (e: unknown) => e);
    expect((reason as NodeJS.ErrnoException).code).toBe('ERR_SIMD_DROPOUT_DETACHED');
    expect((reason as Error).message).toMatch(/ArrayBuffer of x was detached/);
    expect(moved.byteLength).toBe(1.2e8);
  });

  it.runIf(existsSync(new URL('../dist/index.js', import.meta.url)))(
    'keep the arrays alive until they settle, when JavaScript dropped them and gc() runs mid-flight (node --expose-gc)',
    () => {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--input-type=module', '-e', `
          import { loadNative } from './dist/backend/native.js';
          import { dropout, dropoutAsync, dropoutBackwardAsync, dropoutWithMask } from './dist/index.js';
          const n = 8_000_003;
          const fill = (a) => { for (let i = 0; i < a.length; i++) a[i] = (i % 101) - 50; return a; };
          const expected = dropout(fill(new Float32Array(n)), { rate: 0.5, seed: 3, threads: 1 });
          const finalized = new Set();
          const early = []; // finalized before the kernel's call settled
          let settled = false;
          const registry = new FinalizationRegistry((name) => { finalized.add(name); if (!settled) early.push(name); });
          const collect = async () => { for (let k = 0; k < 3; k++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); } };

          // The backend kernel, with x referenced by nothing but the call.
          const out = new Float32Array(n);
          const stream = { keyLo: 3, keyHi: 0, streamLo: 0, streamHi: 0, offsetLo: 0, offsetHi: 0, dropThreshold: 2 ** 31 };
          const kernel = (() => {
            const x = fill(new Float32Array(n));
            registry.register(x, 'kernel x');
            registry.register(x.buffer, 'kernel x.buffer');
            return loadNative().backend.async.dropoutFused(x, out, null, stream, { scale: 2, shift: null, dropValue: 0 }, 1);
          })();
          kernel.then(() => { settled = true; });
          let collections = 0; // full collections that started while the call was running
          while (!settled) { globalThis.gc(); if (!settled) collections++; await new Promise((r) => setImmediate(r)); }
          await kernel;

          // The public API, with the input dropped by the caller.
          const viaApi = dropoutAsync(fill(new Float32Array(n)), { rate: 0.5, seed: 3 });
          await collect();
          const apiOutput = await viaApi;

          // Backward with only the mask's own reference to its bits.
          const { mask } = dropoutWithMask(new Float32Array(n), { rate: 0.5, seed: 3 });
          const gradOut = new Float32Array(n);
          const backward = dropoutBackwardAsync(fill(new Float32Array(n)), mask, { out: gradOut });
          await collect();
          await backward;

          await collect();
          const same = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
          const bits = mask.bits();
          const expectedGrad = fill(new Float32Array(n)).map((v, i) => (bits[i >>> 5] >>> (i & 31)) & 1 ? Math.fround(v * 2) : 0);
          console.log(JSON.stringify({
            earlyFinalized: early,
            collections,
            kernelSame: same(out, expected),
            apiSame: same(apiOutput, expected),
            backwardSame: same(gradOut, expectedGrad),
            releasedAfter: [...finalized].sort(),
          }));
        `],
        { cwd: root, encoding: 'utf8', timeout: 120_000 },
      );
      expect(child.status, child.stderr).toBe(0);
      const report = JSON.parse(child.stdout) as {
        earlyFinalized: string[];
        collections: number;
        kernelSame: boolean;
        apiSame: boolean;
        backwardSame: boolean;
        releasedAfter: string[];
      };
      expect(report.collections).toBeGreaterThan(0);
      expect(report.earlyFinalized).toEqual([]);
      expect(report).toMatchObject({ kernelSame: true, apiSame: true, backwardSame: true });
      // and the call lets go of them once it has settled
      expect(report.releasedAfter).toEqual(['kernel x', 'kernel x.buffer']);
    },
  );
});
