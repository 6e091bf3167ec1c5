/**
 * Threads: setThreads and the `threads` option, bit-identical results for every way of splitting
 * the work (sizes above the crossover, where the default is multi-threaded), the pool's lazy start,
 * and the addon in several worker_threads at once, torn down mid-call and at exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  biasDropoutAdd,
  dropout,
  dropoutBackward,
  dropoutWithMask,
  gaussianNoise,
  info,
  philoxWords,
  setThreads,
  type FloatArray,
} from '../lib/index.js';
import { APPLY_JS_CROSSOVER, APPLY_THREAD_CROSSOVER, JS_CROSSOVER, THREAD_CROSSOVER } from '../lib/backend/crossover.js';
import { BACKEND_ENV, selectBackend } from '../lib/backend/select.js';
import { backendNames, dtypes, expectSameBits, nativeLoad, randomArray } from './support.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const distUrl = pathToFileURL(`${root}dist/index.js`).href;
const hasNative = nativeLoad.backend !== undefined;

/** Runs an ES module script in a fresh node on the compiled package (dist/). */
function runChild(script: string, flags: string[] = []) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SIMD_DROPOUT_BACKEND;
  return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
}

describe('setThreads', () => {
  const initial = info().threads;
  afterEach(() => {
    if (hasNative) setThreads(initial);
  });

  it('takes an integer from 1 to the cores, and info() reports it', () => {
    const { cores } = info();
    expect(cores).toBeGreaterThanOrEqual(1);
    setThreads(1);
    if (hasNative) expect(info().threads).toBe(1);
    setThreads(cores);
    if (hasNative) expect(info().threads).toBe(cores);
  });

  it.each([
    ['0', 0, RangeError],
    ['more than the cores', 10_000, RangeError],
    ['1.5', 1.5, RangeError],
    ['NaN', NaN, RangeError],
    ['a string', '2', TypeError],
    ['undefined', undefined, TypeError],
  ] as const)('rejects %s', (_, value, error) => {
    expect(() => setThreads(value as never)).toThrow(error);
    expect(() => setThreads(value as never)).toThrow(/Expected an integer from 1 to \d+ \(the cores available\) for threads/);
  });

  it('starts with every core, and reports the measured crossovers', () => {
    const report = info();
    expect(report.threads).toBe(report.backend === 'native' ? report.cores : 1);
    expect(report.threadCrossover).toBe(THREAD_CROSSOVER);
    expect(report.applyThreadCrossover).toBe(APPLY_THREAD_CROSSOVER);
    const automatic = report.backend === 'native' && !process.env[BACKEND_ENV];
    expect([report.jsCrossover, report.applyJsCrossover]).toEqual(automatic ? [JS_CROSSOVER, APPLY_JS_CROSSOVER] : [0, 0]);
  });
});

describe.runIf(hasNative && process.env[BACKEND_ENV] === undefined)('small arrays', () => {
  it('run on the JS backend below the crossover when no backend is named, and on the named one always', () => {
    expect(selectBackend(undefined, JS_CROSSOVER - 1, JS_CROSSOVER).name).toBe('js');
    expect(selectBackend(undefined, JS_CROSSOVER, JS_CROSSOVER).name).toBe('native');
    expect(selectBackend(undefined, 1).name).toBe('native');
    expect(selectBackend('native', 1, JS_CROSSOVER).name).toBe('native');
    expect(selectBackend('js', 10 ** 6, JS_CROSSOVER).name).toBe('js');
  });
});

describe.each(backendNames)('the threads option on the %s backend', (backend) => {
  const x = randomArray(Float32Array, 100, 1);

  it.each([
    ['0', 0, RangeError],
    ['-1', -1, RangeError],
    ['2.5', 2.5, RangeError],
    ['Infinity', Infinity, RangeError],
    ['a string', '2', TypeError],
  ] as const)('rejects %s, in forward and backward', (_, threads, error) => {
    expect(() => dropout(x, { rate: 0.5, seed: 1, backend, threads: threads as never })).toThrow(error);
    expect(() => dropout(x, { rate: 0.5, seed: 1, backend, threads: threads as never })).toThrow(/Expected an integer >= 1 for threads/);
    const { mask } = dropoutWithMask(x, { rate: 0.5, seed: 1, backend });
    expect(() => dropoutBackward(x, mask, { backend, threads: threads as never })).toThrow(error);
    expect(() => gaussianNoise(x, { stddev: 1, seed: 1, backend, threads: threads as never })).toThrow(error);
    expect(() => philoxWords(new Uint32Array(4), { seed: 1, backend, threads: threads as never })).toThrow(error);
  });

  it('accepts more threads than cores and than elements', () => {
    expect(dropout(x, { rate: 0.5, seed: 1, backend, threads: 1000 })).toEqual(dropout(x, { rate: 0.5, seed: 1, backend, threads: 1 }));
  });
});

describe.runIf(hasNative)('native results do not depend on the thread count, above the crossover too', () => {
  // sizes around the crossovers, odd ones, and offsets that start mid-block
  const sizes = [THREAD_CROSSOVER - 1, THREAD_CROSSOVER, APPLY_THREAD_CROSSOVER + 33, 300_007];
  const threadCounts = [1, 2, 3, 8, undefined];

  /** Every thread count gives the bits of the first (1 thread), which the JS backend gives too. */
  function expectSameForAllThreads(run: (threads: number | undefined) => FloatArray | Uint32Array, js: () => FloatArray | Uint32Array, label: string) {
    const reference = run(1);
    expectSameBits(reference, js(), `${label} js`);
    for (const threads of threadCounts.slice(1)) expectSameBits(run(threads), reference, `${label} threads=${threads}`);
  }

  it.each(dtypes)('dropout, its mask and its gradient, elementwise and broadcast (%s)', (_, Type) => {
    for (const n of sizes) {
      const x = randomArray(Type, n, n);
      const grad = randomArray(Type, n, n + 1);
      const options = { rate: 0.3, seed: 99, stream: 5, offset: 2 ** 33 + 3 };
      const fused = (threads: number | undefined, backend: 'js' | 'native' = 'native') => dropoutWithMask(x, { ...options, backend, threads });
      expectSameForAllThreads((t) => fused(t).output, () => fused(undefined, 'js').output, `dropout n=${n}`);
      expectSameForAllThreads((t) => fused(t).mask.bits(), () => fused(undefined, 'js').mask.bits(), `mask n=${n}`);
      const { mask } = fused(1);
      expectSameForAllThreads(
        (t) => dropoutBackward(grad, mask, { backend: 'native', threads: t }),
        () => dropoutBackward(grad, mask, { backend: 'js' }),
        `backward n=${n}`,
      );
      // a broadcast mask: generateMask then applyMask, split along the outer axis (whose mask
      // stride is 1, 0 or an odd number of bits)
      for (const [label, s, noiseShape] of [
        ['rows share', [Math.floor(n / 7), 7], [Math.floor(n / 7), 1]],
        ['columns share', [7, Math.floor(n / 7)], [1, Math.floor(n / 7)]],
        ['outer odd stride', [Math.floor(n / 12), 3, 4], [Math.floor(n / 12), 1, 4]],
        ['outer stride 3', [Math.floor(n / 15), 5, 3], [Math.floor(n / 15), 1, 3]],
      ] as const) {
        const size = s.reduce((p, d) => p * d, 1);
        const input = x.subarray(0, size);
        const broadcast = (threads: number | undefined, backend: 'js' | 'native' = 'native') =>
          dropoutWithMask(input, { ...options, shape: s, noiseShape, backend, threads });
        expectSameForAllThreads((t) => broadcast(t).output, () => broadcast(undefined, 'js').output, `${label} n=${size}`);
        const broadcastMask = broadcast(1).mask;
        expectSameForAllThreads(
          (t) => dropoutBackward(grad.subarray(0, size), broadcastMask, { backend: 'native', threads: t }),
          () => dropoutBackward(grad.subarray(0, size), broadcastMask, { backend: 'js' }),
          `${label} backward n=${size}`,
        );
      }
    }
  });

  it.each(dtypes)('Gaussian noise, bias-dropout-add, classic inference scaling and Philox words (%s)', (_, Type) => {
    for (const n of sizes) {
      const x = randomArray(Type, n, n + 2);
      const seed = { seed: 7, stream: 1, offset: 5 };
      expectSameForAllThreads(
        (threads) => gaussianNoise(x, { stddev: 0.5, ...seed, backend: 'native', threads }),
        () => gaussianNoise(x, { stddev: 0.5, ...seed, backend: 'js' }),
        `gaussianNoise n=${n}`,
      );
      expectSameForAllThreads(
        (threads) => dropout(x, { rate: 0.25, scaling: 'inference', training: false, backend: 'native', threads }),
        () => dropout(x, { rate: 0.25, scaling: 'inference', training: false, backend: 'js' }),
        `inference scaling n=${n}`,
      );
      // bias lengths whose lcm with 32 is small, odd, and larger than a part
      for (const columns of [1, 48, 97, Math.floor(n / 3)]) {
        const rowCount = Math.floor(n / columns);
        const input = x.subarray(0, rowCount * columns);
        const bias = randomArray(Type, columns, columns);
        const residual = randomArray(Type, rowCount * columns, columns + 1);
        expectSameForAllThreads(
          (threads) => biasDropoutAdd(input, bias, residual, { rate: 0.5, ...seed, backend: 'native', threads }),
          () => biasDropoutAdd(input, bias, residual, { rate: 0.5, ...seed, backend: 'js' }),
          `biasDropoutAdd n=${input.length} columns=${columns}`,
        );
      }
    }
    const words = (threads: number | undefined, backend: 'js' | 'native' = 'native') => philoxWords(new Uint32Array(300_001), { seed: 3, offset: 2, backend, threads });
    expectSameForAllThreads(words, () => words(undefined, 'js'), 'philoxWords');
  });

  it('splits normal values on any range boundary', () => {
    const native = nativeLoad.backend!;
    const stream = { keyLo: 1, keyHi: 2, streamLo: 3, streamHi: 4, offsetLo: 2 ** 32 - 7, offsetHi: 0, dropThreshold: 0 };
    const reference = new Float64Array(100_003);
    native.normalValues(reference, stream, 1);
    for (const threads of [2, 3, 8, 1000]) {
      const out = new Float64Array(100_003);
      native.normalValues(out, stream, threads);
      expectSameBits(out, reference, `normalValues threads=${threads}`);
    }
  });
});

describe.runIf(hasNative && existsSync(new URL('../dist/index.js', import.meta.url)))('the pool in a process', () => {
  it('starts its threads only for a multi-threaded call, and a process exits cleanly after using them', () => {
    const child = runChild(`
      import { loadNative } from './dist/backend/native.js';
      import { dropout } from './dist/index.js';
      const { threads } = loadNative();
      const before = threads.workers();
      dropout(new Float32Array(1000), { rate: 0.5, seed: 1 });
      const small = threads.workers();
      dropout(new Float32Array(${THREAD_CROSSOVER * 4}), { rate: 0.5, seed: 1 });
      console.log(JSON.stringify({ before, small, large: threads.workers(), max: threads.maxThreads() }));
    `);
    expect(child.status, child.stderr).toBe(0);
    const counts = JSON.parse(child.stdout) as { before: number; small: number; large: number; max: number };
    expect(counts).toEqual({ before: 0, small: 0, large: counts.max - 1, max: counts.max });
  });

  it('runs in several worker_threads at once with identical results; a worker terminated mid-call and process.exit() mid-call do not crash', () => {
    const child = runChild(`
      import { Worker } from 'node:worker_threads';
      import { dropout } from './dist/index.js';
      const n = 1_000_003;
      const x = new Float32Array(n).map((_, i) => (i % 13) - 6);
      const expected = Buffer.from(dropout(x, { rate: 0.4, seed: 11, threads: 1 }).buffer);
      const source = \`(async () => {
        // (an eval worker inherits --input-type=module, so no require() here)
        const { parentPort, workerData } = await import('node:worker_threads');
        const { dropout, dropoutAsync } = await import('${distUrl}');
        const x = new Float32Array(workerData.n).map((_, i) => (i % 13) - 6);
        const results = [];
        for (let k = 0; k < 4; k++) results.push(Buffer.from(dropout(x, { rate: 0.4, seed: 11, threads: workerData.threads }).buffer).toString('base64'));
        results.push(Buffer.from((await dropoutAsync(x, { rate: 0.4, seed: 11 })).buffer).toString('base64'));
        parentPort.postMessage(results);
        if (workerData.hang) { dropoutAsync(new Float32Array(3e7), { rate: 0.5, seed: 1 }); parentPort.postMessage('started'); }
      })()\`;
      const start = (threads, hang = false) => new Worker(source, { eval: true, workerData: { n, threads, hang } });
      const workers = [start(2), start(3), start(8), start(undefined)];
      // the main thread keeps the pool busy meanwhile
      for (let k = 0; k < 4; k++) dropout(x, { rate: 0.4, seed: 11, threads: 2 });
      const outputs = await Promise.all(workers.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })));
      const same = outputs.every((list) => list.every((b) => Buffer.from(b, 'base64').equals(expected)));
      // terminated while its async call runs
      const doomed = start(2, true);
      await new Promise((resolve) => doomed.on('message', (m) => { if (m === 'started') resolve(); }));
      await doomed.terminate();
      await Promise.all(workers.map((w) => w.terminate()));
      console.log(JSON.stringify({ same }));
      // and exit while another async call is on the libuv pool and the thread pool
      const { dropoutAsync } = await import('./dist/index.js');
      dropoutAsync(new Float32Array(3e7), { rate: 0.5, seed: 1 });
      setTimeout(() => process.exit(0), 5);
    `);
    expect(child.status, child.stderr).toBe(0);
    expect(child.signal).toBeNull();
    expect(JSON.parse(child.stdout)).toEqual({ same: true });
  });
});
