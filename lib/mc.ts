/**
 * Monte-Carlo dropout (Gal & Ghahramani 2016): run a network several times with its dropout
 * layers in training mode and summarise the outputs per element — the mean as the prediction,
 * the variance as a measure of the model's uncertainty.
 */
import type { FloatArray } from './backend/types.js';
import { checkFloatArray, checkInteger, checkOptions, describe, requireOption } from './validate.js';

/** Options of `mcDropout`. */
export interface McDropoutOptions {
  /** How many times to run `forward`: an integer >= 1. */
  samples: number;
}

/** The per-element summary of the sampled outputs. */
export interface McDropoutResult {
  /** The mean of each output element over the samples, in float64. */
  readonly mean: Float64Array;
  /**
   * The population variance of each output element over the samples, in float64: the sum of
   * squared deviations from the mean divided by `samples` (not `samples - 1`), so 0 for one sample.
   */
  readonly variance: Float64Array;
  /** The number of samples. */
  readonly samples: number;
}

/** One stochastic forward pass of a network: `sampleIndex` runs from 0 to `samples - 1`. */
export type McForward<X> = (x: X, sampleIndex: number) => FloatArray;

/** An asynchronous stochastic forward pass (for example one that runs on a worker). */
export type McAsyncForward<X> = (x: X, sampleIndex: number) => Promise<FloatArray>;

/** Welford's running mean and sum of squared deviations, per element, in float64. */
class Welford {
  #mean: Float64Array | undefined;
  #m2: Float64Array | undefined;
  #count = 0;

  add(value: unknown, sampleIndex: number): void {
    const output = checkFloatArray(value, `the output of forward for sample ${sampleIndex}`);
    this.#mean ??= new Float64Array(output.length);
    this.#m2 ??= new Float64Array(output.length);
    const mean = this.#mean;
    const m2 = this.#m2;
    if (output.length !== mean.length) {
      throw new RangeError(
        `Expected every output of forward to have ${mean.length} elements (sample 0's) but sample ${sampleIndex} has ${output.length}`,
      );
    }
    const n = ++this.#count;
    for (let i = 0; i < mean.length; i++) {
      const value = output[i]!;
      const delta = value - mean[i]!;
      mean[i]! += delta / n;
      m2[i]! += delta * (value - mean[i]!);
    }
  }

  result(): McDropoutResult {
    const variance = this.#m2!;
    for (let i = 0; i < variance.length; i++) variance[i]! /= this.#count;
    return { mean: this.#mean!, variance, samples: this.#count };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Awaits the pending sample `first` and runs the remaining samples one after another. */
async function finishAsync<X>(
  forward: (x: X, sampleIndex: number) => unknown,
  x: X,
  samples: number,
  first: number,
  pending: PromiseLike<unknown>,
  welford: Welford,
): Promise<McDropoutResult> {
  welford.add(await pending, first);
  for (let i = first + 1; i < samples; i++) welford.add(await forward(x, i), i);
  return welford.result();
}

/**
 * Monte-Carlo dropout: calls `forward(x, sampleIndex)` `samples` times, one call after another,
 * and returns the mean and the population variance (divisor `samples`) of each output element,
 * accumulated with Welford's algorithm in float64. `forward` should run its dropout layers in
 * training mode (their generators then give each sample its own masks, reproducibly from their
 * seeds); every output must be a Float32Array or Float64Array of one length. If `forward` returns
 * a Promise, each is awaited before the next call and `mcDropout` returns a Promise.
 *
 * @example
 * const layer = new Dropout({ rate: 0.2, seed: 7 }); // in training mode
 * const x = new Float64Array([1, 2, 3]);
 * const { mean, variance } = mcDropout((input) => layer.forward(input), x, { samples: 100 });
 */
export function mcDropout<X>(forward: McAsyncForward<X>, x: X, options: McDropoutOptions): Promise<McDropoutResult>;
export function mcDropout<X>(forward: McForward<X>, x: X, options: McDropoutOptions): McDropoutResult;
export function mcDropout<X>(
  forward: (x: X, sampleIndex: number) => FloatArray | Promise<FloatArray>,
  x: X,
  options: McDropoutOptions,
): McDropoutResult | Promise<McDropoutResult>;
export function mcDropout<X>(
  forward: (x: X, sampleIndex: number) => unknown,
  x: X,
  options: McDropoutOptions,
): McDropoutResult | Promise<McDropoutResult> {
  if (typeof forward !== 'function') {
    throw new TypeError(`Expected a function for forward but received ${describe(forward)}`);
  }
  const opts = checkOptions<McDropoutOptions>(options, 'the options of mcDropout', ['samples']);
  const samples = checkInteger(requireOption(opts, 'samples', 'the options of mcDropout'), 'samples', 1);
  const welford = new Welford();
  for (let i = 0; i < samples; i++) {
    const output = forward(x, i);
    if (isThenable(output)) return finishAsync(forward, x, samples, i, output, welford);
    welford.add(output, i);
  }
  return welford.result();
}
