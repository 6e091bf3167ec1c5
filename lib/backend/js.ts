/**
 * The pure TypeScript backend: the same kernels as native/kernels_scalar.cc, bit for bit.
 * It runs wherever the addon cannot load, and serves as the second opinion in the parity tests.
 */
import { philox4x32Block } from '../philox.js';
import type { Backend, BroadcastLayout, FloatArray, MaskStream } from './types.js';

/**
 * Walks the Philox words of one mask stream from a global element index that need not be a
 * multiple of 4. One instance per call; the current block's words live in `words`.
 */
class MaskCursor {
  private readonly words = new Uint32Array(4);
  private blockLo: number;
  private blockHi: number;
  private wordIndex: number;

  constructor(private readonly stream: MaskStream) {
    // block = offset >> 2 for a 64-bit offset held as two uint32 halves
    this.blockLo = ((stream.offsetLo >>> 2) | (stream.offsetHi << 30)) >>> 0;
    this.blockHi = stream.offsetHi >>> 2;
    this.wordIndex = stream.offsetLo & 3;
    this.generate();
  }

  /** The next raw 32-bit word of the stream. */
  nextWord(): number {
    if (this.wordIndex === 4) {
      this.blockLo = (this.blockLo + 1) >>> 0;
      if (this.blockLo === 0) this.blockHi = (this.blockHi + 1) >>> 0;
      this.wordIndex = 0;
      this.generate();
    }
    return this.words[this.wordIndex++]!;
  }

  /** The keep decisions of the next `count` (<= 32) mask elements, lowest bit first. */
  nextMaskWord(count: number): number {
    const dropThreshold = this.stream.dropThreshold;
    let maskWord = 0;
    for (let bit = 0; bit < count; bit++) {
      if (this.nextWord() >= dropThreshold) maskWord |= 1 << bit;
    }
    return maskWord;
  }

  private generate(): void {
    const { keyLo, keyHi, streamLo, streamHi } = this.stream;
    philox4x32Block(this.blockLo, this.blockHi, streamLo, streamHi, keyLo, keyHi, this.words);
  }
}

function dropoutFused(
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array | null,
  stream: MaskStream,
  scale: number,
): void {
  const n = x.length;
  const cursor = new MaskCursor(stream);
  for (let start = 0; start < n; start += 32) {
    const count = Math.min(32, n - start);
    const maskWord = cursor.nextMaskWord(count);
    for (let bit = 0; bit < count; bit++) {
      const j = start + bit;
      // select, not multiply: a dropped NaN or Infinity still becomes +0
      out[j] = (maskWord >>> bit) & 1 ? x[j]! * scale : 0;
    }
    if (maskBits !== null) maskBits[start / 32] = maskWord;
  }
}

function generateMask(maskBits: Uint32Array, count: number, stream: MaskStream): void {
  const cursor = new MaskCursor(stream);
  for (let start = 0; start < count; start += 32) {
    maskBits[start / 32] = cursor.nextMaskWord(Math.min(32, count - start));
  }
}

function applyMask(
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array,
  scale: number,
  layout: BroadcastLayout,
): void {
  const n = x.length;
  if (n === 0) return;
  const { dims, maskStrides } = layout;
  const rank = dims.length;
  const innerSize = dims[rank - 1]!;
  const innerStride = maskStrides[rank - 1]!;
  // odometer over the outer axes; the innermost axis runs as a tight loop
  const coords = new Array<number>(rank).fill(0);
  let maskBase = 0;
  for (let start = 0; start < n; start += innerSize) {
    let maskIndex = maskBase;
    for (let j = start, end = start + innerSize; j < end; j++) {
      const kept = (maskBits[Math.floor(maskIndex / 32)]! >>> (maskIndex % 32)) & 1;
      out[j] = kept ? x[j]! * scale : 0;
      maskIndex += innerStride;
    }
    for (let axis = rank - 2; axis >= 0; axis--) {
      maskBase += maskStrides[axis]!;
      if (++coords[axis]! < dims[axis]!) break;
      maskBase -= coords[axis]! * maskStrides[axis]!;
      coords[axis] = 0;
    }
  }
}

function randomWords(words: Uint32Array, stream: MaskStream): void {
  const cursor = new MaskCursor(stream);
  for (let i = 0; i < words.length; i++) words[i] = cursor.nextWord();
}

/** The pure JavaScript backend, always available. */
export const jsBackend: Backend = {
  name: 'js',
  isa: 'js',
  dropoutFused,
  generateMask,
  applyMask,
  randomWords,
  philoxBlock(counter, key, rounds, out) {
    philox4x32Block(counter[0]!, counter[1]!, counter[2]!, counter[3]!, key[0]!, key[1]!, out, rounds);
  },
};
