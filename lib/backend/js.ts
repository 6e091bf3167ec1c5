/**
 * The pure TypeScript backend: the same kernels as native/kernels_scalar.cc, bit for bit.
 * It runs wherever the addon cannot load, and serves as the second opinion in the parity tests.
 */
import { normalPair } from '../normal.js';
import { philox4x32Block } from '../philox.js';
import type { Backend, BroadcastLayout, FloatArray, KeepTransform, MaskStream, NoiseMode } from './types.js';

/**
 * The Philox words of one stream, from a global element index that need not be a multiple of 4.
 * One module-wide instance, reset by each kernel call: JavaScript runs one call at a time and the
 * kernels never call out, so no call allocates anything but its output.
 */
class PhiloxWords {
  /** The current block's four words (int32: the same bits as uint32, kept in registers by V8). */
  readonly words = new Int32Array(4);
  /** Index of the next word in `words`; 4 means the block is used up. */
  wordIndex = 0;
  /** True right after a new block was generated, until a reader clears it. */
  freshBlock = true;
  private keyLo = 0;
  private keyHi = 0;
  private streamLo = 0;
  private streamHi = 0;
  private blockLo = 0;
  private blockHi = 0;
  /** `dropThreshold - 2**31`: `u >= D` for uint32 u is `(u ^ 2**31) >= D - 2**31` in int32. */
  private signedThreshold = 0;

  reset(stream: MaskStream): this {
    this.keyLo = stream.keyLo;
    this.keyHi = stream.keyHi;
    this.streamLo = stream.streamLo;
    this.streamHi = stream.streamHi;
    // block = offset >> 2 for a 64-bit offset held as two uint32 halves
    this.blockLo = (stream.offsetLo >>> 2) | (stream.offsetHi << 30);
    this.blockHi = stream.offsetHi >>> 2;
    this.wordIndex = stream.offsetLo & 3;
    this.signedThreshold = stream.dropThreshold - 2 ** 31;
    this.generate();
    return this;
  }

  /** Advances one element and returns the index (0 … 3) of its word in `words`. */
  next(): number {
    if (this.wordIndex === 4) this.nextBlock();
    return this.wordIndex++;
  }

  /** The next raw 32-bit word of the stream, as an int32. */
  nextWord(): number {
    return this.words[this.next()]!;
  }

  /** The keep decisions of the next `count` (<= 32) mask elements, lowest bit first. */
  nextMaskWord(count: number): number {
    const { words, signedThreshold } = this;
    let wordIndex = this.wordIndex;
    let maskWord = 0;
    for (let bit = 0; bit < count; bit++) {
      if (wordIndex === 4) {
        this.nextBlock();
        wordIndex = 0;
      }
      if ((words[wordIndex++]! ^ 0x80000000) >= signedThreshold) maskWord |= 1 << bit;
    }
    this.wordIndex = wordIndex;
    return maskWord;
  }

  private nextBlock(): void {
    this.blockLo = (this.blockLo + 1) | 0;
    if (this.blockLo === 0) this.blockHi = (this.blockHi + 1) | 0;
    this.wordIndex = 0;
    this.generate();
  }

  private generate(): void {
    philox4x32Block(this.blockLo, this.blockHi, this.streamLo, this.streamHi, this.keyLo, this.keyHi, this.words);
    this.freshBlock = true;
  }
}

const philoxWords = new PhiloxWords();

/** The standard normal values of a stream, element by element: four per Philox block. */
const normals = {
  values: new Float64Array(4),
  pair: new Float64Array(2),
  sinCos: new Float64Array(2),

  reset(stream: MaskStream): void {
    philoxWords.reset(stream);
  },

  next(): number {
    const wordIndex = philoxWords.next();
    if (philoxWords.freshBlock) {
      const { words } = philoxWords;
      for (let first = 0; first < 4; first += 2) {
        normalPair(words[first]! >>> 0, words[first + 1]! >>> 0, this.pair, this.sinCos);
        this.values[first] = this.pair[0]!;
        this.values[first + 1] = this.pair[1]!;
      }
      philoxWords.freshBlock = false;
    }
    return this.values[wordIndex]!;
  },
};

/**
 * Writes `count` (<= 32) elements from `start`: kept (bit set in `maskWord`) → `x * scale`, plus
 * `shift` when there is one (float32: the product rounded first, as C++ does); dropped →
 * `dropValue`, by selection, so a dropped NaN or Infinity never leaks through.
 */
function applyMaskWord(
  x: FloatArray,
  out: FloatArray,
  start: number,
  count: number,
  maskWord: number,
  transform: RoundedTransform,
): void {
  const { scale, shift, dropValue, float32 } = transform;
  if (shift === null) {
    for (let bit = 0; bit < count; bit++) {
      out[start + bit] = (maskWord >>> bit) & 1 ? x[start + bit]! * scale : dropValue;
    }
  } else {
    for (let bit = 0; bit < count; bit++) {
      const product = x[start + bit]! * scale;
      out[start + bit] = (maskWord >>> bit) & 1 ? (float32 ? Math.fround(product) : product) + shift : dropValue;
    }
  }
}

/** A KeepTransform with its parameters rounded to the array's type, as the C++ kernels cast them. */
interface RoundedTransform {
  readonly scale: number;
  readonly shift: number | null;
  readonly dropValue: number;
  readonly float32: boolean;
}

function roundedTransform(array: FloatArray, transform: KeepTransform): RoundedTransform {
  const float32 = array instanceof Float32Array;
  const round = float32 ? Math.fround : (value: number) => value;
  return {
    scale: round(transform.scale),
    shift: transform.shift === null ? null : round(transform.shift),
    dropValue: round(transform.dropValue),
    float32,
  };
}

function dropoutFused(
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array | null,
  stream: MaskStream,
  transform: KeepTransform,
): void {
  const n = x.length;
  const rounded = roundedTransform(x, transform);
  philoxWords.reset(stream);
  for (let start = 0; start < n; start += 32) {
    const count = Math.min(32, n - start);
    const maskWord = philoxWords.nextMaskWord(count);
    applyMaskWord(x, out, start, count, maskWord, rounded);
    if (maskBits !== null) maskBits[start / 32] = maskWord;
  }
}

function generateMask(maskBits: Uint32Array, count: number, stream: MaskStream): void {
  philoxWords.reset(stream);
  for (let start = 0; start < count; start += 32) {
    maskBits[start / 32] = philoxWords.nextMaskWord(Math.min(32, count - start));
  }
}

/** applyMask's coordinates: one per axis (at most 32, see shape.ts MAX_RANK), reused. */
const odometer = new Float64Array(32);

function applyMask(
  x: FloatArray,
  out: FloatArray,
  maskBits: Uint32Array,
  transform: KeepTransform,
  layout: BroadcastLayout,
): void {
  const n = x.length;
  if (n === 0) return;
  const { scale, shift, dropValue, float32 } = roundedTransform(x, transform);
  const { dims, maskStrides } = layout;
  const rank = dims.length;
  const innerSize = dims[rank - 1]!;
  const innerStride = maskStrides[rank - 1]!;
  // odometer over the outer axes; the innermost axis runs as a tight loop
  const coords = odometer.fill(0, 0, rank);
  let maskBase = 0;
  for (let start = 0; start < n; start += innerSize) {
    let maskIndex = maskBase;
    for (let j = start, end = start + innerSize; j < end; j++) {
      // maskBits has fewer than 2**32 words, so the word index fits >>> 0
      if ((maskBits[(maskIndex / 32) >>> 0]! >>> (maskIndex & 31)) & 1) {
        const product = x[j]! * scale;
        out[j] = shift === null ? product : (float32 ? Math.fround(product) : product) + shift;
      } else {
        out[j] = dropValue;
      }
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
  normals.reset(stream);
  if (mode === 'multiply') {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! * (1 + stddev * normals.next());
  } else {
    for (let i = 0; i < x.length; i++) out[i] = x[i]! + stddev * normals.next();
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
  const float32 = x instanceof Float32Array;
  const keptScale = float32 ? Math.fround(scale) : scale;
  const columns = bias.length;
  philoxWords.reset(stream);
  let column = 0;
  for (let start = 0; start < n; start += 32) {
    const count = Math.min(32, n - start);
    const maskWord = philoxWords.nextMaskWord(count);
    for (let bit = 0; bit < count; bit++) {
      const j = start + bit;
      let droppedOut = 0;
      if ((maskWord >>> bit) & 1) {
        const biased = x[j]! + bias[column]!;
        const scaled = (float32 ? Math.fround(biased) : biased) * keptScale;
        droppedOut = float32 ? Math.fround(scaled) : scaled;
      }
      out[j] = residual[j]! + droppedOut;
      if (++column === columns) column = 0;
    }
    if (maskBits !== null) maskBits[start / 32] = maskWord;
  }
}

/** float64 accumulators for columnSums, grown as needed and reused. */
let columnAccumulators = new Float64Array(0);

function columnSums(rows: FloatArray, out: FloatArray): void {
  const columns = out.length;
  if (columnAccumulators.length < columns) columnAccumulators = new Float64Array(columns);
  const sums = columnAccumulators;
  for (let c = 0; c < columns; c++) sums[c] = 0;
  for (let start = 0; start < rows.length; start += columns) {
    for (let c = 0; c < columns; c++) sums[c] += rows[start + c]!;
  }
  for (let c = 0; c < columns; c++) out[c] = sums[c]!;
}

function scale(x: FloatArray, out: FloatArray, factor: number): void {
  const roundedFactor = x instanceof Float32Array ? Math.fround(factor) : factor;
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * roundedFactor;
}

function randomWords(words: Uint32Array, stream: MaskStream): void {
  philoxWords.reset(stream);
  for (let i = 0; i < words.length; i++) words[i] = philoxWords.nextWord();
}

function normalValues(out: Float64Array, stream: MaskStream): void {
  normals.reset(stream);
  for (let i = 0; i < out.length; i++) out[i] = normals.next();
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
