/**
 * Seeds, streams and the stateful Generator.
 *
 * A mask is a pure function of (seed, stream, offset): the seed is the Philox key, the stream id
 * the upper half of the counter. A Generator hands out stream ids in order — one per training
 * call, whatever its size or rate — so a mask never depends on the sizes of earlier calls and a
 * layer whose rate is 0 still keeps the others' masks where they were.
 */
import { randomBytes } from 'node:crypto';
import type { MaskStream } from './backend/types.js';
import { philox4x32Block } from './philox.js';
import { checkOptions, checkUint64, describe, UINT64_MAX } from './validate.js';

/** A 64-bit unsigned integer: a safe-integer number or a bigint. */
export type Uint64Like = number | bigint;

/** The JSON-safe state of a Generator, for checkpoints. */
export interface GeneratorState {
  /** Always `'philox4x32-10'`: the generator the state belongs to. */
  readonly algorithm: 'philox4x32-10';
  /** The seed, as a decimal string (64-bit values do not fit a JSON number). */
  readonly seed: string;
  /** The next stream id to be used, as a decimal string. */
  readonly stream: string;
}

/** Options of the Generator constructor. */
export interface GeneratorOptions {
  /** The first stream id to use (default 0). */
  readonly stream?: Uint64Like;
}

const ALGORITHM = 'philox4x32-10';

/** Counter words 2 and 3 ("FORK" and a tag) of the Philox call that derives a child seed. */
const FORK_TAG_LO = 0x464f524b;
const FORK_TAG_HI = 0x66666f72;

/** The low and high uint32 halves of a 64-bit value. */
export function splitUint64(value: bigint): [lo: number, hi: number] {
  // values below 2**53 (nearly every seed, stream and offset) split exactly as numbers, without
  // the two bigint results of the general case
  if (value <= MAX_SAFE) {
    const exact = Number(value);
    return [exact % 2 ** 32, Math.floor(exact / 2 ** 32)];
  }
  return [Number(value & 0xffffffffn), Number(value >> 32n)];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The Philox coordinates of a mask: key from the seed, counter words 2-3 from the stream, the
 * starting element from the offset; `dropThreshold` as MaskStream defines it.
 */
export function maskStream(seed: bigint, stream: bigint, offset: bigint, dropThreshold: number): MaskStream {
  const [keyLo, keyHi] = splitUint64(seed);
  const [streamLo, streamHi] = splitUint64(stream);
  const [offsetLo, offsetHi] = splitUint64(offset);
  return { keyLo, keyHi, streamLo, streamHi, offsetLo, offsetHi, dropThreshold };
}

/**
 * `Generator.from`, with the name the messages give the state (a layer's `load` passes
 * 'state.generator'); set by Generator's static block.
 */
export let generatorFromState: (state: unknown, name: string) => Generator;

/**
 * A seeded source of dropout streams. Each training call made with it takes the next stream id,
 * so a run with the same seed draws the same masks in the same order.
 *
 * @example
 * const generator = new Generator(42);
 * const a = dropout(x, { rate: 0.5, generator }); // stream 0
 * const b = dropout(x, { rate: 0.5, generator }); // stream 1: a different mask
 */
export class Generator {
  readonly #seed: bigint;
  #stream: bigint;

  /**
   * @param seed - an integer in [0, 2**64 - 1], as a safe-integer number or a bigint.
   * @param options - `stream`: the first stream id to hand out (default 0).
   */
  constructor(seed: Uint64Like, options: GeneratorOptions = {}) {
    this.#seed = checkUint64(seed, 'seed');
    const { stream } = checkOptions<GeneratorOptions>(options, 'the options of Generator', ['stream']);
    this.#stream = stream === undefined ? 0n : checkUint64(stream, 'options.stream');
  }

  /** The seed (the Philox key). */
  get seed(): bigint {
    return this.#seed;
  }

  /** The stream id the next training call will use. */
  get stream(): bigint {
    return this.#stream;
  }

  /** A JSON-safe copy of the state; `Generator.from(state)` resumes exactly here. */
  get state(): GeneratorState {
    return { algorithm: ALGORITHM, seed: this.#seed.toString(), stream: this.#stream.toString() };
  }

  /** Rebuilds a Generator from `generator.state` (also after a JSON round trip). */
  static from(state: GeneratorState): Generator {
    return generatorFromState(state, 'state');
  }

  static {
    generatorFromState = (state, name) => {
      if (state === null || typeof state !== 'object') {
        throw new TypeError(`Expected a generator state object for ${name} but received ${describe(state)}`);
      }
      const { algorithm, seed, stream } = state as GeneratorState;
      if (algorithm !== ALGORITHM) {
        throw new RangeError(`Expected ${name}.algorithm to be '${ALGORITHM}' but received ${describe(algorithm)}`);
      }
      const generator = new Generator(parseDecimal(seed, `${name}.seed`, UINT64_MAX));
      // a generator that has used every stream has stream 2**64; its state must round-trip too
      generator.#stream = parseDecimal(stream, `${name}.stream`, UINT64_MAX + 1n);
      return generator;
    };
  }

  /**
   * Takes the next stream id and advances past it. The dropout functions call this once per
   * training call; call it yourself to reserve a stream for work you run elsewhere.
   */
  nextStream(): bigint {
    const stream = this.#stream;
    if (stream > UINT64_MAX) {
      throw new RangeError(`The generator with seed ${this.#seed} has used all 2**64 streams`);
    }
    this.#stream = stream + 1n;
    return stream;
  }

  /**
   * An independent generator for sub-task `index` (for example one per layer). The child's seed
   * is a Philox4x32-10 output keyed by this seed, so it depends only on this seed and `index`,
   * not on how many streams have been used; the child starts at stream 0.
   */
  fork(index: Uint64Like): Generator {
    const [indexLo, indexHi] = splitUint64(checkUint64(index, 'index'));
    const [keyLo, keyHi] = splitUint64(this.#seed);
    const words = new Uint32Array(4);
    philox4x32Block(indexLo, indexHi, FORK_TAG_LO, FORK_TAG_HI, keyLo, keyHi, words);
    return new Generator((BigInt(words[1]!) << 32n) | BigInt(words[0]!));
  }
}

function parseDecimal(value: unknown, name: string, max: bigint): bigint {
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) {
    throw new TypeError(`Expected a decimal string for ${name} but received ${describe(value)}`);
  }
  return checkUint64(BigInt(value), name, max);
}

let processGenerator: Generator | undefined;

/** The process-wide generator used when a call has neither `seed` nor `generator`. */
export function processWideGenerator(): Generator {
  processGenerator ??= new Generator(randomBytes(8).readBigUInt64LE(0));
  return processGenerator;
}
