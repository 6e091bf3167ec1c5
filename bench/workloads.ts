/**
 * What the benchmark runs: the arrays of one size (a fixture), the calls of every operation, and
 * the systems that make them — simd-dropout's native and JS backends, the copy limit and the
 * plain JS loop. TF.js is in tfjs.ts, the Python peers in pairs.ts and peers.py. Every timed call
 * writes into a preallocated `out`, so no timed call allocates.
 */
import * as simdDropout from 'simd-dropout';
import {
  alphaDropout,
  biasDropoutAdd,
  Dropout,
  dropout,
  dropoutBackward,
  dropoutWithMask,
  gaussianDropout,
  gaussianNoise,
  spatialDropout,
  type BackendName,
  type DropoutMask,
  type FloatArray,
} from 'simd-dropout';
import type { Dtype, Operation, System, Workload } from './results.js';

/** The drop rate of every op that has one. */
export const RATE = 0.5;
/** Every call draws from the same (seed, stream), so every iteration does the same work. */
export const SEED = 42;
export const STREAM = 7;
/** The standard deviation of `gaussianNoise`. */
export const NOISE_STDDEV = 0.1;
/** `biasDropoutAdd`: x is [n / BIAS_COLUMNS, BIAS_COLUMNS], the bias one row (a hidden size of 1000). */
export const BIAS_COLUMNS = 1000;
/** `spatialDropout`: NHWC feature maps of 10 × 10 pixels and 100 channels, n / 10^4 of them. */
export const SPATIAL_MAP = [10, 10, 100] as const;

const ARRAY_TYPES = { float32: Float32Array, float64: Float64Array } as const;

/** The arrays of one dtype and size, shared by every row of that size. */
export interface Fixture {
  readonly dtype: Dtype;
  readonly n: number;
  /** The input, and the upstream gradient of the backward passes: the values do not change the work. */
  readonly x: FloatArray;
  /** `biasDropoutAdd`'s residual and bias. */
  readonly residual: FloatArray;
  readonly bias: FloatArray;
  /** The mask of `dropout(x)` at (SEED, STREAM), for `dropoutBackward`. */
  readonly mask: DropoutMask;
  /** Where the timed calls write: allocated and touched once, overwritten by every call. */
  readonly out: FloatArray;
}

/** A new array of the fixture's dtype and size. */
export function newArray(dtype: Dtype, n: number): FloatArray {
  return new ARRAY_TYPES[dtype](n);
}

/** Makes the arrays of one dtype and size. */
export function makeFixture(dtype: Dtype, n: number): Fixture {
  // finite values of both signs; the ops' cost does not depend on them
  const x = newArray(dtype, n).map((_, i) => (i % 1000) / 500 - 1);
  const residual = newArray(dtype, n).fill(0.25);
  const bias = newArray(dtype, BIAS_COLUMNS).fill(0.5);
  const { output, mask } = dropoutWithMask(x, { rate: RATE, seed: SEED, stream: STREAM });
  return { dtype, n, x, residual, bias, mask, out: output };
}

/** How an operation of simd-dropout is called, and what it moves through memory. */
interface LibraryOperation {
  /** Arrays of n elements the call reads or writes (the bias row and mask bits aside). */
  readonly arraysMoved: number;
  /** Whether it reads a stored mask, 1 bit per element. */
  readonly readsMask: boolean;
  /** The call on `backend`, writing into `out`; everything but the call itself is set up here, once. */
  call(backend: BackendName, fixture: Fixture, out: FloatArray): () => unknown;
}

const LIBRARY_OPERATIONS: Readonly<Record<Exclude<Operation, 'copy'>, LibraryOperation>> = {
  forward: {
    arraysMoved: 2,
    readsMask: false,
    call(backend, { x }, out) {
      const options = { rate: RATE, seed: SEED, stream: STREAM, out, backend };
      return () => dropout(x, options);
    },
  },
  backward: {
    arraysMoved: 2,
    readsMask: true,
    call(backend, { x, mask }, out) {
      const options = { out, backend };
      return () => dropoutBackward(x, mask, options);
    },
  },
  recompute: {
    arraysMoved: 2,
    readsMask: false,
    call(backend, { x }, out) {
      // the layer remembers (seed, stream) of its forward and draws that mask again in backward
      const layer = new Dropout({ rate: RATE, seed: SEED, maskStorage: 'recompute', backend });
      layer.forward(x);
      const options = { out };
      return () => layer.backward(x, options);
    },
  },
  alphaDropout: {
    arraysMoved: 2,
    readsMask: false,
    call(backend, { x }, out) {
      const options = { rate: RATE, seed: SEED, stream: STREAM, out, backend };
      return () => alphaDropout(x, options);
    },
  },
  gaussianDropout: {
    arraysMoved: 2,
    readsMask: false,
    call(backend, { x }, out) {
      const options = { rate: RATE, seed: SEED, stream: STREAM, out, backend };
      return () => gaussianDropout(x, options);
    },
  },
  gaussianNoise: {
    arraysMoved: 2,
    readsMask: false,
    call(backend, { x }, out) {
      const options = { stddev: NOISE_STDDEV, seed: SEED, stream: STREAM, out, backend };
      return () => gaussianNoise(x, options);
    },
  },
  biasDropoutAdd: {
    arraysMoved: 3,
    readsMask: false,
    call(backend, { x, bias, residual }, out) {
      const options = { rate: RATE, seed: SEED, stream: STREAM, out, backend };
      return () => biasDropoutAdd(x, bias, residual, options);
    },
  },
  spatialDropout: {
    arraysMoved: 2,
    readsMask: false,
    call(backend, { x, n }, out) {
      const [height, width, channels] = SPATIAL_MAP;
      const shape = [n / (height * width * channels), height, width, channels];
      const options = { rate: RATE, shape, dims: 2 as const, seed: SEED, stream: STREAM, out, backend };
      return () => spatialDropout(x, options);
    },
  },
};

/** Bytes a call of `operation` reads plus writes per element of `dtype`. */
export function bytesPerElement(operation: Operation, dtype: Dtype): number {
  const elementBytes = ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
  if (operation === 'copy') return 2 * elementBytes;
  const { arraysMoved, readsMask } = LIBRARY_OPERATIONS[operation];
  return arraysMoved * elementBytes + (readsMask ? 1 / 8 : 0);
}

/** The call of `operation` on simd-dropout's `backend`, writing into `out`. */
export function libraryCall(operation: Exclude<Operation, 'copy'>, backend: BackendName, fixture: Fixture, out: FloatArray): () => unknown {
  return LIBRARY_OPERATIONS[operation].call(backend, fixture, out);
}

/** A system as the worker runs it. */
export interface SystemRunner {
  readonly system: System;
  /** True when its outputs must equal the JS backend's bit for bit (checked before timing). */
  readonly exact: boolean;
  /** Whether the system has the operation on that dtype. */
  supports(operation: Operation, dtype: Dtype): boolean;
  /** Puts the process in this system's state (thread count, TF.js backend) before each of its rows. */
  activate(): Promise<void>;
  /** The call a row times, writing into `out` (TF.js returns its own output instead). */
  prepare(operation: Operation, fixture: Fixture, out: FloatArray): () => unknown;
}

/** `TypedArray.prototype.set`: the memory-bandwidth limit of a pass that reads x and writes out. */
export const copyRunner: SystemRunner = {
  system: { kind: 'copy' },
  exact: false,
  supports: (operation) => operation === 'copy',
  activate: async () => {},
  prepare: (_operation, { x }, out) => () => out.set(x),
};

/**
 * The plain JS loop of the issue, `x[i] * (Math.random() >= p ? 1 / q : 0)`: dropout as a user
 * writes it without a library, float32 forward like the other peers.
 */
export const jsLoopRunner: SystemRunner = {
  system: { kind: 'jsLoop' },
  exact: false,
  supports: (operation, dtype) => operation === 'forward' && dtype === 'float32',
  activate: async () => {},
  prepare: (_operation, { x }, out) => {
    const scale = 1 / (1 - RATE);
    return () => {
      for (let i = 0; i < x.length; i++) out[i] = x[i] * (Math.random() >= RATE ? scale : 0);
    };
  },
};

/**
 * simd-dropout's `setThreads`, when this build has it: the threads API is newer than the first
 * version of this benchmark, which runs with or without it.
 */
export const setThreads: ((threads: number) => unknown) | undefined = (() => {
  const candidate: unknown = Reflect.get(simdDropout, 'setThreads');
  return typeof candidate === 'function' ? (threads: number) => candidate(threads) : undefined;
})();

/**
 * simd-dropout on `backend`; the native one on `threads` threads (set before each row with
 * `setThreads`; without it, only 1 is possible). The JS backend runs with threads set to 1.
 */
export function libraryRunner(system: Extract<System, { kind: 'native' | 'js' }>): SystemRunner {
  const threads = system.kind === 'native' ? system.threads : 1;
  if (threads !== 1 && setThreads === undefined) throw new Error(`${threads} threads need setThreads, which this build lacks`);
  return {
    system,
    exact: system.kind === 'native',
    supports: (operation) => operation !== 'copy',
    activate: async () => {
      setThreads?.(threads);
    },
    prepare(operation, fixture, out) {
      if (operation === 'copy') throw new Error('The copy is not an operation of simd-dropout');
      return libraryCall(operation, system.kind, fixture, out);
    },
  };
}

const FULL_SIZES = [1e3, 1e4, 1e5, 1e6, 1.6e7];
const QUICK_SIZES = [1e3, 1e4, 1e5];

/**
 * What a run measures. Full: n = 1e3 … 1.6e7, the family at 1e6 and 1.6e7, about 3.5 minutes on
 * 2 cores, and each Python peer paired with native in 5 rounds of 200 ms turns. Quick: n up to 1e5,
 * short rows and 3 rounds of 50 ms turns, a smoke test of every path in well under a minute.
 */
export function workloadFor(mode: 'full' | 'quick'): Workload {
  const full = mode === 'full';
  return {
    rate: RATE,
    seed: SEED,
    stream: STREAM,
    noiseStddev: NOISE_STDDEV,
    biasColumns: BIAS_COLUMNS,
    spatialMap: SPATIAL_MAP,
    dtypes: ['float32', 'float64'],
    sizes: full ? FULL_SIZES : QUICK_SIZES,
    familySizes: full ? [1e6, 1.6e7] : [1e5],
    familyDtypes: ['float32', 'float64'],
    checkedUpToN: full ? 1e6 : 1e5,
    budget: full
      ? { minSamples: 5, minTimeMs: 300, maxTimeMs: 2500, maxCallMs: 3000 }
      : { minSamples: 3, minTimeMs: 20, maxTimeMs: 200, maxCallMs: 1000 },
    pairing: full ? { rounds: 5, turnMs: 200 } : { rounds: 3, turnMs: 50 },
  };
}
