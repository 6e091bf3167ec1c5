/**
 * The pure TypeScript backend: the same kernels as native/kernels_scalar.cc, bit for bit.
 * It runs wherever the addon cannot load, and serves as the second opinion in the parity tests.
 */
import { normalPair } from '../normal.js';
import { philox4x32Block } from '../philox.js';
import type { Backend, BroadcastLayout, FloatArray, KeepTransform, MaskStream, NoiseMode } from './types.js';

/**
 * Walks the Philox blocks of one stream from a global element index that need not be a multiple
 * of 4. One instance per call; the current block's words live in `words`.
 */
class BlockCursor {
  readonly words = new Uint32Array(4);
  /** True right after a new block was generated, until the caller clears it. */
  freshBlock = true;
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

  /** Advances one element and returns its word's index (0 … 3) in `words`. */
  next(): number {
    if (this.wordIndex === 4) {
      this.blockLo = (this.blockLo + 1) >>> 0;
      if (this.blockLo === 0) this.blockHi = (this.blockHi + 1) >>> 0;
      this.wordIndex = 0;
      this.generate();
    }
    return this.wordIndex++;
  }

  /** The next raw 32-bit word of the stream. */
  nextWord(): number {
    return this.words[this.next()]!;
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
    this.freshBlock = true;
  }
}

/** The standard normal values of a stream, element by element: four per Philox block. */
class NormalCursor {
  private readonly blocks: BlockCursor;
  private readonly normals = new Float64Array(4);
  private readonly pair = new Float64Array(2);
  private readonly sinCos = new Float64Array(2);

  constructor(stream: MaskStream) {
    this.blocks = new BlockCursor(stream);
  }

  next(): number {
    const wordIndex = this.blocks.next();
    if (this.blocks.freshBlock) {
      const { words } = this.blocks;
      for (let first = 0; first < 4; first += 2) {
        normalPair(words[first]!, words[first + 1]!, this.pair, this.sinCos);
        this.normals[first] = this.pair[0]!;
        this.normals[first + 1] = this.pair[1]!;
      }
      this.blocks.freshBlock = false;
    }
    return this.normals[wordIndex]!;
  }
}

const identity = (value: number): number => value;

/**
 * Rounds to the array's precision: what storing into it does, and what the C++ kernels do to each
 * intermediate result and to each parameter they cast to the element type.
 */
function rounding(array: FloatArray): (value: number) => number {
  return array instanceof Float32Array ? Math.fround : identity;
}

/** The value of a kept element under `transform`, each operation rounded to the array's type. */
function keptValue(transform: KeepTransform, round: (value: number) => number): (value: number) => number {
  const scale = round(transform.scale);
  if (transform.shift === null) return (value) => value * scale;
  const shift = round(transform.shift);
  return (value) => round(value * scale) + shift;
}

function dropoutFused(
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array | null,
  stream: MaskStream,
  transform: KeepTransform,
): void {
  const n = x.length;
  const keep = keptValue(transform, rounding(x));
  const dropValue = transform.dropValue;
  const cursor = new BlockCursor(stream);
  for (let start = 0; start < n; start += 32) {
    const count = Math.min(32, n - start);
    const maskWord = cursor.nextMaskWord(count);
    for (let bit = 0; bit < count; bit++) {
      const j = start + bit;
      // select, not multiply: a dropped NaN or Infinity never leaks through
      out[j] = (maskWord >>> bit) & 1 ? keep(x[j]!) : dropValue;
    }
    if (maskBits !== null) maskBits[start / 32] = maskWord;
  }
}

function generateMask(maskBits: Uint32Array, count: number, stream: MaskStream): void {
  const cursor = new BlockCursor(stream);
  for (let start = 0; start < count; start += 32) {
    maskBits[start / 32] = cursor.nextMaskWord(Math.min(32, count - start));
  }
}

function applyMask(
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array,
  transform: KeepTransform,
  layout: BroadcastLayout,
): void {
  const n = x.length;
  if (n === 0) return;
  const keep = keptValue(transform, rounding(x));
  const dropValue = transform.dropValue;
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
      out[j] = kept ? keep(x[j]!) : dropValue;
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

function gaussianNoise(x: FloatArray, out: FloatArray, stream: MaskStream, stddev: number, mode: NoiseMode): void {
  const cursor = new NormalCursor(stream);
  if (mode === 'multiply') {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! * (1 + stddev * cursor.next());
  } else {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! + stddev * cursor.next();
  }
}

function biasDropoutAdd(
  x: FloatArray,
  bias: FloatArray,
  residual: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array | null,
  stream: MaskStream,
  scale: number,
): void {
  const n = x.length;
  const round = rounding(x);
  const keptScale = round(scale);
  const columns = bias.length;
  const cursor = new BlockCursor(stream);
  let column = 0;
  for (let start = 0; start < n; start += 32) {
    const count = Math.min(32, n - start);
    const maskWord = cursor.nextMaskWord(count);
    for (let bit = 0; bit < count; bit++) {
      const j = start + bit;
      const droppedOut = (maskWord >>> bit) & 1 ? round(round(x[j]! + bias[column]!) * keptScale) : 0;
      out[j] = residual[j]! + droppedOut;
      if (++column === columns) column = 0;
    }
    if (maskBits !== null) maskBits[start / 32] = maskWord;
  }
}

function columnSums(rows: FloatArray, out: FloatArray): void {
  const columns = out.length;
  const sums = new Float64Array(columns);
  for (let start = 0; start < rows.length; start += columns) {
    for (let c = 0; c < columns; c++) sums[c] += rows[start + c]!;
  }
  out.set(sums);
}

function scale(x: FloatArray, out: FloatArray, factor: number): void {
  const roundedFactor = rounding(x)(factor);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * roundedFactor;
}

function randomWords(words: Uint32Array, stream: MaskStream): void {
  const cursor = new BlockCursor(stream);
  for (let i = 0; i < words.length; i++) words[i] = cursor.nextWord();
}

function normalValues(out: Float64Array, stream: MaskStream): void {
  const cursor = new NormalCursor(stream);
  for (let i = 0; i < out.length; i++) out[i] = cursor.next();
}

/** The pure JavaScript backend, always available. */
export const jsBackend: Backend = {
  name: 'js',
  isa: 'js',
  dropoutFused,
  generateMask,
  applyMask,
  gaussianNoise,
  biasDropoutAdd,
  columnSums,
  scale,
  randomWords,
  normalValues,
  philoxBlock(counter, key, rounds, out) {
    philox4x32Block(counter[0]!, counter[1]!, counter[2]!, counter[3]!, key[0]!, key[1]!, out, rounds);
  },
};
