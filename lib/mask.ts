/**
 * DropoutMask: the bit-packed record of which elements a forward pass kept, with the factor it
 * applied, so the backward pass can use the very same mask and factor.
 */
import type { FloatArray } from './backend/types.js';
import { describe } from './validate.js';

/** The element type of the arrays a mask was made for. */
export type FloatDtype = 'float32' | 'float64';

/** The dtype name of a float array. */
export function dtypeOf(array: FloatArray): FloatDtype {
  return array instanceof Float32Array ? 'float32' : 'float64';
}

/** A float64 value rounded to the dtype's precision (the kernels compute in that precision). */
export function roundTo(dtype: FloatDtype, value: number): number {
  return dtype === 'float32' ? Math.fround(value) : value;
}

/** The internals backward needs: the packed bits and the factor in float64. */
export interface MaskInternals {
  readonly maskBits: Uint32Array;
  readonly gradientScale: number;
}

/** Reads a mask's private fields; set by DropoutMask's static block. */
let readInternals: (mask: DropoutMask) => MaskInternals;

/**
 * The mask of one dropout forward pass (plain, spatial or alpha), stored as bits: mask element
 * `i` is bit `i & 31` of word `i >>> 5`, lowest bit first, 1 = kept. That is 8x smaller than a
 * bool mask and 32x smaller than a float32 mask. Its elements follow `noiseShape` (row-major);
 * `shape` is the input's shape.
 */
export class DropoutMask {
  readonly #maskBits: Uint32Array;
  readonly #gradientScale: number;
  /** The factor kept elements were multiplied by, in `dtype`'s precision (0 at rate 1). */
  readonly scale: number;

  /**
   * Made by the forward functions; not meant to be constructed by hand.
   * @internal
   */
  constructor(
    /** The drop probability the mask was drawn with (0 in inference, where everything is kept). */
    readonly rate: number,
    gradientScale: number,
    /** The dtype of the forward pass's input. */
    readonly dtype: FloatDtype,
    /** The logical shape of the input (and of the gradient backward expects). */
    readonly shape: readonly number[],
    /** The mask's own shape: `shape` with broadcast axes set to 1. */
    readonly noiseShape: readonly number[],
    maskBits: Uint32Array,
  ) {
    this.#maskBits = maskBits;
    this.#gradientScale = gradientScale;
    this.scale = roundTo(dtype, gradientScale);
    Object.freeze(this.shape);
    Object.freeze(this.noiseShape);
  }

  /** The number of mask elements (the product of `noiseShape`). */
  get size(): number {
    return this.noiseShape.reduce((product, d) => product * d, 1);
  }

  /** How many mask elements are kept. */
  keptCount(): number {
    let kept = 0;
    for (const word of this.#maskBits) {
      // population count of a 32-bit word (SWAR)
      let v = word - ((word >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      kept += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    return kept;
  }

  /** A copy of the packed bits (`Math.ceil(size / 32)` words; bits past `size` are 0). */
  bits(): Uint32Array {
    return this.#maskBits.slice();
  }

  /** The mask as ONNX-style bytes: 1 where kept, 0 where dropped, `size` of them. */
  toUint8Array(): Uint8Array {
    const bytes = new Uint8Array(this.size);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (this.#maskBits[Math.floor(i / 32)]! >>> (i % 32)) & 1;
    }
    return bytes;
  }

  static {
    readInternals = (mask) => {
      if (!(#maskBits in mask)) {
        throw new TypeError(`Expected a DropoutMask for mask but received ${describe(mask)}`);
      }
      return { maskBits: mask.#maskBits, gradientScale: mask.#gradientScale };
    };
  }
}

/**
 * The packed bits (no copy; the backward kernels only read them) and the float64 factor of a
 * mask; a TypeError if `mask` is not a DropoutMask. Internal: not exported from the package.
 */
export function maskInternals(mask: unknown): MaskInternals {
  if (mask === null || typeof mask !== 'object') {
    throw new TypeError(`Expected a DropoutMask for mask but received ${describe(mask)}`);
  }
  return readInternals(mask as DropoutMask);
}
