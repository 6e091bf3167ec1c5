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

/** The kernels every backend provides. All sizes are element counts; nothing is allocated. */
export interface Backend {
  /** `'native'` for the C++ addon, `'js'` for the pure TypeScript implementation. */
  readonly name: 'native' | 'js';
  /** The instruction set the kernels run on (`'scalar'` for the C++ reference, `'js'` for JS). */
  readonly isa: string;

  /**
   * The fused one-pass forward with no broadcast: for every `i < x.length`, mask element `i`
   * decides `out[i] = kept ? x[i] * scale : +0` (computed in the array's precision), and, when
   * `maskBits` is given, bit `i & 31` of `maskBits[i >>> 5]` is set to 1 iff kept (all bits past
   * `x.length` in the last word are 0). `x` and `out` are the same type and length and may be the
   * same array; `maskBits.length === Math.ceil(x.length / 32)`.
   */
  dropoutFused(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    stream: MaskStream,
    scale: number,
  ): void;

  /**
   * Writes the mask of `count` elements into `maskBits` (same bit layout as above,
   * `maskBits.length === Math.ceil(count / 32)`, bits past `count` are 0).
   */
  generateMask(maskBits: Uint32Array, count: number, stream: MaskStream): void;

  /**
   * `out[j] = bit(maskIndex(j)) ? x[j] * scale : +0` with `maskIndex` given by `layout`.
   * Used for broadcast forward (after `generateMask`) and for every backward pass.
   * `x` and `out` are the same type and length (may be the same array); the product of
   * `layout.dims` equals `x.length`.
   */
  applyMask(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array,
    scale: number,
    layout: BroadcastLayout,
  ): void;

  /**
   * Fills `words` with raw Philox4x32-10 output: `words[i]` is word `(g & 3)` of block `g >> 2`,
   * `g = offset + i`, for the key and stream of `stream` (its `dropThreshold` is ignored).
   */
  randomWords(words: Uint32Array, stream: MaskStream): void;

  /**
   * One Philox4x32-R block of an arbitrary `counter` (4 words) and `key` (2 words), R = 7 or 10,
   * into `out` (4 words): the generator itself, for its known-answer tests.
   */
  philoxBlock(counter: Uint32Array, key: Uint32Array, rounds: 7 | 10, out: Uint32Array): void;
}
