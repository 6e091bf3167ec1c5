/**
 * Gaussian dropout (multiplicative noise N(1, rate / (1 - rate)), Srivastava et al. 2014, Keras
 * GaussianDropout) and Gaussian noise (additive N(0, stddev²), Keras GaussianNoise).
 *
 * The noise is a function of (seed, stream, offset), like a mask, so the backward pass
 * regenerates it instead of storing it: a NoiseRecord holds those numbers, not the noise.
 */
import { BACKEND_NAMES, selectBackend, type BackendName } from './backend/select.js';
import type { FloatArray, NoiseMode } from './backend/types.js';
import { maskStream } from './generator.js';
import { dtypeOf, type FloatDtype } from './mask.js';
import { identityOutput, outputFor, planCall, RANDOM_OP_OPTIONS, type RandomOpOptions } from './plan.js';
import {
  checkChoice,
  checkFloatArray,
  checkOffset,
  checkOptions,
  checkOut,
  checkRate,
  checkThreads,
  describe,
  numberError,
  requireOption,
} from './validate.js';

/** Options of `gaussianDropout`. */
export interface GaussianDropoutOptions extends RandomOpOptions {
  /** The equivalent drop probability, in [0, 1): the noise has variance rate / (1 - rate). */
  rate: number;
}

/** Options of `gaussianNoise`. */
export interface GaussianNoiseOptions extends RandomOpOptions {
  /** The standard deviation of the added noise: finite, >= 0. */
  stddev: number;
}

/** Options of `gaussianDropoutBackward`. */
export interface NoiseBackwardOptions {
  /** Where to write the gradient: same type and length as `grad`; `grad` itself works in place. */
  out?: FloatArray;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
  /** Native backend: the most threads this call runs on (see RandomOpOptions). */
  threads?: number;
}

/**
 * Which noise one Gaussian forward pass used: the numbers it is a function of. Backward
 * regenerates the noise from them, so a record costs no per-element memory.
 */
export class NoiseRecord {
  /**
   * Made by `gaussianDropoutWithNoise`; not meant to be constructed by hand.
   * @internal
   */
  constructor(
    /** The standard deviation of the multiplicative noise (0 in inference). */
    readonly stddev: number,
    /** The dtype of the forward pass's input. */
    readonly dtype: FloatDtype,
    /** The number of elements. */
    readonly size: number,
    /** The seed, stream and offset the noise was drawn from. */
    readonly seed: bigint,
    readonly stream: bigint,
    readonly offset: bigint,
  ) {}
}

/** The result of `gaussianDropoutWithNoise`. */
export interface GaussianDropoutResult<T extends FloatArray> {
  readonly output: T;
  readonly noise: NoiseRecord;
}

/** Runs a checked Gaussian call: `x * (1 + stddev z)` or `x + stddev z`; inference is the identity. */
function runGaussian(x: unknown, opts: RandomOpOptions, stddev: number, mode: NoiseMode, fn: string) {
  const call = planCall(x, opts, fn);
  const offset = checkOffset(opts.offset, call.x.length);
  const dtype = dtypeOf(call.x);
  if (!call.training) {
    return { output: identityOutput(call), noise: new NoiseRecord(0, dtype, call.x.length, 0n, 0n, offset) };
  }
  const output = outputFor(call);
  const { seed, stream } = call.takeStream();
  call.backend.gaussianNoise(call.x, output, maskStream(seed, stream, offset, 0), stddev, mode, call.threads);
  return { output, noise: new NoiseRecord(stddev, dtype, call.x.length, seed, stream, offset) };
}

const GAUSSIAN_DROPOUT_OPTIONS = ['rate', ...RANDOM_OP_OPTIONS];

function runGaussianDropout(x: unknown, options: unknown, fn: string) {
  const opts = checkOptions<GaussianDropoutOptions>(options, `the options of ${fn}`, GAUSSIAN_DROPOUT_OPTIONS);
  const rate = checkRate(requireOption(opts, 'rate', `the options of ${fn}`), 'rate', 'the noise variance rate / (1 - rate) would be infinite');
  return runGaussian(x, opts, Math.sqrt(rate / (1 - rate)), 'multiply', fn);
}

/**
 * Gaussian dropout: multiplies each element by 1 + σz, z standard normal, σ² = rate / (1 - rate),
 * computed in float64 and rounded once to the array's type. rate 0 is the identity (x·1); rate 1
 * is a RangeError (infinite variance). Inference is the identity and takes no stream.
 *
 * @example
 * const y = gaussianDropout(x, { rate: 0.2, seed: 5 });
 */
export function gaussianDropout<T extends FloatArray>(x: T, options: GaussianDropoutOptions): T {
  return runGaussianDropout(x, options, 'gaussianDropout').output as T;
}

/** Like `gaussianDropout`, and also returns the NoiseRecord for `gaussianDropoutBackward`. */
export function gaussianDropoutWithNoise<T extends FloatArray>(x: T, options: GaussianDropoutOptions): GaussianDropoutResult<T> {
  return runGaussianDropout(x, options, 'gaussianDropoutWithNoise') as GaussianDropoutResult<T>;
}

/**
 * The backward pass of Gaussian dropout: `grad * (1 + σz)` with the forward's very noise,
 * regenerated from its record.
 */
export function gaussianDropoutBackward<T extends FloatArray>(grad: T, noise: NoiseRecord, options?: NoiseBackwardOptions): T {
  const input = checkFloatArray(grad, 'grad');
  if (!(noise instanceof NoiseRecord)) {
    throw new TypeError(`Expected a NoiseRecord for noise but received ${describe(noise)}`);
  }
  const opts = checkOptions<NoiseBackwardOptions>(options, 'the options of gaussianDropoutBackward', ['out', 'backend', 'threads']);
  if (input.length !== noise.size) {
    throw new RangeError(`Expected grad to have ${noise.size} elements (the forward's) but it has ${input.length}`);
  }
  const out = checkOut(opts.out, input, 'grad');
  const backend = selectBackend(checkChoice(opts.backend, 'backend', BACKEND_NAMES), input.length);
  const threads = checkThreads(opts.threads);
  backend.gaussianNoise(input, out, maskStream(noise.seed, noise.stream, noise.offset, 0), noise.stddev, 'multiply', threads);
  return out as T;
}

const GAUSSIAN_NOISE_OPTIONS = ['stddev', ...RANDOM_OP_OPTIONS];

/**
 * Additive Gaussian noise: `x + stddev · z`, computed in float64 and rounded once to the array's
 * type. Inference is the identity. Its gradient is the identity: pass `grad` on unchanged.
 *
 * @example
 * const y = gaussianNoise(x, { stddev: 0.1, seed: 5 });
 */
export function gaussianNoise<T extends FloatArray>(x: T, options: GaussianNoiseOptions): T {
  const opts = checkOptions<GaussianNoiseOptions>(options, 'the options of gaussianNoise', GAUSSIAN_NOISE_OPTIONS);
  const stddev = requireOption(opts, 'stddev', 'the options of gaussianNoise');
  if (!(typeof stddev === 'number' && stddev >= 0 && stddev < Infinity)) throw numberError(stddev, 'stddev', 'a finite number >= 0');
  return runGaussian(x, opts, stddev, 'add', 'gaussianNoise').output as T;
}
