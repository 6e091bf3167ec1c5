/**
 * Loads the C++ addon (a prebuild from prebuilds/ or a local build from build/Release, found by
 * node-gyp-build) and adapts its positional binding to the Backend interface.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { APPLY_THREAD_CROSSOVER, THREAD_CROSSOVER } from './crossover.js';
import type { AsyncKernels, Backend, BroadcastLayout, FloatArray, NoiseMode } from './types.js';

/** The Philox coordinates of a MaskStream as the binding takes them: six uint32 arguments. */
type StreamWords = [keyLo: number, keyHi: number, streamLo: number, streamHi: number, offsetLo: number, offsetHi: number];

/** A KeepTransform as the binding takes it: three arguments. */
type TransformArgs = [scale: number, shift: number | null, dropValue: number];

/**
 * What an async entry point resolves with: undefined, or the name of an array argument whose
 * ArrayBuffer was detached before the job finished.
 */
type AsyncOutcome = Promise<string | undefined>;

/** The arguments of dropoutFused and dropoutFusedAsync. */
type DropoutFusedArgs = [
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array | null,
  ...StreamWords,
  dropThreshold: number,
  ...TransformArgs,
  threads: number,
];
type GenerateMaskArgs = [maskBits: Uint32Array, count: number, ...StreamWords, dropThreshold: number, threads: number];
type ApplyMaskArgs = [
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array,
  ...TransformArgs,
  // both null: the elementwise layout, which is cheaper to pass than two arrays
  dims: readonly number[] | null,
  maskStrides: readonly number[] | null,
  threads: number,
];
type ScaleArgs = [x: FloatArray, out: FloatArray, factor: number, threads: number];

/**
 * The functions exported by native/binding.cc, argument for argument. `threads` is the most
 * threads a call runs on (native/binding.h).
 */
interface NativeBinding {
  readonly isa: string;
  dropoutFused(...args: DropoutFusedArgs): void;
  dropoutFusedAsync(...args: DropoutFusedArgs): AsyncOutcome;
  generateMask(...args: GenerateMaskArgs): void;
  generateMaskAsync(...args: GenerateMaskArgs): AsyncOutcome;
  applyMask(...args: ApplyMaskArgs): void;
  applyMaskAsync(...args: ApplyMaskArgs): AsyncOutcome;
  gaussianNoise(x: FloatArray, out: FloatArray, ...rest: [...StreamWords, stddev: number, mode: NoiseMode, threads: number]): void;
  biasDropoutAdd(
    x: FloatArray,
    bias: FloatArray,
    residual: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    ...rest: [...StreamWords, dropThreshold: number, scale: number, threads: number]
  ): void;
  columnSums(rows: FloatArray, out: FloatArray): void;
  scale(...args: ScaleArgs): void;
  scaleAsync(...args: ScaleArgs): AsyncOutcome;
  randomWords(words: Uint32Array, ...rest: [...StreamWords, threads: number]): void;
  normalValues(out: Float64Array, ...rest: [...StreamWords, threads: number]): void;
  philoxBlock(counter: Uint32Array, key: Uint32Array, rounds: 7 | 10, out: Uint32Array): void;
  threadInfo(): { maxThreads: number; threads: number; workers: number };
  setThreads(threads: number): void;
}

/** The native thread pool's controls (native/pool.h). */
export interface NativeThreads {
  /** The cores the pool may use: the most threads a call runs on. */
  maxThreads(): number;
  /** The process-wide thread count (`setThreads`), shared by every worker_thread. */
  get(): number;
  set(threads: number): void;
  /** How many pool threads are started now (0 until a call first uses more than one thread). */
  workers(): number;
}

/** The outcome of trying to load the addon: a backend and its thread pool, or the reason there is none. */
export type NativeLoad =
  | { readonly backend: Backend; readonly threads: NativeThreads; readonly loadError?: undefined }
  | { readonly backend?: undefined; readonly threads?: undefined; readonly loadError: string };

/** The package root: this file is lib/backend/native.ts or dist/backend/native.js. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The error an async call rejects with when an array it was using got detached meanwhile. */
function detachedError(name: string): Error {
  const error = new Error(
    `simd-dropout: the ArrayBuffer of ${name} was detached (transferred) while an async call was using it; ` +
      'the result is lost and the memory may have been freed under the call',
  );
  (error as NodeJS.ErrnoException).code = 'ERR_SIMD_DROPOUT_DETACHED';
  return error;
}

async function settle(outcome: AsyncOutcome): Promise<void> {
  const detached = await outcome;
  if (detached !== undefined) throw detachedError(detached);
}

/** Whether a layout of `length` elements is elementwise: one axis, one mask element per element. */
function isElementwiseLayout(layout: BroadcastLayout, length: number): boolean {
  return layout.dims.length === 1 && layout.dims[0] === length && layout.maskStrides[0] === 1;
}
const dimsArg = (layout: BroadcastLayout, length: number) => (isElementwiseLayout(layout, length) ? null : layout.dims);
const stridesArg = (layout: BroadcastLayout, length: number) =>
  isElementwiseLayout(layout, length) ? null : layout.maskStrides;

// The arguments are spelled out rather than spread from helper arrays: nothing is allocated per
// call, which matters for the small inputs that decide the JS/native threshold.
function wrap(binding: NativeBinding): Backend {
  /** The process default for `threads`: every thread from the crossover on, one below it. */
  const threadsFor = (requested: number | undefined, size: number, crossover: number): number =>
    requested ?? (size >= crossover ? binding.threadInfo().threads : 1);

  const async: AsyncKernels = {
    dropoutFused: (x, out, maskBits, s, t, threads) =>
      settle(binding.dropoutFusedAsync(
        x, out, maskBits,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        t.scale, t.shift, t.dropValue,
        threadsFor(threads, x.length, THREAD_CROSSOVER),
      )),
    generateMask: (maskBits, count, s, threads) =>
      settle(binding.generateMaskAsync(
        maskBits, count,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        threadsFor(threads, count, THREAD_CROSSOVER),
      )),
    applyMask: (x, out, maskBits, t, layout, threads) =>
      settle(binding.applyMaskAsync(
        x, out, maskBits, t.scale, t.shift, t.dropValue, dimsArg(layout, x.length), stridesArg(layout, x.length),
        threadsFor(threads, x.length, APPLY_THREAD_CROSSOVER),
      )),
    scale: (x, out, factor, threads) =>
      settle(binding.scaleAsync(x, out, factor, threadsFor(threads, x.length, APPLY_THREAD_CROSSOVER))),
  };

  return {
    name: 'native',
    isa: binding.isa,
    async,
    dropoutFused(x, out, maskBits, s, t, threads) {
      binding.dropoutFused(
        x, out, maskBits,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        t.scale, t.shift, t.dropValue,
        threadsFor(threads, x.length, THREAD_CROSSOVER),
      );
    },
    generateMask(maskBits, count, s, threads) {
      binding.generateMask(
        maskBits, count,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        threadsFor(threads, count, THREAD_CROSSOVER),
      );
    },
    applyMask(x, out, maskBits, t, layout: BroadcastLayout, threads) {
      binding.applyMask(
        x, out, maskBits, t.scale, t.shift, t.dropValue, dimsArg(layout, x.length), stridesArg(layout, x.length),
        threadsFor(threads, x.length, APPLY_THREAD_CROSSOVER),
      );
    },
    gaussianNoise(x, out, s, stddev, mode, threads) {
      binding.gaussianNoise(
        x, out,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi,
        stddev, mode,
        threadsFor(threads, x.length, THREAD_CROSSOVER),
      );
    },
    biasDropoutAdd(x, bias, residual, out, maskBits, s, scale, threads) {
      binding.biasDropoutAdd(
        x, bias, residual, out, maskBits,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        scale,
        threadsFor(threads, x.length, THREAD_CROSSOVER),
      );
    },
    columnSums: binding.columnSums,
    scale(x, out, factor, threads) {
      binding.scale(x, out, factor, threadsFor(threads, x.length, APPLY_THREAD_CROSSOVER));
    },
    randomWords(words, s, threads) {
      binding.randomWords(
        words, s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi,
        threadsFor(threads, words.length, THREAD_CROSSOVER),
      );
    },
    normalValues(out, s, threads) {
      binding.normalValues(
        out, s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi,
        threadsFor(threads, out.length, THREAD_CROSSOVER),
      );
    },
    philoxBlock: binding.philoxBlock,
  };
}

function threadControls(binding: NativeBinding): NativeThreads {
  return {
    maxThreads: () => binding.threadInfo().maxThreads,
    get: () => binding.threadInfo().threads,
    set: (threads) => binding.setThreads(threads),
    workers: () => binding.threadInfo().workers,
  };
}

let loaded: NativeLoad | undefined;

/** Loads the addon once; later calls return the same outcome. Never throws. */
export function loadNative(): NativeLoad {
  if (loaded === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
      const binding = nodeGypBuild(packageRoot);
      loaded = { backend: wrap(binding), threads: threadControls(binding) };
    } catch (error) {
      loaded = { loadError: error instanceof Error ? error.message : String(error) };
    }
  }
  return loaded;
}
