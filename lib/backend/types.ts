/**
 * The contract between the validated public API and the two implementations of the kernels.
 *
 * Everything here receives arguments that `validate.ts` and `shape.ts` have already checked:
 * matching lengths and dtypes, thresholds in [0, 2**32], 64-bit counters split into uint32 halves.
 * The native backend re-checks what C++ relies on; the JS backend trusts its caller.
 */

/** The array types dropout works on. */
export type FloatArray = Float32Array | Float64Array;

/**
 * Where a mask lives in Philox counter space.
 *
 * Mask element `g` (a global index, `g = offset + local index`) uses Philox4x32-10 with
 * key `(keyLo, keyHi)` and counter `(blk lo, blk hi, streamLo, streamHi)` where `blk = g >> 2`,
 * and takes output word `g & 3` as `u`. It is dropped iff `u < dropThreshold`.
 */
export interface MaskStream {
  /** Low 32 bits of the 64-bit seed (Philox key word 0). */
  readonly keyLo: number;
  /** High 32 bits of the 64-bit seed (Philox key word 1). */
  readonly keyHi: number;
  /** Low 32 bits of the 64-bit stream id (Philox counter word 2). */
  readonly streamLo: number;
  /** High 32 bits of the 64-bit stream id (Philox counter word 3). */
  readonly streamHi: number;
  /** Low 32 bits of the global index of the first mask element. */
  readonly offsetLo: number;
  /** High 32 bits of the global index of the first mask element. */
  readonly offsetHi: number;
  /** `D = Math.round(rate * 2**32)`, an integer in [0, 2**32]: 0 keeps all, 2**32 drops all. */
  readonly dropThreshold: number;
}

/**
 * How the elements of `x` (row-major) map onto a bit mask with broadcast axes, after
 * `shape.ts` has merged adjacent axes of the same kind. For element coordinates `c`,
 * the mask index is `sum(c[d] * maskStrides[d])`; a broadcast axis has stride 0.
 * The last axis is the innermost; `dims` and `maskStrides` have the same length (>= 1, <= 32).
 */
export interface BroadcastLayout {
  readonly dims: readonly number[];
  readonly maskStrides: readonly number[];
}

/**
 * What a kept and a dropped element become. Every operation is rounded to the array's precision
 * as it happens (float32: after the multiply, and again after the add).
 * - dropout: `{ scale: 1 / (1 - rate), shift: null, dropValue: 0 }` (kept: `x * scale`; no add, so
 *   a kept -0 stays -0);
 * - alpha dropout: `{ scale: a, shift: b, dropValue: a * alpha' + b }` (kept: `x * a + b`).
 * The dropped value is written as given (a select: a dropped NaN or Infinity never leaks through).
 */
export interface KeepTransform {
  readonly scale: number;
  readonly shift: number | null;
  readonly dropValue: number;
}

/** How Gaussian noise meets the input: `x * (1 + stddev * z)` or `x + stddev * z`. */
export type NoiseMode = 'multiply' | 'add';

/**
 * The last, optional argument of the kernels that can run on several threads: the most threads to
 * run on (an integer >= 1; more than the cores means all of them). The native backend splits the
 * work into ranges run by its thread pool; every split gives the same bits. `undefined` takes the process
 * default for the call's size (`lib/threads.ts`). The JS backend runs on the calling thread and
 * ignores it.
 */
export type Threads = number | undefined;

/**
 * The kernels an async call needs, each returning a Promise that settles when the work is done.
 * The native backend runs them on the libuv thread pool (the event loop stays free) and keeps
 * every array argument referenced until the Promise settles. Same arguments and results as the
 * synchronous kernels of `Backend`.
 */
export interface AsyncKernels {
  dropoutFused(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    stream: MaskStream,
    transform: KeepTransform,
    threads?: Threads,
  ): Promise<void>;
  generateMask(maskBits: Uint32Array, count: number, stream: MaskStream, threads?: Threads): Promise<void>;
  applyMask(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array,
    transform: KeepTransform,
    layout: BroadcastLayout,
    threads?: Threads,
  ): Promise<void>;
  scale(x: FloatArray, out: FloatArray, factor: number, threads?: Threads): Promise<void>;
}

/** The kernels every backend provides. All sizes are element counts; nothing is allocated. */
export interface Backend {
  /** `'native'` for the C++ addon, `'js'` for the pure TypeScript implementation. */
  readonly name: 'native' | 'js';
  /** The instruction set the kernels run on (`'scalar'` for the C++ reference, `'js'` for JS). */
  readonly isa: string;
  /**
   * The async forms of the kernels an async call uses, where the backend has its own (the
   * native one); otherwise `lib/backend/async.ts` runs the synchronous kernels and resolves.
   */
  readonly async?: AsyncKernels;

  /**
   * The fused one-pass forward with no broadcast: for every `i < x.length`, mask element `i`
   * decides `out[i] = kept ? transform(x[i]) : dropValue`, and, when `maskBits` is given, bit
   * `i & 31` of `maskBits[i >>> 5]` is set to 1 iff kept (all bits past `x.length` in the last word
   * are 0). `x` and `out` are the same type and length and may be the same array;
   * `maskBits.length === Math.ceil(x.length / 32)`.
   */
  dropoutFused(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    stream: MaskStream,
    transform: KeepTransform,
    threads?: Threads,
  ): void;

  /**
   * Writes the mask of `count` elements into `maskBits` (same bit layout as above,
   * `maskBits.length === Math.ceil(count / 32)`, bits past `count` are 0).
   */
  generateMask(maskBits: Uint32Array, count: number, stream: MaskStream, threads?: Threads): void;

  /**
   * `out[j] = bit(maskIndex(j)) ? transform(x[j]) : dropValue` with `maskIndex` given by `layout`.
   * Used for broadcast forward (after `generateMask`) and for every backward pass.
   * `x` and `out` are the same type and length (may be the same array); the product of
   * `layout.dims` equals `x.length`.
   */
  applyMask(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array,
    transform: KeepTransform,
    layout: BroadcastLayout,
    threads?: Threads,
  ): void;

  /**
   * Gaussian noise: `out[i] = x[i] * (1 + stddev * z)` (`'multiply'`) or `x[i] + stddev * z`
   * (`'add'`), computed in float64 and rounded once to the array's type, where `z` is the standard
   * normal value of element `offset + i` of the stream (lib/normal.ts defines it bit for bit).
   * Its `dropThreshold` is ignored. `x` and `out` may be the same array.
   */
  gaussianNoise(x: FloatArray, out: FloatArray, stream: MaskStream, stddev: number, mode: NoiseMode, threads?: Threads): void;

  /**
   * Fused bias-dropout-add (Megatron), elementwise mask:
   * `out[j] = residual[j] + (kept(j) ? (x[j] + bias[j % bias.length]) * scale : +0)`, each
   * operation rounded to the array's precision, so it equals the unfused composition exactly.
   * Mask bits as in `dropoutFused`. All arrays are one type; `x`, `residual` and `out` have one
   * length, a multiple of `bias.length` (>= 1 when `x` is not empty); `out` may be `x` or `residual`.
   */
  biasDropoutAdd(
    x: FloatArray,
    bias: FloatArray,
    residual: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    stream: MaskStream,
    scale: number,
    threads?: Threads,
  ): void;

  /**
   * `out[c] = Σ_r rows[r * out.length + c]`: column sums of a row-major matrix, accumulated in
   * float64 in row order and rounded once to `out`'s type (the bias gradient).
   * `rows.length` is a multiple of `out.length` (>= 1). Always one thread.
   */
  columnSums(rows: FloatArray, out: FloatArray): void;

  /** `out[i] = x[i] * factor` in the array's precision (classic dropout's inference scaling). */
  scale(x: FloatArray, out: FloatArray, factor: number, threads?: Threads): void;

  /**
   * Fills `words` with raw Philox4x32-10 output: `words[i]` is word `(g & 3)` of block `g >> 2`,
   * `g = offset + i`, for the key and stream of `stream` (its `dropThreshold` is ignored).
   */
  randomWords(words: Uint32Array, stream: MaskStream, threads?: Threads): void;

  /** The standard normal values `z` of elements `offset + i` of the stream (see `gaussianNoise`). */
  normalValues(out: Float64Array, stream: MaskStream, threads?: Threads): void;

  /**
   * One Philox4x32-R block of an arbitrary `counter` (4 words) and `key` (2 words), R = 7 or 10,
   * into `out` (4 words): the generator itself, for its known-answer tests.
   */
  philoxBlock(counter: Uint32Array, key: Uint32Array, rounds: 7 | 10, out: Uint32Array): void;
}
