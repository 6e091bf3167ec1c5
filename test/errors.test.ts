/**
 * Every error path of the public API: the error class, a message that names the argument, and
 * nothing written (out keeps its sentinel) and no stream taken before the throw.
 */
import { describe, expect, it } from 'vitest';
import {
  alphaDropout,
  biasDropoutAdd,
  biasDropoutAddBackward,
  dropout,
  dropoutBackward,
  dropoutWithMask,
  gaussianDropout,
  gaussianDropoutBackward,
  gaussianDropoutWithNoise,
  gaussianNoise,
  Generator,
  philoxWords,
  spatialDropout,
  type BackendName,
} from '../lib/index.js';
import { backendNames } from './support.js';

const SENTINEL = 12345;

/** What each case's call gets: an `out` filled with SENTINEL, a fresh generator, the backend. */
interface CallContext {
  readonly out: Float32Array;
  readonly generator: Generator;
  readonly backend: BackendName;
}

interface ErrorCase {
  readonly name: string;
  readonly call: (context: CallContext) => unknown;
  readonly error: typeof TypeError | typeof RangeError;
  readonly message: RegExp;
}

const x = new Float32Array(12).fill(1);
const { mask } = dropoutWithMask(x, { rate: 0.5, seed: 1, shape: [3, 4], noiseShape: [3, 1] });
/** A forward call with the given options on top of a valid set that writes into `out`. */
const forward =
  (options: Record<string, unknown>, input: unknown = x) =>
  ({ out, generator, backend }: CallContext) =>
    dropout(input as Float32Array, { rate: 0.5, generator, out, backend, ...options } as never);

const cases: ErrorCase[] = [
  { name: 'x is an Int32Array', call: forward({}, new Int32Array(12)), error: TypeError, message: /Float32Array or Float64Array for x but received an Int32Array/ },
  { name: 'x is a plain array', call: forward({}, [1, 2]), error: TypeError, message: /for x but received an Array of length 2/ },
  { name: 'x is a string', call: forward({}, 'abc'), error: TypeError, message: /for x but received the string "abc"/ },
  { name: 'x is a DataView', call: forward({}, new DataView(new ArrayBuffer(8))), error: TypeError, message: /for x but received a DataView/ },
  { name: 'options is null', call: () => dropout(x, null as never), error: TypeError, message: /Expected an object for the options of dropout but received null/ },
  { name: 'rate is missing', call: () => dropout(x, {} as never), error: TypeError, message: /Missing required option 'rate'/ },
  { name: 'rate is a string', call: forward({ rate: '0.5' }), error: TypeError, message: /number in \[0, 1\] for rate but received the string "0.5"/ },
  { name: 'rate is NaN', call: forward({ rate: NaN }), error: RangeError, message: /for rate but received NaN/ },
  { name: 'rate is 1.5', call: forward({ rate: 1.5 }), error: RangeError, message: /Expected a number in \[0, 1\] for rate but received 1.5/ },
  { name: 'rate is -0.1', call: forward({ rate: -0.1 }), error: RangeError, message: /for rate but received -0.1/ },
  { name: 'rate is Infinity', call: forward({ rate: Infinity }), error: RangeError, message: /for rate but received Infinity/ },
  { name: 'training is a string', call: forward({ training: 'yes' }), error: TypeError, message: /boolean for training/ },
  { name: 'an unknown option', call: forward({ noise_shape: [1] }), error: TypeError, message: /Unknown option 'noise_shape'.*noiseShape/ },
  { name: 'seed is negative', call: forward({ generator: undefined, seed: -1 }), error: RangeError, message: /for seed but received -1/ },
  { name: 'seed is fractional', call: forward({ generator: undefined, seed: 1.5 }), error: RangeError, message: /for seed but received 1.5/ },
  { name: 'seed is an unsafe number', call: forward({ generator: undefined, seed: 2 ** 60 }), error: RangeError, message: /safe-integer number or a bigint\) for seed/ },
  { name: 'seed is above 2**64 - 1', call: forward({ generator: undefined, seed: 2n ** 64n }), error: RangeError, message: /\[0, 18446744073709551615\].*for seed but received 18446744073709551616n/ },
  { name: 'seed is a string', call: forward({ generator: undefined, seed: '42' }), error: TypeError, message: /for seed but received the string "42"/ },
  { name: 'seed and generator together', call: forward({ seed: 1 }), error: RangeError, message: /either seed or generator/ },
  { name: 'generator is not a Generator', call: forward({ generator: { seed: 1n } }), error: TypeError, message: /Generator for generator but received an Object/ },
  { name: 'stream with a generator', call: forward({ stream: 1 }), error: RangeError, message: /no stream with generator/ },
  { name: 'stream without a seed', call: forward({ generator: undefined, stream: 1 }), error: RangeError, message: /seed with stream/ },
  { name: 'stream is negative', call: forward({ generator: undefined, seed: 1, stream: -2 }), error: RangeError, message: /for stream but received -2/ },
  { name: 'offset is fractional', call: forward({ offset: 0.5 }), error: RangeError, message: /for offset but received 0.5/ },
  { name: 'offset runs past 2**64', call: forward({ offset: 2n ** 64n - 5n }), error: RangeError, message: /offset \+ 12 elements to stay within 2\*\*64/ },
  { name: 'shape product differs from the length', call: forward({ shape: [5, 2] }), error: RangeError, message: /shape \[5, 2\] to have 12 elements/ },
  { name: 'shape has a negative entry', call: forward({ shape: [-3, -4] }), error: RangeError, message: /shape\[0\] to be a non-negative integer but received -3/ },
  { name: 'shape has a fractional entry', call: forward({ shape: [1.5, 8] }), error: RangeError, message: /shape\[0\].*received 1.5/ },
  { name: 'shape has NaN', call: forward({ shape: [NaN] }), error: RangeError, message: /shape\[0\].*received NaN/ },
  { name: 'shape is not an array', call: forward({ shape: 12 }), error: TypeError, message: /array of non-negative integers for shape but received 12/ },
  { name: 'shape is empty', call: forward({ shape: [] }), error: RangeError, message: /shape to have 1 to 32 axes but it has 0/ },
  { name: 'noiseShape of another rank', call: forward({ shape: [3, 4], noiseShape: [3] }), error: RangeError, message: /noiseShape \[3\] to match shape \[3, 4\]/ },
  { name: 'noiseShape entry neither 1 nor the size', call: forward({ shape: [3, 4], noiseShape: [3, 2] }), error: RangeError, message: /noiseShape \[3, 2\] to match shape \[3, 4\]/ },
  { name: 'noiseShape entry is a string', call: forward({ shape: [3, 4], noiseShape: [3, '1'] }), error: TypeError, message: /noiseShape\[1\] to be a non-negative integer or null/ },
  { name: 'out of another type', call: ({ generator, backend }) => dropout(x, { rate: 0.5, generator, backend, out: new Float64Array(12) as never }), error: TypeError, message: /out to be a Float32Array like x but received a Float64Array/ },
  { name: 'out of another length', call: ({ generator, backend }) => dropout(x, { rate: 0.5, generator, backend, out: new Float32Array(11) }), error: RangeError, message: /out to have the length of x \(12\) but its length is 11/ },
  { name: 'out partly overlapping x', call: ({ out, generator, backend }) => dropout(out.subarray(0, 10), { rate: 0.5, generator, backend, out: out.subarray(2, 12) }), error: RangeError, message: /out to be x itself or not to overlap it/ },
  { name: 'backend is unknown', call: forward({ backend: 'gpu' }), error: RangeError, message: /'native' or 'js' for backend but received the string "gpu"/ },
  { name: 'backward grad of another length', call: ({ out, backend }) => dropoutBackward(new Float32Array(8), mask, { out, backend }), error: RangeError, message: /grad to have 12 elements \(the mask's shape \[3, 4\]\) but it has 8/ },
  { name: 'backward grad is an Int32Array', call: ({ out, backend }) => dropoutBackward(new Int32Array(12) as never, mask, { out, backend }), error: TypeError, message: /for grad but received an Int32Array/ },
  { name: 'backward mask is not a DropoutMask', call: ({ out, backend }) => dropoutBackward(x, { shape: [12] } as never, { out, backend }), error: TypeError, message: /DropoutMask for mask but received an Object/ },
  { name: 'backward out of another length', call: ({ backend }) => dropoutBackward(x, mask, { out: new Float32Array(3), backend }), error: RangeError, message: /out to have the length of grad/ },
  { name: 'philoxWords into a Float32Array', call: ({ out, backend }) => philoxWords(out as never, { seed: 1, backend }), error: TypeError, message: /Uint32Array for out but received a Float32Array/ },
  { name: 'philoxWords without a seed', call: () => philoxWords(new Uint32Array(4), {} as never), error: TypeError, message: /Missing required option 'seed'/ },
  { name: 'noiseShape and broadcastDims together', call: forward({ shape: [3, 4], noiseShape: [3, 1], broadcastDims: [1] }), error: RangeError, message: /either noiseShape or broadcastDims in the options of dropout, not both/ },
  { name: 'broadcastDims past the rank', call: forward({ shape: [3, 4], broadcastDims: [2] }), error: RangeError, message: /broadcastDims\[0\] to be an axis of shape \[3, 4\] \(an integer in \[-2, 1\]\) but received 2/ },
  { name: 'broadcastDims not an array', call: forward({ shape: [3, 4], broadcastDims: 1 }), error: TypeError, message: /array of axes for broadcastDims but received 1/ },
  { name: 'scaling unknown', call: forward({ scaling: 'test' }), error: RangeError, message: /'train' or 'inference' for scaling but received the string "test"/ },
  { name: 'spatialDropout of the wrong rank', call: ({ out, generator, backend }) => spatialDropout(x, { rate: 0.5, shape: [3, 4], dims: 1, generator, out, backend }), error: RangeError, message: /shape of rank 3 \(N, S, C\) for 1D spatial dropout but received shape \[3, 4\] of rank 2/ },
  { name: 'spatialDropout without dims', call: ({ out, generator, backend }) => spatialDropout(x, { rate: 0.5, shape: [1, 3, 4], generator, out, backend } as never), error: TypeError, message: /Missing required option 'dims' in the options of spatialDropout/ },
  { name: 'spatialDropout with dims 4', call: ({ out, generator, backend }) => spatialDropout(x, { rate: 0.5, shape: [1, 3, 4], dims: 4 as never, generator, out, backend }), error: RangeError, message: /1, 2 or 3 for dims but received 4/ },
  { name: 'spatialDropout with an unknown dataFormat', call: ({ out, generator, backend }) => spatialDropout(x, { rate: 0.5, shape: [1, 3, 4], dims: 1, dataFormat: 'NHWC' as never, generator, out, backend }), error: RangeError, message: /'channelsLast' or 'channelsFirst' for dataFormat/ },
  { name: 'alphaDropout at rate 1', call: ({ out, generator, backend }) => alphaDropout(x, { rate: 1, generator, out, backend }), error: RangeError, message: /\[0, 1\) for rate but received 1: alpha dropout cannot drop everything/ },
  { name: 'gaussianDropout at rate 1', call: ({ out, generator, backend }) => gaussianDropout(x, { rate: 1, generator, out, backend }), error: RangeError, message: /rate \/ \(1 - rate\) would be infinite/ },
  { name: 'gaussianDropout at rate NaN', call: ({ out, generator, backend }) => gaussianDropout(x, { rate: NaN, generator, out, backend }), error: RangeError, message: /\[0, 1\] for rate but received NaN/ },
  { name: 'gaussianNoise with a negative stddev', call: ({ out, generator, backend }) => gaussianNoise(x, { stddev: -0.1, generator, out, backend }), error: RangeError, message: /finite number >= 0 for stddev but received -0.1/ },
  { name: 'gaussianNoise with a string stddev', call: ({ out, generator, backend }) => gaussianNoise(x, { stddev: '1' as never, generator, out, backend }), error: TypeError, message: /for stddev but received the string "1"/ },
  { name: 'gaussianDropoutBackward with a mask', call: ({ out, backend }) => gaussianDropoutBackward(x, mask as never, { out, backend }), error: TypeError, message: /NoiseRecord for noise but received a DropoutMask/ },
  { name: 'gaussianDropoutBackward with a grad of another length', call: ({ out, backend }) => gaussianDropoutBackward(new Float32Array(5), gaussianDropoutWithNoise(x, { rate: 0.5, seed: 1 }).noise, { out, backend }), error: RangeError, message: /grad to have 12 elements \(the forward's\) but it has 5/ },
  { name: 'biasDropoutAdd with a bias that does not divide x', call: ({ out, generator, backend }) => biasDropoutAdd(x, new Float32Array(5), new Float32Array(12), { rate: 0.5, generator, out, backend }), error: RangeError, message: /length of x \(12\) to be a multiple of the length of bias \(5\)/ },
  { name: 'biasDropoutAdd with a Float64Array residual', call: ({ out, generator, backend }) => biasDropoutAdd(x, new Float32Array(4), new Float64Array(12) as never, { rate: 0.5, generator, out, backend }), error: TypeError, message: /residual to be a Float32Array like x but received a Float64Array/ },
  { name: 'biasDropoutAdd with a residual of another length', call: ({ out, generator, backend }) => biasDropoutAdd(x, new Float32Array(4), new Float32Array(8), { rate: 0.5, generator, out, backend }), error: RangeError, message: /residual to have the length of x \(12\) but its length is 8/ },
  { name: 'biasDropoutAdd with out over the bias', call: ({ out, generator, backend }) => biasDropoutAdd(out.subarray(0, 8), out.subarray(8, 12), new Float32Array(8), { rate: 0.5, generator, out: out.subarray(4, 12), backend }), error: RangeError, message: /out to be x itself or not to overlap it/ },
  { name: 'biasDropoutAddBackward with a grad of another length', call: ({ out, backend }) => biasDropoutAddBackward(new Float32Array(3), mask, { out, backend }), error: RangeError, message: /grad to have 12 elements/ },
  { name: 'Generator with a negative seed', call: () => new Generator(-5), error: RangeError, message: /for seed but received -5/ },
  { name: 'Generator with a bigint stream above 2**64 - 1', call: () => new Generator(1, { stream: 2n ** 64n }), error: RangeError, message: /for options.stream/ },
  { name: 'Generator.fork with a fractional index', call: ({ generator }) => generator.fork(0.5), error: RangeError, message: /for index but received 0.5/ },
  { name: 'Generator.from a foreign state', call: () => Generator.from({ algorithm: 'mt19937', seed: '1', stream: '0' } as never), error: RangeError, message: /state.algorithm to be 'philox4x32-10'/ },
  { name: 'Generator.from a numeric seed', call: () => Generator.from({ algorithm: 'philox4x32-10', seed: 1, stream: '0' } as never), error: TypeError, message: /decimal string for state.seed/ },
];

describe.each(backendNames)('errors on the %s backend', (backend) => {
  it.each(cases)('$name', ({ call, error, message }) => {
    const out = new Float32Array(12).fill(SENTINEL);
    const generator = new Generator(1);
    let thrown: unknown;
    try {
      call({ out, generator, backend });
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(error);
    expect((thrown as Error).message).toMatch(message);
    expect(out.every((v) => v === SENTINEL)).toBe(true);
    expect(generator.stream).toBe(0n);
  });
});
