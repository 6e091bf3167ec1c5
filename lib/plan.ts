/**
 * The options every random op shares — `training`, `seed` | `generator`, `stream`, `offset`, `out`,
 * `backend` — checked once, here, into a plan. Nothing is written and no stream is taken until the
 * op has checked all of its own options too and calls `takeStream()`.
 */
import { BACKEND_NAMES, selectBackend, type BackendName } from './backend/select.js';
import type { Backend, FloatArray } from './backend/types.js';
import { Generator, processWideGenerator, type Uint64Like } from './generator.js';
import { checkBoolean, checkChoice, checkFloatArray, checkOut, checkThreads, checkUint64, describe } from './validate.js';

/** Options shared by every random op. */
export interface RandomOpOptions {
  /** `true` (default) applies the op; `false` is inference, which consumes no randomness. */
  training?: boolean;
  /** Seed (0 to 2**64 - 1): the call becomes a pure function of (seed, stream, offset). */
  seed?: Uint64Like;
  /** A Generator to take the next stream from (instead of `seed`). */
  generator?: Generator;
  /** Stream id to use with `seed` (default 0). */
  stream?: Uint64Like;
  /**
   * Global index of the first mask (or noise) element (default 0): without a noise shape, the
   * index of `x[0]` in the whole flat tensor, so shards processed separately give the same
   * result as one call.
   */
  offset?: Uint64Like;
  /** Where to write the result: same type and length as `x`; `x` itself works in place. */
  out?: FloatArray;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
  /**
   * Native backend: the most threads this call runs on, an integer >= 1 (more than the cores means
   * all of them; the pool never runs more threads than cores). Default: `setThreads`'s count (every
   * core) from `info().threadCrossover` elements on, one thread below. Never changes the result;
   * the JS backend ignores it.
   */
  threads?: number;
}

/** The names of RandomOpOptions, for each op's list of known options. */
export const RANDOM_OP_OPTIONS = ['training', 'seed', 'generator', 'stream', 'offset', 'out', 'backend', 'threads'] as const;

/** The (seed, stream) a training call draws from. */
export interface StreamChoice {
  readonly seed: bigint;
  readonly stream: bigint;
}

/** A call whose shared options have been checked. */
export interface CallPlan {
  readonly x: FloatArray;
  readonly out: FloatArray | undefined;
  readonly training: boolean;
  readonly backend: Backend;
  /** The `threads` option (undefined: the process default for the size). */
  readonly threads: number | undefined;
  /** Takes the stream (from the seed, the generator or the process-wide generator). */
  readonly takeStream: () => StreamChoice;
}

/**
 * Checks `x` and the shared options of a call to `fn`. Without a `backend` option, calls below
 * `jsCrossover` elements run on the JS backend (lib/backend/crossover.ts).
 */
export function planCall(x: unknown, options: RandomOpOptions, fn: string, jsCrossover = 0): CallPlan {
  const input = checkFloatArray(x, 'x');
  const training = checkBoolean(options.training, 'training', true);
  const out = options.out === undefined ? undefined : checkOut(options.out, input, 'x');
  const backend = selectBackend(checkChoice(options.backend, 'backend', BACKEND_NAMES), input.length, jsCrossover);
  const threads = checkThreads(options.threads);
  return { x: input, out, training, backend, threads, takeStream: streamSource(options, fn) };
}

function streamSource(options: RandomOpOptions, fn: string): () => StreamChoice {
  const { seed, generator, stream } = options;
  if (seed !== undefined && generator !== undefined) {
    throw new RangeError(`Expected either seed or generator in the options of ${fn}, not both`);
  }
  if (generator !== undefined) {
    if (!(generator instanceof Generator)) {
      throw new TypeError(`Expected a Generator for generator but received ${describe(generator)}`);
    }
    if (stream !== undefined) {
      throw new RangeError(`Expected no stream with generator in the options of ${fn}: the generator supplies the streams`);
    }
    return () => ({ seed: generator.seed, stream: generator.nextStream() });
  }
  if (seed !== undefined) {
    const choice = { seed: checkUint64(seed, 'seed'), stream: stream === undefined ? 0n : checkUint64(stream, 'stream') };
    return () => choice;
  }
  if (stream !== undefined) throw new RangeError(`Expected a seed with stream in the options of ${fn}`);
  return () => {
    const processGenerator = processWideGenerator();
    return { seed: processGenerator.seed, stream: processGenerator.nextStream() };
  };
}

/** The array a call writes: `out`, or a new array of `x`'s type and length. */
export function outputFor(plan: CallPlan): FloatArray {
  return plan.out ?? new (plan.x.constructor as new (n: number) => FloatArray)(plan.x.length);
}

/** Inference without a factor: `x` itself, or `x` copied into `out`. */
export function identityOutput(plan: CallPlan): FloatArray {
  if (plan.out === undefined || plan.out === plan.x) return plan.x;
  plan.out.set(plan.x);
  return plan.out;
}
