/**
 * Bad input, as one matrix: every public function, layer method and class, each given every kind
 * of bad argument it takes. Each row must throw (an async function: return a Promise that rejects)
 * a TypeError, RangeError or Error whose message names the argument, and must leave everything as
 * it was: the `out` arrays keep their sentinel, no generator stream is taken, a layer keeps its
 * state and its last forward. It runs on every backend.
 *
 * A function is a `Subject` with traits (`rate`, `shape`, `out`, …); each trait brings its family
 * of bad values, so a new function gets its rows by listing its traits. Rows that belong to one
 * function only are written out below the families.
 *
 * The last two blocks are the valid edges: zero-length inputs (an empty result), and arrays over a
 * SharedArrayBuffer (growable or not) and a resizable ArrayBuffer (a fixed-length or a
 * length-tracking view), which give the very bits of a plain ArrayBuffer — except that the async
 * calls reject resizable buffers (rows above).
 */
import { describe, expect, it } from 'vitest';
import {
  AlphaDropout,
  alphaDropout,
  alphaDropoutCoefficients,
  alphaDropoutWithMask,
  biasDropoutAdd,
  biasDropoutAddBackward,
  biasDropoutAddWithMask,
  Dropout,
  dropout,
  dropoutAsync,
  dropoutBackward,
  dropoutBackwardAsync,
  dropoutWithMask,
  dropoutWithMaskAsync,
  GaussianDropout,
  gaussianDropout,
  gaussianDropoutBackward,
  gaussianDropoutWithNoise,
  GaussianNoise,
  gaussianNoise,
  Generator,
  info,
  mcDropout,
  philoxWords,
  setThreads,
  SpatialDropout1D,
  SpatialDropout2D,
  SpatialDropout3D,
  spatialDropout,
  spatialDropoutWithMask,
  type BackendName,
  type FloatArray,
  type RandomLayer,
} from '../lib/index.js';
import { backendNames, expectSameBits } from './support.js';

const SENTINEL = 12345;

type ErrorClass = typeof Error | typeof TypeError | typeof RangeError;
type Options = Record<string, unknown>;
type AnyArray = FloatArray | Uint32Array;

/** What each row's call gets: arrays full of SENTINEL that no row may change, a fresh generator, the backend. */
interface Context {
  /** 12 elements: the `out` of every call that has one. */
  readonly out: Float32Array;
  /** 16 elements: where x and out are views that partly overlap. */
  readonly wide: Float32Array;
  /** 12 words: philoxWords' out. */
  readonly words: Uint32Array;
  readonly generator: Generator;
  readonly backend: BackendName;
}

/** One row of the matrix: what to call and what it must throw. */
interface Row {
  readonly name: string;
  readonly error: ErrorClass;
  readonly message: RegExp;
  /** Sets the call up (a layer and its first forward, say) and returns it, whether it is async, and the state it must not change. */
  readonly prepare: (c: Context) => { readonly act: () => unknown; readonly async: boolean; readonly state: () => unknown };
}

// ---------------------------------------------------------------------------------------------
// Arrays and buffers

// (ES2024: the ES2022 lib this project compiles against does not declare these)
type ResizableArrayBuffer = ArrayBuffer & { resize(byteLength: number): void };
const Resizable = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ResizableArrayBuffer;
const Growable = SharedArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => SharedArrayBuffer;
type ArrayType<T extends AnyArray> = { new (length: number): T; new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

/** A 12-element array whose ArrayBuffer was transferred away (it reads as length 0). */
function detached<T extends AnyArray>(type: ArrayType<T>): T {
  const array = new type(12);
  structuredClone(array.buffer, { transfer: [array.buffer as ArrayBuffer] });
  return array;
}

/** A 12-element view of a resizable ArrayBuffer that was then shrunk below its end (it reads as length 0). */
function outOfBounds<T extends AnyArray>(type: ArrayType<T>): T {
  const buffer = new Resizable(12 * type.BYTES_PER_ELEMENT, { maxByteLength: 64 * type.BYTES_PER_ELEMENT });
  const array = new type(buffer, 0, 12);
  buffer.resize(4 * type.BYTES_PER_ELEMENT);
  return array;
}

/** A 12-element view of a resizable ArrayBuffer: fixed-length, or length-tracking (no length given). */
function resizable(tracking: boolean): Float32Array {
  const buffer = new Resizable(48, { maxByteLength: 96 });
  return tracking ? new Float32Array(buffer) : new Float32Array(buffer, 0, 12);
}

const X = new Float32Array(12).fill(1);
const ONES = new Float32Array(12).fill(1);
const BIAS = new Float32Array(4).fill(0.5);
const RESIDUAL = new Float32Array(12).fill(2);
const { mask: MASK } = dropoutWithMask(X, { rate: 0.5, seed: 1, shape: [3, 4], noiseShape: [3, 1] });
const { mask: BIAS_MASK } = biasDropoutAddWithMask(X, BIAS, RESIDUAL, { rate: 0.5, seed: 1 });
const { noise: NOISE } = gaussianDropoutWithNoise(X, { rate: 0.5, seed: 1 });

// ---------------------------------------------------------------------------------------------
// Subjects and the families of bad values their traits bring

type Trait =
  | 'floatArray' // the first argument is a Float32Array or Float64Array
  | 'wordsArray' // the first argument is philoxWords' Uint32Array
  | 'options' // an options object with a fixed set of names
  | 'rate' // options.rate in [0, 1], required
  | 'rateBelowOne' // ... and rate 1 is a RangeError
  | 'stddev' // options.stddev, finite and >= 0, required
  | 'seed' // options.seed (with `generator` left out)
  | 'generator' // options.generator, and not both seed and generator
  | 'stream' // options.stream, with a seed
  | 'offset' // options.offset
  | 'shape' // options.shape, a shape of 12 elements
  | 'noiseShape' // options.noiseShape and options.broadcastDims
  | 'out' // options.out, written: same type and length as the first argument
  | 'backend'
  | 'threads'
  | 'training'
  | 'resizable'; // an async call: no array may be on a resizable ArrayBuffer

/** A function under test: called with its first array argument and its options. */
interface Subject {
  /** Its name as its messages give it ('dropout', 'Dropout.forward'). */
  readonly name: string;
  /** How its messages name its first array argument ('x', 'grad', 'out'). */
  readonly array: string;
  readonly async: boolean;
  readonly traits: readonly Trait[];
  readonly prepare: (c: Context) => {
    readonly call: (array: unknown, options: unknown) => unknown;
    /** A valid first argument and valid options (which write into c.out where there is an out). */
    readonly array: unknown;
    readonly options: Options;
    /** State that a failed call must leave as it was (besides the context's). */
    readonly state?: () => unknown;
  };
}

/** One bad variation of a subject's valid call. */
interface Variation {
  readonly name: string;
  readonly array?: (c: Context) => unknown;
  readonly options?: (valid: Options, c: Context) => unknown;
  readonly error: ErrorClass;
  readonly message: RegExp;
}

const re = (source: string) => new RegExp(source.replace(/[[\]().*+?^$|{}\\]/g, '\\$&'));
const set = (key: string, value: unknown) => (valid: Options) => ({ ...valid, [key]: value });
const without = (...keys: string[]) => (valid: Options) => Object.fromEntries(Object.entries(valid).filter(([k]) => !keys.includes(k)));
const withSeed = (seed: unknown, more: Options = {}) => (valid: Options) => ({ ...without('generator')(valid), seed, ...more });

/** Values that are not a Float32Array or Float64Array, or have no memory, and how messages describe them. */
const notFloatArrays: [string, () => unknown, string][] = [
  ['an Int32Array', () => new Int32Array(12), 'an Int32Array'],
  ['a Uint8Array', () => new Uint8Array(12), 'a Uint8Array'],
  ['a Uint32Array', () => new Uint32Array(12), 'a Uint32Array'],
  ['a plain array', () => [1, 2], 'an Array of length 2'],
  ['a DataView', () => new DataView(new ArrayBuffer(48)), 'a DataView'],
  ['a string', () => 'abc', 'the string "abc"'],
  ['null', () => null, 'null'],
  ['a number', () => 12, '12'],
  ['a Float32Array over a detached ArrayBuffer', () => detached(Float32Array), 'a Float32Array over a detached ArrayBuffer'],
  ['a Float64Array over a detached ArrayBuffer', () => detached(Float64Array), 'a Float64Array over a detached ArrayBuffer'],
  ['a Float32Array past the end of its shrunk resizable ArrayBuffer', () => outOfBounds(Float32Array), 'a Float32Array out of the bounds of its shrunk ArrayBuffer'],
];

const families: Record<Trait, (s: Subject) => Variation[]> = {
  floatArray: (s) =>
    notFloatArrays.map(([name, value, described]) => ({
      name: `${s.array} is ${name}`,
      array: value,
      error: TypeError,
      message: re(`Expected a Float32Array or Float64Array for ${s.array} but received ${described}`),
    })),
  wordsArray: (s) =>
    (
      [
        ['a Float32Array', () => new Float32Array(12), 'a Float32Array'],
        ['an Int32Array', () => new Int32Array(12), 'an Int32Array'],
        ['a plain array', () => [1], 'an Array of length 1'],
        ['null', () => null, 'null'],
        ['a Uint32Array over a detached ArrayBuffer', () => detached(Uint32Array), 'a Uint32Array over a detached ArrayBuffer'],
        ['a Uint32Array past the end of its shrunk resizable ArrayBuffer', () => outOfBounds(Uint32Array), 'a Uint32Array out of the bounds of its shrunk ArrayBuffer'],
      ] as const
    ).map(([name, value, described]) => ({
      name: `${s.array} is ${name}`,
      array: value,
      error: TypeError,
      message: re(`Expected a Uint32Array for ${s.array} but received ${described}`),
    })),
  options: (s) => [
    { name: 'options is null', options: () => null, error: TypeError, message: re(`Expected an object for the options of ${s.name} but received null`) },
    { name: 'options is a string', options: () => 'fast', error: TypeError, message: re(`Expected an object for the options of ${s.name} but received the string "fast"`) },
    { name: 'options is an array', options: () => [], error: TypeError, message: re(`Expected an object for the options of ${s.name} but received an Array of length 0`) },
    { name: 'an unknown option', options: set('bogus', 1), error: TypeError, message: re(`Unknown option 'bogus' in the options of ${s.name}; expected one of:`) },
  ],
  rate: (s) => [
    { name: 'rate is missing', options: without('rate'), error: TypeError, message: re(`Missing required option 'rate' in the options of ${s.name}`) },
    { name: 'rate is a string', options: set('rate', '0.5'), error: TypeError, message: re('Expected a number in [0, 1] for rate but received the string "0.5"') },
    { name: 'rate is null', options: set('rate', null), error: TypeError, message: re('for rate but received null') },
    ...[NaN, Infinity, -Infinity, -0.1, 1.1, 2 ** 53].map((rate) => ({
      name: `rate is ${rate}`,
      options: set('rate', rate),
      error: RangeError,
      message: re(`Expected a number in [0, 1] for rate but received ${rate}`),
    })),
  ],
  rateBelowOne: () => [{ name: 'rate is 1', options: set('rate', 1), error: RangeError, message: re('Expected a number in [0, 1) for rate but received 1: ') }],
  stddev: (s) => [
    { name: 'stddev is missing', options: without('stddev'), error: TypeError, message: re(`Missing required option 'stddev' in the options of ${s.name}`) },
    { name: 'stddev is a string', options: set('stddev', '1'), error: TypeError, message: re('Expected a finite number >= 0 for stddev but received the string "1"') },
    ...[NaN, Infinity, -Infinity, -0.1].map((stddev) => ({
      name: `stddev is ${stddev}`,
      options: set('stddev', stddev),
      error: RangeError,
      message: re(`Expected a finite number >= 0 for stddev but received ${stddev}`),
    })),
  ],
  seed: () => [
    ...([
      ['negative', -1, '-1'],
      ['fractional', 1.5, '1.5'],
      ['NaN', NaN, 'NaN'],
      ['an unsafe number', 2 ** 60, '1152921504606847000'],
      ['2**64 as a number', 2 ** 64, '18446744073709552000'],
      ['2**64 as a bigint', 2n ** 64n, '18446744073709551616n'],
      ['a negative bigint', -1n, '-1n'],
    ] as const).map(([name, seed, described]) => ({
      name: `seed is ${name}`,
      options: withSeed(seed),
      error: RangeError,
      message: re(`Expected an integer in [0, 18446744073709551615] (a safe-integer number or a bigint) for seed but received ${described}`),
    })),
    { name: 'seed is a string', options: withSeed('42'), error: TypeError, message: re('for seed but received the string "42"') },
    { name: 'seed is null', options: withSeed(null), error: TypeError, message: re('for seed but received null') },
  ],
  generator: (s) => [
    { name: 'seed and generator together', options: set('seed', 1), error: RangeError, message: re(`Expected either seed or generator in the options of ${s.name}, not both`) },
    { name: 'generator is not a Generator', options: set('generator', { seed: 1n }), error: TypeError, message: re('Expected a Generator for generator but received an Object') },
  ],
  stream: (s) => [
    // (philoxWords takes a seed and no generator)
    ...(s.traits.includes('generator')
      ? [
          { name: 'stream with a generator', options: set('stream', 1), error: RangeError, message: re(`Expected no stream with generator in the options of ${s.name}`) },
          { name: 'stream without a seed', options: (valid: Options) => ({ ...without('generator', 'seed')(valid), stream: 1 }), error: RangeError, message: re(`Expected a seed with stream in the options of ${s.name}`) },
        ]
      : []),
    { name: 'stream is negative', options: withSeed(1, { stream: -2 }), error: RangeError, message: re('for stream but received -2') },
    { name: 'stream is above 2**64 - 1', options: withSeed(1, { stream: 2n ** 64n }), error: RangeError, message: re('for stream but received 18446744073709551616n') },
    { name: 'stream is a string', options: withSeed(1, { stream: '1' }), error: TypeError, message: re('for stream but received the string "1"') },
  ],
  offset: () => [
    { name: 'offset is fractional', options: set('offset', 0.5), error: RangeError, message: re('for offset but received 0.5') },
    { name: 'offset is negative', options: set('offset', -1), error: RangeError, message: re('for offset but received -1') },
    { name: 'offset is a string', options: set('offset', '3'), error: TypeError, message: re('for offset but received the string "3"') },
    { name: 'offset runs past 2**64', options: set('offset', 2n ** 64n - 2n), error: RangeError, message: /Expected offset \+ \d+ elements to stay within 2\*\*64/ },
  ],
  shape: () => [
    ...([
      [[5, 2], 10],
      [[0, 12], 0],
      [[12, 0], 0],
      [[2 ** 26, 2 ** 26], 2 ** 52],
    ] as const).map(([shape, size]) => ({
      name: `shape [${shape.join(', ')}] has ${size} elements`,
      options: set('shape', shape),
      error: RangeError,
      message: re(`Expected shape [${shape.join(', ')}] to have 12 elements (the input's length) but it has ${size}`),
    })),
    ...([
      [[-3, -4], 0, '-3'],
      [[1.5, 8], 0, '1.5'],
      [[NaN, 12], 0, 'NaN'],
      [[12, Infinity], 1, 'Infinity'],
      [[2 ** 53, 1], 0, '9007199254740992'],
      [[12, -0.5], 1, '-0.5'],
    ] as const).map(([shape, axis, described]) => ({
      name: `shape [${shape.join(', ')}]`,
      options: set('shape', shape),
      error: RangeError,
      message: re(`Expected shape[${axis}] to be a non-negative integer but received ${described}`),
    })),
    { name: 'shape has a string entry', options: set('shape', [12, '1']), error: TypeError, message: re('Expected shape[1] to be a non-negative integer but received the string "1"') },
    { name: 'shape has a null entry', options: set('shape', [null, 12]), error: TypeError, message: re('Expected shape[0] to be a non-negative integer but received null') },
    { name: 'shape is a number', options: set('shape', 12), error: TypeError, message: re('Expected an array of non-negative integers for shape but received 12') },
    { name: 'shape is a Float32Array', options: set('shape', new Float32Array([12])), error: TypeError, message: re('for shape but received a Float32Array') },
    { name: 'shape is empty', options: set('shape', []), error: RangeError, message: re('Expected shape to have 1 to 32 axes but it has 0') },
    { name: 'shape has 33 axes', options: set('shape', [12, ...new Array<number>(32).fill(1)]), error: RangeError, message: re('Expected shape to have 1 to 32 axes but it has 33') },
  ],
  noiseShape: (s) => {
    const shaped = (more: Options) => (valid: Options) => ({ ...valid, shape: [3, 4], ...more });
    return [
      { name: 'noiseShape of a lower rank', options: shaped({ noiseShape: [3] }), error: RangeError, message: re('Expected noiseShape [3] to match shape [3, 4]: the same rank') },
      { name: 'noiseShape of a higher rank', options: shaped({ noiseShape: [3, 4, 1] }), error: RangeError, message: re('Expected noiseShape [3, 4, 1] to match shape [3, 4]') },
      { name: 'noiseShape entry neither 1 nor the size', options: shaped({ noiseShape: [3, 2] }), error: RangeError, message: re('Expected noiseShape [3, 2] to match shape [3, 4]') },
      { name: 'noiseShape entry negative', options: shaped({ noiseShape: [3, -1] }), error: RangeError, message: re('Expected noiseShape[1] to be a non-negative integer or null but received -1') },
      { name: 'noiseShape entry a string', options: shaped({ noiseShape: [3, '1'] }), error: TypeError, message: re('Expected noiseShape[1] to be a non-negative integer or null but received the string "1"') },
      { name: 'noiseShape is a string', options: shaped({ noiseShape: '3,1' }), error: TypeError, message: re('for noiseShape but received the string "3,1"') },
      { name: 'noiseShape and broadcastDims together', options: shaped({ noiseShape: [3, 1], broadcastDims: [1] }), error: RangeError, message: re(`Expected either noiseShape or broadcastDims in the options of ${s.name}, not both`) },
      { name: 'broadcastDims past the rank', options: shaped({ broadcastDims: [2] }), error: RangeError, message: re('Expected broadcastDims[0] to be an axis of shape [3, 4] (an integer in [-2, 1]) but received 2') },
      { name: 'broadcastDims fractional', options: shaped({ broadcastDims: [0.5] }), error: RangeError, message: re('broadcastDims[0] to be an axis of shape [3, 4]') },
      { name: 'broadcastDims naming an axis twice', options: shaped({ broadcastDims: [0, -2] }), error: RangeError, message: re('Expected broadcastDims to name each axis once but axis 0 appears twice') },
      { name: 'broadcastDims is a number', options: shaped({ broadcastDims: 1 }), error: TypeError, message: re('Expected an array of axes for broadcastDims but received 1') },
      { name: 'broadcastDims entry a string', options: shaped({ broadcastDims: ['0'] }), error: TypeError, message: re('Expected broadcastDims[0] to be an integer axis but received the string "0"') },
    ];
  },
  out: (s) => [
    ...notFloatArrays.map(([name, value, described]) => ({
      name: `out is ${name}`,
      options: (valid: Options) => ({ ...valid, out: value() }),
      error: TypeError,
      message: re(`Expected a Float32Array or Float64Array for out but received ${described}`),
    })),
    { name: 'out of the other dtype', options: set('out', new Float64Array(12)), error: TypeError, message: re(`Expected out to be a Float32Array like ${s.array} but received a Float64Array`) },
    { name: 'out one element short', options: set('out', new Float32Array(11)), error: RangeError, message: re(`Expected out to have the length of ${s.array} (12) but its length is 11`) },
    { name: 'out one element long', options: set('out', new Float32Array(13)), error: RangeError, message: re(`Expected out to have the length of ${s.array} (12) but its length is 13`) },
    { name: 'out empty', options: set('out', new Float32Array(0)), error: RangeError, message: re(`Expected out to have the length of ${s.array} (12) but its length is 0`) },
    {
      name: `out overlapping ${s.array} partly from behind`,
      array: (c) => c.wide.subarray(0, 12),
      options: (valid, c) => ({ ...valid, out: c.wide.subarray(4, 16) }),
      error: RangeError,
      message: re(`Expected out to be ${s.array} itself or not to overlap it, but it overlaps ${s.array} partly (bytes 16..64 and 0..48 of one buffer)`),
    },
    {
      name: `out overlapping ${s.array} partly from ahead`,
      array: (c) => c.wide.subarray(1, 13),
      options: (valid, c) => ({ ...valid, out: c.wide.subarray(0, 12) }),
      error: RangeError,
      message: re(`Expected out to be ${s.array} itself or not to overlap it, but it overlaps ${s.array} partly`),
    },
  ],
  backend: () => [
    { name: 'backend is unknown', options: set('backend', 'gpu'), error: RangeError, message: re(`Expected 'native' or 'js' for backend but received the string "gpu"`) },
    { name: 'backend is a number', options: set('backend', 1), error: TypeError, message: re(`Expected 'native' or 'js' for backend but received 1`) },
  ],
  threads: () => [
    ...[0, -1, 1.5, NaN, Infinity].map((threads) => ({ name: `threads is ${threads}`, options: set('threads', threads), error: RangeError, message: re(`Expected an integer >= 1 for threads but received ${threads}`) })),
    { name: 'threads is a string', options: set('threads', '2'), error: TypeError, message: re('Expected an integer >= 1 for threads but received the string "2"') },
  ],
  training: () => [
    { name: 'training is a string', options: set('training', 'yes'), error: TypeError, message: re('Expected a boolean for training but received the string "yes"') },
    { name: 'training is 1', options: set('training', 1), error: TypeError, message: re('Expected a boolean for training but received 1') },
  ],
  resizable: (s) => [
    ...[false, true].map((tracking) => ({
      name: `${s.array} on a resizable ArrayBuffer (${tracking ? 'length-tracking' : 'fixed-length'} view)`,
      array: () => resizable(tracking),
      error: TypeError,
      message: re(`Expected ${s.array} to be backed by a fixed-length ArrayBuffer for ${s.name} but it is resizable`),
    })),
    { name: 'out on a resizable ArrayBuffer', options: set('out', resizable(false)), error: TypeError, message: re(`Expected out to be backed by a fixed-length ArrayBuffer for ${s.name}`) },
  ],
};

/** The rows of `variations` for `subject`. */
function rowsOf(subject: Subject, variations: readonly Variation[]): Row[] {
  return variations.map((variation) => ({
    name: `${subject.name}: ${variation.name}`,
    error: variation.error,
    message: variation.message,
    prepare: (c) => {
      const valid = subject.prepare(c);
      const array = variation.array ? variation.array(c) : valid.array;
      const options = variation.options ? variation.options(valid.options, c) : valid.options;
      return { act: () => valid.call(array, options), async: subject.async, state: () => valid.state?.() };
    },
  }));
}

/** A random op's subject: `fn(x, options)` with the shared options. */
function randomOp(name: string, fn: (x: never, options: never) => unknown, own: Options, traits: Trait[], async = false): Subject {
  return {
    name,
    array: 'x',
    async,
    traits: ['floatArray', 'options', 'seed', 'generator', 'stream', 'offset', 'out', 'backend', 'threads', 'training', ...traits],
    prepare: (c) => ({
      call: (x, options) => fn(x as never, options as never),
      array: X,
      options: { ...own, generator: c.generator, out: c.out, backend: c.backend },
    }),
  };
}

/** A backward pass's subject: `fn(grad, options)`. */
function backwardOp(name: string, fn: (grad: never, options: never) => unknown, traits: Trait[] = [], async = false): Subject {
  return {
    name,
    array: 'grad',
    async,
    traits: ['floatArray', 'options', 'out', 'backend', 'threads', ...traits],
    prepare: (c) => ({ call: (grad, options) => fn(grad as never, options as never), array: ONES, options: { out: c.out, backend: c.backend } }),
  };
}

const functionSubjects: Subject[] = [
  randomOp('dropout', dropout, { rate: 0.5 }, ['rate', 'shape', 'noiseShape']),
  randomOp('dropoutWithMask', dropoutWithMask, { rate: 0.5 }, ['rate', 'shape', 'noiseShape']),
  randomOp('dropoutAsync', dropoutAsync, { rate: 0.5 }, ['rate', 'shape', 'noiseShape', 'resizable'], true),
  randomOp('dropoutWithMaskAsync', dropoutWithMaskAsync, { rate: 0.5 }, ['rate', 'shape', 'noiseShape', 'resizable'], true),
  randomOp('spatialDropout', spatialDropout, { rate: 0.5, shape: [1, 3, 4], dims: 1 }, ['rate', 'shape']),
  randomOp('spatialDropoutWithMask', spatialDropoutWithMask, { rate: 0.5, shape: [1, 3, 4], dims: 1 }, ['rate', 'shape']),
  randomOp('alphaDropout', alphaDropout, { rate: 0.5 }, ['rate', 'rateBelowOne', 'shape', 'noiseShape']),
  randomOp('alphaDropoutWithMask', alphaDropoutWithMask, { rate: 0.5 }, ['rate', 'rateBelowOne', 'shape', 'noiseShape']),
  randomOp('gaussianDropout', gaussianDropout, { rate: 0.5 }, ['rate', 'rateBelowOne']),
  randomOp('gaussianDropoutWithNoise', gaussianDropoutWithNoise, { rate: 0.5 }, ['rate', 'rateBelowOne']),
  randomOp('gaussianNoise', gaussianNoise, { stddev: 1 }, ['stddev']),
  randomOp('biasDropoutAdd', (x: never, options: never) => biasDropoutAdd(x, BIAS, RESIDUAL, options), { rate: 0.5 }, ['rate', 'shape']),
  randomOp('biasDropoutAddWithMask', (x: never, options: never) => biasDropoutAddWithMask(x, BIAS, RESIDUAL, options), { rate: 0.5 }, ['rate', 'shape']),
  backwardOp('dropoutBackward', (grad: never, options: never) => dropoutBackward(grad, MASK, options)),
  backwardOp('dropoutBackwardAsync', (grad: never, options: never) => dropoutBackwardAsync(grad, MASK, options), ['resizable'], true),
  backwardOp('biasDropoutAddBackward', (grad: never, options: never) => biasDropoutAddBackward(grad, BIAS_MASK, options)),
  backwardOp('gaussianDropoutBackward', (grad: never, options: never) => gaussianDropoutBackward(grad, NOISE, options)),
  {
    name: 'philoxWords',
    array: 'out',
    async: false,
    traits: ['wordsArray', 'options', 'seed', 'stream', 'offset', 'backend', 'threads'],
    prepare: (c) => ({ call: (out, options) => philoxWords(out as never, options as never), array: c.words, options: { seed: 1, backend: c.backend } }),
  },
];

// ---------------------------------------------------------------------------------------------
// Layers: the constructor, forward and backward of each, and load

interface LayerKind {
  readonly name: string;
  readonly make: (options: Options) => RandomLayer;
  /** Its required setting. */
  readonly own: Options;
  /** A valid forward shape of 12 elements. */
  readonly shape: readonly number[];
  readonly traits: readonly Trait[];
}

const layerKinds: LayerKind[] = [
  { name: 'Dropout', make: (o) => new Dropout(o as never), own: { rate: 0.5 }, shape: [3, 4], traits: ['rate'] },
  { name: 'SpatialDropout1D', make: (o) => new SpatialDropout1D(o as never), own: { rate: 0.5 }, shape: [1, 3, 4], traits: ['rate'] },
  { name: 'SpatialDropout2D', make: (o) => new SpatialDropout2D(o as never), own: { rate: 0.5 }, shape: [1, 1, 3, 4], traits: ['rate'] },
  { name: 'SpatialDropout3D', make: (o) => new SpatialDropout3D(o as never), own: { rate: 0.5 }, shape: [1, 1, 1, 3, 4], traits: ['rate'] },
  { name: 'AlphaDropout', make: (o) => new AlphaDropout(o as never), own: { rate: 0.5 }, shape: [3, 4], traits: ['rate', 'rateBelowOne'] },
  { name: 'GaussianDropout', make: (o) => new GaussianDropout(o as never), own: { rate: 0.5 }, shape: [3, 4], traits: ['rate', 'rateBelowOne'] },
  { name: 'GaussianNoise', make: (o) => new GaussianNoise(o as never), own: { stddev: 1 }, shape: [3, 4], traits: ['stddev'] },
];

/** The backward pass of the layer's last forward on ONES, or the message it throws: must not change when a call fails. */
function lastPass(layer: RandomLayer): unknown {
  try {
    return Array.from(layer.backward(ONES));
  } catch (error) {
    return (error as Error).message;
  }
}

/** A layer in context, after one valid forward (unless `fresh`), and the state a failed call must keep. */
function layerIn(kind: LayerKind, c: Context, fresh = false): { layer: RandomLayer; state: () => unknown } {
  const layer = kind.make({ ...kind.own, generator: c.generator, backend: c.backend });
  if (!fresh) layer.forward(new Float32Array(12).fill(3), { shape: kind.shape });
  return { layer, state: () => [JSON.stringify(layer.state()), lastPass(layer)] };
}

function layerSubjects(kind: LayerKind): Subject[] {
  return [
    {
      name: kind.name,
      array: '',
      async: false,
      traits: ['options', 'seed', 'generator', 'backend', ...kind.traits],
      prepare: (c) => ({ call: (_, options) => kind.make(options as Options), array: undefined, options: { ...kind.own, generator: c.generator, backend: c.backend } }),
    },
    {
      name: `${kind.name}.forward`,
      array: 'x',
      async: false,
      traits: ['floatArray', 'options', 'shape', 'out', 'training'],
      prepare: (c) => {
        const { layer, state } = layerIn(kind, c);
        return { call: (x, options) => layer.forward(x as never, options as never), array: X, options: { shape: kind.shape, out: c.out }, state };
      },
    },
    {
      name: `${kind.name}.backward`,
      array: 'grad',
      async: false,
      traits: ['floatArray', 'options', 'out'],
      prepare: (c) => {
        const { layer, state } = layerIn(kind, c);
        return { call: (grad, options) => layer.backward(grad as never, options as never), array: ONES, options: { out: c.out }, state };
      },
    },
  ];
}

/** A row on one layer kind: `act` gets the layer (after one forward unless `fresh`) and the context. */
function layerRow(kind: LayerKind, name: string, act: (layer: RandomLayer, c: Context) => unknown, error: ErrorClass, message: RegExp, fresh = false): Row {
  return {
    name: `${kind.name}: ${name}`,
    error,
    message,
    prepare: (c) => {
      const { layer, state } = layerIn(kind, c, fresh);
      return { act: () => act(layer, c), async: false, state };
    },
  };
}

function layerRows(kind: LayerKind): Row[] {
  const { name } = kind;
  const state = { layer: name, training: true, generator: { algorithm: 'philox4x32-10', seed: '1', stream: '0' } };
  const rows = [
    layerRow(kind, 'backward before any forward', (layer) => layer.backward(ONES), Error, re(`${name}.backward was called before any forward: there is no mask to apply`), true),
    layerRow(kind, 'backward with a grad of another shape', (layer) => layer.backward(new Float32Array(8)), RangeError, re(`Expected grad to have 12 elements (the last forward's input) but it has 8`)),
    layerRow(kind, 'backward with a grad longer than the forward', (layer) => layer.backward(new Float32Array(24)), RangeError, re('but it has 24')),
    layerRow(kind, 'forward with a shape of another size', (layer) => layer.forward(new Float32Array(7), { shape: [8] }), RangeError, re('Expected shape [8] to have 7 elements')),
    layerRow(kind, 'load(null)', (layer) => layer.load(null as never), TypeError, re('Expected a layer state object for state but received null')),
    layerRow(kind, 'load a string', (layer) => layer.load(JSON.stringify(state) as never), TypeError, re('Expected a layer state object for state but received the string')),
    layerRow(kind, 'load the state of another class', (layer) => layer.load({ ...state, layer: name === 'Dropout' ? 'GaussianNoise' : 'Dropout' } as never), RangeError, re(`Expected state.layer to be '${name}' but received the string`)),
    layerRow(kind, 'load a state whose training is a string', (layer) => layer.load({ ...state, training: 'true' } as never), TypeError, re('Expected a boolean for state.training but received the string "true"')),
    layerRow(kind, 'load a state without a generator', (layer) => layer.load({ ...state, generator: undefined } as never), TypeError, re('Expected a generator state object for state.generator but received undefined')),
    layerRow(kind, 'load a state whose seed is a number', (layer) => layer.load({ ...state, generator: { ...state.generator, seed: 1 } } as never), TypeError, re('Expected a decimal string for state.generator.seed but received 1')),
    layerRow(kind, 'load a state whose stream is past 2**64', (layer) => layer.load({ ...state, generator: { ...state.generator, stream: '18446744073709551617' } } as never), RangeError, re('for state.generator.stream but received 18446744073709551617n')),
    layerRow(kind, 'load a state of another generator', (layer) => layer.load({ ...state, generator: { ...state.generator, algorithm: 'mt19937' } } as never), RangeError, re(`Expected state.generator.algorithm to be 'philox4x32-10' but received the string "mt19937"`)),
  ];
  // the first forward that never happened: a spatial layer needs a shape of its rank
  if (name.startsWith('SpatialDropout')) {
    const dims = Number(name[14]);
    rows.push(
      layerRow(kind, 'forward without shape', (layer) => layer.forward(X), TypeError, re(`Missing required option 'shape' in the options of ${name}.forward`)),
      layerRow(kind, 'forward with a shape of another rank', (layer) => layer.forward(X, { shape: [12] }), RangeError, re(`Expected shape of rank ${dims + 2}`)),
      layerRow(kind, 'constructed with an unknown dataFormat', (_, c) => kind.make({ ...kind.own, generator: c.generator, dataFormat: 'NHWC' }), RangeError, re(`Expected 'channelsLast' or 'channelsFirst' for dataFormat but received the string "NHWC"`)),
    );
  }
  if (name !== 'GaussianDropout' && name !== 'GaussianNoise') {
    rows.push(layerRow(kind, 'constructed with an unknown maskStorage', (_, c) => kind.make({ ...kind.own, generator: c.generator, maskStorage: 'floats' }), RangeError, re(`Expected 'bits' or 'recompute' for maskStorage but received the string "floats"`)));
  } else {
    rows.push(layerRow(kind, 'constructed with maskStorage', (_, c) => kind.make({ ...kind.own, generator: c.generator, maskStorage: 'bits' }), TypeError, re(`Unknown option 'maskStorage' in the options of ${name}`)));
  }
  if (name === 'Dropout' || name === 'AlphaDropout') {
    rows.push(
      layerRow(kind, 'constructed with a fractional noiseShape entry', (_, c) => kind.make({ ...kind.own, generator: c.generator, noiseShape: [1.5] }), RangeError, re('Expected noiseShape[0] to be a non-negative integer or null but received 1.5')),
      layerRow(kind, 'constructed with noiseShape a string', (_, c) => kind.make({ ...kind.own, generator: c.generator, noiseShape: '1' }), TypeError, re('for noiseShape but received the string "1"')),
      layerRow(kind, 'constructed with a negative noiseShape entry', (_, c) => kind.make({ ...kind.own, generator: c.generator, noiseShape: [2, -1] }), RangeError, re('Expected noiseShape[1] to be a non-negative integer or null but received -1')),
      layerRow(kind, 'constructed with noiseShape and broadcastDims', (_, c) => kind.make({ ...kind.own, generator: c.generator, noiseShape: [1], broadcastDims: [0] }), RangeError, re(`Expected either noiseShape or broadcastDims in the options of ${name}, not both`)),
      layerRow(kind, 'constructed with broadcastDims a string', (_, c) => kind.make({ ...kind.own, generator: c.generator, broadcastDims: '0' }), TypeError, re('Expected an array of axes for broadcastDims but received the string "0"')),
      layerRow(kind, 'a noiseShape of another rank than the forward', (_, c) => kind.make({ ...kind.own, generator: c.generator, noiseShape: [3, 1] }).forward(X), RangeError, re('Expected noiseShape [3, 1] to match shape [12]')),
      layerRow(kind, 'broadcastDims outside the forward\'s rank', (_, c) => kind.make({ ...kind.own, generator: c.generator, broadcastDims: [2] }).forward(X, { shape: [3, 4] }), RangeError, re('Expected broadcastDims[0] to be an axis of shape [3, 4]')),
    );
  } else {
    rows.push(layerRow(kind, 'constructed with noiseShape', (_, c) => kind.make({ ...kind.own, generator: c.generator, noiseShape: [1] }), TypeError, re(`Unknown option 'noiseShape' in the options of ${name}`)));
  }
  if (name === 'Dropout') {
    rows.push(layerRow(kind, 'constructed with an unknown scaling', (_, c) => kind.make({ ...kind.own, generator: c.generator, scaling: 'test' }), RangeError, re(`Expected 'train' or 'inference' for scaling but received the string "test"`)));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Rows of one function

/** A row whose call needs only the context; `state` is what else must not change. */
function row(name: string, act: (c: Context) => unknown, error: ErrorClass, message: RegExp, options: { async?: boolean; state?: () => unknown } = {}): Row {
  return { name, error, message, prepare: (c) => ({ act: () => act(c), async: options.async ?? false, state: options.state ?? (() => undefined) }) };
}

const fused = (x: unknown, bias: unknown, residual: unknown, more: Options = {}) => (c: Context) =>
  biasDropoutAdd(x as never, bias as never, residual as never, { rate: 0.5, generator: c.generator, out: c.out, backend: c.backend, ...more });
const spatial = (more: Options) => (c: Context) => spatialDropout(X, { rate: 0.5, shape: [1, 3, 4], dims: 1, generator: c.generator, out: c.out, backend: c.backend, ...more } as never);
const mc = (forward: unknown, options: unknown) => () => mcDropout(forward as never, null, options as never);
const cores = info().cores;

const oneFunctionRows: Row[] = [
  row('dropout: scaling is unknown', (c) => dropout(X, { rate: 0.5, generator: c.generator, out: c.out, backend: c.backend, scaling: 'test' as never }), RangeError, re(`Expected 'train' or 'inference' for scaling but received the string "test"`)),
  row('dropout: scaling is a boolean', (c) => dropout(X, { rate: 0.5, generator: c.generator, out: c.out, backend: c.backend, scaling: true as never }), TypeError, re(`Expected 'train' or 'inference' for scaling but received true`)),
  row('spatialDropout: shape of the wrong rank', spatial({ shape: [3, 4] }), RangeError, re('Expected shape of rank 3 (N, S, C) for 1D spatial dropout but received shape [3, 4] of rank 2')),
  row('spatialDropout: channelsFirst shape of the wrong rank', spatial({ shape: [1, 1, 3, 4], dataFormat: 'channelsFirst' }), RangeError, re('Expected shape of rank 3 (N, C, S) for 1D spatial dropout')),
  row('spatialDropout: shape is missing', spatial({ shape: undefined }), TypeError, re(`Missing required option 'shape' in the options of spatialDropout`)),
  row('spatialDropout: dims is missing', spatial({ dims: undefined }), TypeError, re(`Missing required option 'dims' in the options of spatialDropout`)),
  row('spatialDropout: dims is 4', spatial({ dims: 4 }), RangeError, re('Expected 1, 2 or 3 for dims but received 4')),
  row('spatialDropout: dims is 1.5', spatial({ dims: 1.5 }), RangeError, re('Expected 1, 2 or 3 for dims but received 1.5')),
  row('spatialDropout: dims is a string', spatial({ dims: '1' }), TypeError, re('Expected 1, 2 or 3 for dims but received the string "1"')),
  row('spatialDropout: dataFormat is unknown', spatial({ dataFormat: 'NHWC' }), RangeError, re(`Expected 'channelsLast' or 'channelsFirst' for dataFormat but received the string "NHWC"`)),
  row('spatialDropout: noiseShape is not an option', spatial({ noiseShape: [1, 1, 4] }), TypeError, re(`Unknown option 'noiseShape' in the options of spatialDropout`)),
  row('biasDropoutAdd: bias does not divide x', fused(X, new Float32Array(5), RESIDUAL), RangeError, re('Expected the length of x (12) to be a multiple of the length of bias (5)')),
  row('biasDropoutAdd: bias is empty and x is not', fused(X, new Float32Array(0), RESIDUAL), RangeError, re('Expected the length of x (12) to be a multiple of the length of bias (0)')),
  row('biasDropoutAdd: bias is an Int32Array', fused(X, new Int32Array(4), RESIDUAL), TypeError, re('Expected a Float32Array or Float64Array for bias but received an Int32Array')),
  row('biasDropoutAdd: bias is over a detached ArrayBuffer', fused(X, detached(Float32Array), RESIDUAL), TypeError, re('for bias but received a Float32Array over a detached ArrayBuffer')),
  row('biasDropoutAdd: bias is a Float64Array', fused(X, new Float64Array(4), RESIDUAL), TypeError, re('Expected bias to be a Float32Array like x but received a Float64Array')),
  row('biasDropoutAdd: residual is null', fused(X, BIAS, null), TypeError, re('Expected a Float32Array or Float64Array for residual but received null')),
  row('biasDropoutAdd: residual is over a detached ArrayBuffer', fused(X, BIAS, detached(Float32Array)), TypeError, re('for residual but received a Float32Array over a detached ArrayBuffer')),
  row('biasDropoutAdd: residual is a Float64Array', fused(X, BIAS, new Float64Array(12)), TypeError, re('Expected residual to be a Float32Array like x but received a Float64Array')),
  row('biasDropoutAdd: residual of another length', fused(X, BIAS, new Float32Array(8)), RangeError, re('Expected residual to have the length of x (12) but its length is 8')),
  row('biasDropoutAdd: the last axis of shape is not the bias', fused(X, BIAS, RESIDUAL, { shape: [2, 6] }), RangeError, re('Expected the last axis of shape [2, 6] to be the length of bias (4)')),
  row('biasDropoutAdd: out overlapping residual partly', (c) => fused(X, BIAS, c.wide.subarray(0, 12), { out: c.wide.subarray(4, 16) })(c), RangeError, re('Expected out to be x, residual or a separate array, not a view overlapping residual or bias')),
  row('biasDropoutAdd: out overlapping bias', (c) => fused(X, c.wide.subarray(0, 4), RESIDUAL, { out: c.wide.subarray(2, 14) })(c), RangeError, re('not a view overlapping residual or bias')),
  row('dropoutBackward: mask is a plain object', (c) => dropoutBackward(ONES, { shape: [12], noiseShape: [12] } as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a DropoutMask for mask but received an Object')),
  row('dropoutBackward: mask is null', (c) => dropoutBackward(ONES, null as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a DropoutMask for mask but received null')),
  row('dropoutBackward: mask is a NoiseRecord', (c) => dropoutBackward(ONES, NOISE as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a DropoutMask for mask but received a NoiseRecord')),
  row('dropoutBackward: a mask of shape [3, 4] with a gradient of 8', (c) => dropoutBackward(new Float32Array(8), MASK, { out: c.out.subarray(0, 8), backend: c.backend }), RangeError, re(`Expected grad to have 12 elements (the mask's shape [3, 4]) but it has 8`)),
  row('dropoutBackward: a mask of shape [3, 4] with a gradient of 16', (c) => dropoutBackward(new Float32Array(16), MASK, { backend: c.backend }), RangeError, re(`Expected grad to have 12 elements (the mask's shape [3, 4]) but it has 16`)),
  row('dropoutBackward: a mask of shape [3, 4] with an empty gradient', (c) => dropoutBackward(new Float32Array(0), MASK, { backend: c.backend }), RangeError, re('but it has 0')),
  row('dropoutBackwardAsync: mask is a plain object', (c) => dropoutBackwardAsync(ONES, {} as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a DropoutMask for mask but received an Object'), { async: true }),
  row('dropoutBackwardAsync: a gradient of another shape', (c) => dropoutBackwardAsync(new Float32Array(6), MASK, { backend: c.backend }), RangeError, re('Expected grad to have 12 elements'), { async: true }),
  row('biasDropoutAddBackward: mask is a NoiseRecord', (c) => biasDropoutAddBackward(ONES, NOISE as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a DropoutMask for mask but received a NoiseRecord')),
  row('biasDropoutAddBackward: a gradient of another shape', (c) => biasDropoutAddBackward(new Float32Array(8), BIAS_MASK, { backend: c.backend }), RangeError, re(`Expected grad to have 12 elements (the mask's shape [3, 4]) but it has 8`)),
  row('gaussianDropoutBackward: noise is a DropoutMask', (c) => gaussianDropoutBackward(ONES, MASK as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a NoiseRecord for noise but received a DropoutMask')),
  row('gaussianDropoutBackward: noise is null', (c) => gaussianDropoutBackward(ONES, null as never, { out: c.out, backend: c.backend }), TypeError, re('Expected a NoiseRecord for noise but received null')),
  row('gaussianDropoutBackward: a gradient of another length', (c) => gaussianDropoutBackward(new Float32Array(5), NOISE, { out: c.out.subarray(0, 5), backend: c.backend }), RangeError, re(`Expected grad to have 12 elements (the forward's) but it has 5`)),
  row('philoxWords: seed is missing', (c) => philoxWords(c.words, { backend: c.backend } as never), TypeError, re(`Missing required option 'seed' in the options of philoxWords`)),
  row('philoxWords: a generator is not an option', (c) => philoxWords(c.words, { seed: 1, generator: c.generator } as never), TypeError, re(`Unknown option 'generator' in the options of philoxWords`)),
  ...[NaN, 1, 1.5, -0.1].map((rate) => row(`alphaDropoutCoefficients: rate ${rate}`, () => alphaDropoutCoefficients(rate), RangeError, re(`for rate but received ${rate}`))),
  row('alphaDropoutCoefficients: rate is a string', () => alphaDropoutCoefficients('0.5' as never), TypeError, re('Expected a number in [0, 1] for rate but received the string "0.5"')),
  ...([
    ['negative', -5, '-5'],
    ['fractional', 1.5, '1.5'],
    ['an unsafe number', 2 ** 60, '1152921504606847000'],
    ['above 2**64 - 1', 2n ** 64n, '18446744073709551616n'],
  ] as const).map(([name, seed, described]) => row(`new Generator: seed is ${name}`, () => new Generator(seed), RangeError, re(`for seed but received ${described}`))),
  row('new Generator: seed is a string', () => new Generator('1' as never), TypeError, re('for seed but received the string "1"')),
  row('new Generator: seed is missing', () => new (Generator as unknown as new () => Generator)(), TypeError, re('for seed but received undefined')),
  row('new Generator: options is null', () => new Generator(1, null as never), TypeError, re('Expected an object for the options of Generator but received null')),
  row('new Generator: an unknown option', () => new Generator(1, { steam: 1 } as never), TypeError, re(`Unknown option 'steam' in the options of Generator`)),
  row('new Generator: stream above 2**64 - 1', () => new Generator(1, { stream: 2n ** 64n }), RangeError, re('for options.stream but received 18446744073709551616n')),
  row('new Generator: stream is fractional', () => new Generator(1, { stream: 0.5 }), RangeError, re('for options.stream but received 0.5')),
  row('Generator.from: null', () => Generator.from(null as never), TypeError, re('Expected a generator state object for state but received null')),
  row('Generator.from: another algorithm', () => Generator.from({ algorithm: 'mt19937', seed: '1', stream: '0' } as never), RangeError, re(`Expected state.algorithm to be 'philox4x32-10' but received the string "mt19937"`)),
  row('Generator.from: a numeric seed', () => Generator.from({ algorithm: 'philox4x32-10', seed: 1, stream: '0' } as never), TypeError, re('Expected a decimal string for state.seed but received 1')),
  row('Generator.from: a negative seed', () => Generator.from({ algorithm: 'philox4x32-10', seed: '-1', stream: '0' }), TypeError, re('Expected a decimal string for state.seed but received the string "-1"')),
  row('Generator.from: a seed of 2**64', () => Generator.from({ algorithm: 'philox4x32-10', seed: '18446744073709551616', stream: '0' }), RangeError, re('for state.seed but received 18446744073709551616n')),
  row('Generator.from: a stream past 2**64', () => Generator.from({ algorithm: 'philox4x32-10', seed: '1', stream: '18446744073709551617' }), RangeError, re('for state.stream but received 18446744073709551617n')),
  row('Generator.from: a hexadecimal stream', () => Generator.from({ algorithm: 'philox4x32-10', seed: '1', stream: '0x10' }), TypeError, re('Expected a decimal string for state.stream but received the string "0x10"')),
  ...([
    ['fractional', 0.5, RangeError, '0.5'],
    ['negative', -1, RangeError, '-1'],
    ['above 2**64 - 1', 2n ** 64n, RangeError, '18446744073709551616n'],
    ['a string', '1', TypeError, 'the string "1"'],
  ] as const).map(([name, index, error, described]) => row(`Generator.fork: index is ${name}`, (c) => c.generator.fork(index as never), error, re(`for index but received ${described}`))),
  row('Generator.nextStream: every stream used', () => Generator.from({ algorithm: 'philox4x32-10', seed: '7', stream: '18446744073709551616' }).nextStream(), RangeError, re('The generator with seed 7 has used all 2**64 streams')),
  ...[0, -1, 1.5, NaN, Infinity, cores + 1].map((n) =>
    row(`setThreads(${n})`, () => setThreads(n), RangeError, re(`Expected an integer from 1 to ${cores} (the cores available) for threads but received ${n}`), { state: () => info().threads }),
  ),
  row('setThreads: a string', () => setThreads('2' as never), TypeError, re('for threads but received the string "2"'), { state: () => info().threads }),
  row('mcDropout: forward is not a function', mc(42, { samples: 2 }), TypeError, re('Expected a function for forward but received 42')),
  row('mcDropout: options is null', mc(() => X, null), TypeError, re('Expected an object for the options of mcDropout but received null')),
  row('mcDropout: samples is missing', mc(() => X, {}), TypeError, re(`Missing required option 'samples' in the options of mcDropout`)),
  row('mcDropout: an unknown option', mc(() => X, { samples: 2, n: 2 }), TypeError, re(`Unknown option 'n' in the options of mcDropout`)),
  ...[0, -3, 2.5, NaN, Infinity].map((samples) => row(`mcDropout: samples is ${samples}`, mc(() => X, { samples }), RangeError, re(`Expected an integer >= 1 for samples but received ${samples}`))),
  row('mcDropout: samples is a string', mc(() => X, { samples: '3' }), TypeError, re('Expected an integer >= 1 for samples but received the string "3"')),
  row('mcDropout: an output is an Array', mc((_: null, i: number) => (i === 2 ? [1, 2, 3] : new Float64Array(3)), { samples: 4 }), TypeError, re('Expected a Float32Array or Float64Array for the output of forward for sample 2 but received an Array of length 3')),
  row('mcDropout: an output is undefined', mc(() => undefined, { samples: 4 }), TypeError, re('for the output of forward for sample 0 but received undefined')),
  row('mcDropout: an output is over a detached ArrayBuffer', mc((_: null, i: number) => (i === 1 ? detached(Float64Array) : new Float64Array(12)), { samples: 3 }), TypeError, re('for the output of forward for sample 1 but received a Float64Array over a detached ArrayBuffer')),
  row('mcDropout: an output of another length', mc((_: null, i: number) => new Float32Array(i === 3 ? 5 : 4), { samples: 4 }), RangeError, re(`Expected every output of forward to have 4 elements (sample 0's) but sample 3 has 5`)),
  row('mcDropout: an async output of another length', mc(async (_: null, i: number) => new Float64Array(i === 2 ? 1 : 2), { samples: 3 }), RangeError, re('sample 2 has 1'), { async: true }),
  row('mcDropout: an async output that is an Int8Array', mc(async (_: null, i: number) => (i === 1 ? new Int8Array(2) : new Float64Array(2)), { samples: 3 }), TypeError, re('for the output of forward for sample 1 but received an Int8Array'), { async: true }),
];

const rows: Row[] = [
  ...[...functionSubjects, ...layerKinds.flatMap(layerSubjects)].flatMap((subject) => rowsOf(subject, subject.traits.flatMap((trait) => families[trait](subject)))),
  ...layerKinds.flatMap(layerRows),
  ...oneFunctionRows,
];

describe.each(backendNames)('bad input on the %s backend', (backend) => {
  it('names every row once', () => {
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it.each(rows)('$name', async ({ prepare, error, message }) => {
    const c: Context = {
      out: new Float32Array(12).fill(SENTINEL),
      wide: new Float32Array(16).fill(SENTINEL),
      words: new Uint32Array(12).fill(SENTINEL),
      generator: new Generator(1),
      backend,
    };
    const { act, async, state } = prepare(c);
    const stream = c.generator.stream;
    const before = state();
    let thrown: unknown;
    let result: unknown;
    try {
      result = act();
    } catch (caught) {
      thrown = caught;
    }
    if (async) {
      // an async function never throws: it returns a Promise that rejects
      expect(thrown).toBeUndefined();
      expect(result).toBeInstanceOf(Promise);
      thrown = await (result as Promise<unknown>).then(() => undefined, (reason: unknown) => reason);
    } else {
      expect(result).not.toBeInstanceOf(Promise);
    }
    expect(thrown).toBeInstanceOf(error);
    expect((thrown as Error).message).toMatch(message);
    expect(c.out.every((v) => v === SENTINEL)).toBe(true);
    expect(c.wide.every((v) => v === SENTINEL)).toBe(true);
    expect(c.words.every((v) => v === SENTINEL)).toBe(true);
    expect(c.generator.stream).toBe(stream);
    expect(state()).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Valid edges: empty arrays, and shared and resizable buffers

/** Makes an array of `n` elements, filled with test values, over one kind of buffer. */
type Make = <T extends AnyArray>(type: ArrayType<T>, n: number) => T;

function filled<T extends AnyArray>(array: T): T {
  for (let i = 0; i < array.length; i++) array[i] = (i % 7) - 2.75;
  return array;
}

const bufferKinds: [string, Make][] = [
  ['an ArrayBuffer', (type, n) => filled(new type(n))],
  ['a SharedArrayBuffer', (type, n) => filled(new type(new SharedArrayBuffer(n * type.BYTES_PER_ELEMENT)))],
  ['a growable SharedArrayBuffer (length-tracking view)', (type, n) => filled(new type(new Growable(n * type.BYTES_PER_ELEMENT, { maxByteLength: (2 * n + 8) * type.BYTES_PER_ELEMENT })))],
  ['a resizable ArrayBuffer (fixed-length view at an offset)', (type, n) => filled(new type(new Resizable((n + 2) * type.BYTES_PER_ELEMENT, { maxByteLength: (2 * n + 8) * type.BYTES_PER_ELEMENT }), type.BYTES_PER_ELEMENT, n))],
  ['a resizable ArrayBuffer (length-tracking view)', (type, n) => filled(new type(new Resizable(n * type.BYTES_PER_ELEMENT, { maxByteLength: (2 * n + 8) * type.BYTES_PER_ELEMENT })))],
];

/** A valid call of every function on arrays from `make` (`n` is 0 or a multiple of 12); what it returns, as arrays. */
interface ValidCase {
  readonly name: string;
  /** Async calls reject arrays on a resizable ArrayBuffer (rows above). */
  readonly async?: boolean;
  /** The lengths of the results for n = 0, if not all 0. */
  readonly zeroLengths?: readonly number[];
  readonly run: (make: Make, n: number, backend: BackendName) => AnyArray[] | Promise<AnyArray[]>;
}

const seeded = (backend: BackendName) => ({ rate: 0.25, seed: 3, stream: 1, backend });

const validCases: ValidCase[] = [
  { name: 'dropout', run: (make, n, backend) => [dropout(make(Float32Array, n), seeded(backend))] },
  { name: 'dropout in place', run: (make, n, backend) => { const x = make(Float64Array, n); return [dropout(x, { ...seeded(backend), out: x })]; } },
  { name: 'dropout into out', run: (make, n, backend) => [dropout(make(Float32Array, n), { ...seeded(backend), out: make(Float32Array, n) })] },
  { name: 'dropout with a noise shape', run: (make, n, backend) => [dropout(make(Float32Array, n), { ...seeded(backend), shape: [n / 4, 4], noiseShape: [null, 1] })] },
  { name: 'dropout in inference, into out', run: (make, n, backend) => [dropout(make(Float32Array, n), { ...seeded(backend), training: false, out: make(Float32Array, n) })] },
  {
    name: 'dropoutWithMask and dropoutBackward in place',
    run: (make, n, backend) => {
      const { output, mask } = dropoutWithMask(make(Float64Array, n), seeded(backend));
      const grad = make(Float64Array, n);
      return [output, mask.bits(), dropoutBackward(grad, mask, { out: grad, backend })];
    },
  },
  { name: 'spatialDropout', run: (make, n, backend) => [spatialDropout(make(Float32Array, n), { ...seeded(backend), shape: [n / 12, 3, 4], dims: 1 })] },
  { name: 'alphaDropout', run: (make, n, backend) => [alphaDropoutWithMask(make(Float64Array, n), seeded(backend)).output] },
  {
    name: 'gaussianDropoutWithNoise and gaussianDropoutBackward',
    run: (make, n, backend) => {
      const { output, noise } = gaussianDropoutWithNoise(make(Float32Array, n), seeded(backend));
      return [output, gaussianDropoutBackward(make(Float32Array, n), noise, { backend })];
    },
  },
  { name: 'gaussianNoise in place', run: (make, n, backend) => { const x = make(Float64Array, n); return [gaussianNoise(x, { stddev: 0.5, seed: 3, backend, out: x })]; } },
  {
    name: 'biasDropoutAddWithMask into residual and biasDropoutAddBackward',
    zeroLengths: [0, 0, 0, 4, 0], // dbias: the column sums of no rows, zeros
    run: (make, n, backend) => {
      const residual = make(Float32Array, n);
      const { output, mask } = biasDropoutAddWithMask(make(Float32Array, n), make(Float32Array, 4), residual, { ...seeded(backend), out: residual });
      const { dx, dbias, dresidual } = biasDropoutAddBackward(make(Float32Array, n), mask, { backend });
      return [output, mask.bits(), dx, dbias, dresidual];
    },
  },
  { name: 'philoxWords', run: (make, n, backend) => [philoxWords(make(Uint32Array, n), { seed: 3, stream: 1, offset: 5, backend })] },
  {
    name: 'the layers forward and backward',
    run: (make, n, backend) =>
      layerKinds.flatMap((kind) => {
        const layer = kind.make({ ...kind.own, seed: 3, backend });
        const shape = [...kind.shape.slice(0, -2), n / 4, 4];
        const output = layer.forward(make(Float32Array, n), { shape, out: make(Float32Array, n) });
        return [output, layer.backward(make(Float32Array, n), { out: make(Float32Array, n) })];
      }),
  },
  {
    name: 'mcDropout over a Dropout layer',
    run: (make, n, backend) => {
      const layer = new Dropout({ rate: 0.25, seed: 3, backend });
      const { mean, variance } = mcDropout((x: Float64Array) => layer.forward(x), make(Float64Array, n), { samples: 3 });
      return [mean, variance];
    },
  },
  { name: 'dropoutAsync', async: true, run: async (make, n, backend) => [await dropoutAsync(make(Float32Array, n), { ...seeded(backend), out: make(Float32Array, n) })] },
  {
    name: 'dropoutWithMaskAsync and dropoutBackwardAsync',
    async: true,
    run: async (make, n, backend) => {
      const { output, mask } = await dropoutWithMaskAsync(make(Float64Array, n), seeded(backend));
      return [output, mask.bits(), await dropoutBackwardAsync(make(Float64Array, n), mask, { backend })];
    },
  },
];

describe.each(backendNames)('valid edge inputs on the %s backend', (backend) => {
  it.each(validCases)('$name: zero-length arrays give empty results', async ({ run, zeroLengths }) => {
    const results = await run(bufferKinds[0]![1], 0, backend);
    expect(results.map((result) => result.length)).toEqual(zeroLengths ?? results.map(() => 0));
    for (const result of results) expect(Array.from(result).every((v) => v === 0)).toBe(true);
  });

  const kinds = bufferKinds.slice(1);
  it.each(validCases.flatMap((c) => kinds.filter(([kind]) => !(c.async && kind.includes('resizable'))).map(([kind, make]) => ({ ...c, kind, make }))))(
    '$name over $kind: the same bits as over an ArrayBuffer',
    async ({ run, make }) => {
      const expected = await run(bufferKinds[0]![1], 24, backend);
      const actual = await run(make, 24, backend);
      expect(actual.length).toBe(expected.length);
      actual.forEach((array, i) => expectSameBits(array, expected[i]!, `result ${i}`));
    },
  );
});
