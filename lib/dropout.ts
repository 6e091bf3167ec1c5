/**
 * dropout, dropoutWithMask and dropoutBackward: argument checks first (nothing is written and no
 * stream is taken until every argument has passed), then one backend call.
 */
import { BACKEND_NAMES, selectBackend, type BackendName } from './backend/select.js';
import type { Backend, FloatArray } from './backend/types.js';
import { Generator, maskStream, processWideGenerator, type Uint64Like } from './generator.js';
import { DropoutMask, dtypeOf, keepScale, packedBitsOf } from './mask.js';
import { broadcastLayout, isElementwise, resolveNoiseShape, resolveShape, shapeSize, type NoiseShapeEntry } from './shape.js';
import {
  checkBoolean,
  checkChoice,
  checkFloatArray,
  checkOffset,
  checkOptions,
  checkOut,
  checkRate,
  checkUint64,
  describe,
  requireOption,
} from './validate.js';

/** Options of `dropout` and `dropoutWithMask`. */
export interface DropoutOptions {
  /** Probability of dropping each element, in [0, 1]. 0 keeps everything, 1 drops everything. */
  rate: number;
  /** `true` (default) applies dropout; `false` is inference: the identity, consuming no randomness. */
  training?: boolean;
  /** Seed (0 to 2**64 - 1): the call becomes a pure function of (seed, stream, offset). */
  seed?: Uint64Like;
  /** A Generator to take the next stream from (instead of `seed`). */
  generator?: Generator;
  /** Stream id to use with `seed` (default 0). */
  stream?: Uint64Like;
  /**
   * Global index of the first mask element (default 0): with no noise shape, the index of `x[0]`
   * in the whole flat tensor, so shards processed separately give the same result as one call.
   */
  offset?: Uint64Like;
  /** The logical shape of `x` (its product must be `x.length`); default `[x.length]`. */
  shape?: readonly number[];
  /**
   * The mask's shape (Keras semantics): same rank as `shape`, each entry 1 (the mask is shared
   * along that axis), `shape`'s size, or null (take `shape`'s size).
   */
  noiseShape?: readonly NoiseShapeEntry[];
  /** Where to write the result: same type and length as `x`; `x` itself works in place. */
  out?: FloatArray;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
}

/** Options of `dropoutBackward`. */
export interface DropoutBackwardOptions {
  /** Where to write the gradient: same type and length as `grad`; `grad` itself works in place. */
  out?: FloatArray;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
}

/** The result of `dropoutWithMask`. */
export interface DropoutResult<T extends FloatArray> {
  /** The dropped-out, rescaled input (or the input itself in inference without `out`). */
  readonly output: T;
  /** The mask the output was made with, for `dropoutBackward`. */
  readonly mask: DropoutMask;
}

const FORWARD_OPTIONS = [
  'rate', 'training', 'seed', 'generator', 'stream', 'offset', 'shape', 'noiseShape', 'out', 'backend',
] as const;
const BACKWARD_OPTIONS = ['out', 'backend'] as const;

/** A forward call whose arguments have all been checked, before any randomness is taken. */
interface ForwardPlan {
  readonly x: FloatArray;
  readonly out: FloatArray | undefined;
  readonly rate: number;
  readonly training: boolean;
  readonly shape: readonly number[];
  readonly noiseShape: readonly number[];
  readonly backend: Backend;
  /** Takes the stream id (from the seed, the generator or the process-wide generator). */
  readonly takeStream: () => { seed: bigint; stream: bigint };
  readonly offset: bigint;
}

function planForward(x: unknown, options: unknown, fn: string): ForwardPlan {
  const input = checkFloatArray(x, 'x');
  const opts = checkOptions<DropoutOptions>(options, `the options of ${fn}`, FORWARD_OPTIONS);
  const rate = checkRate(requireOption(opts, 'rate', `the options of ${fn}`));
  const training = checkBoolean(opts.training, 'training', true);
  const shape = resolveShape(opts.shape, input.length);
  const noiseShape = resolveNoiseShape(opts.noiseShape, shape);
  const out = opts.out === undefined ? undefined : checkOut(opts.out, input, 'x');
  const backend = selectBackend(checkChoice(opts.backend, 'backend', BACKEND_NAMES));

  if (opts.seed !== undefined && opts.generator !== undefined) {
    throw new RangeError(`Expected either seed or generator in the options of ${fn}, not both`);
  }
  let takeStream: ForwardPlan['takeStream'];
  if (opts.generator !== undefined) {
    const generator = opts.generator;
    if (!(generator instanceof Generator)) {
      throw new TypeError(`Expected a Generator for generator but received ${describe(generator)}`);
    }
    if (opts.stream !== undefined) {
      throw new RangeError(`Expected no stream with generator in the options of ${fn}: the generator supplies the streams`);
    }
    takeStream = () => ({ seed: generator.seed, stream: generator.nextStream() });
  } else if (opts.seed !== undefined) {
    const seed = checkUint64(opts.seed, 'seed');
    const stream = opts.stream === undefined ? 0n : checkUint64(opts.stream, 'stream');
    takeStream = () => ({ seed, stream });
  } else {
    if (opts.stream !== undefined) {
      throw new RangeError(`Expected a seed with stream in the options of ${fn}`);
    }
    takeStream = () => {
      const generator = processWideGenerator();
      return { seed: generator.seed, stream: generator.nextStream() };
    };
  }

  const offset = checkOffset(opts.offset, shapeSize(noiseShape));
  return { x: input, out, rate, training, shape, noiseShape, backend, takeStream, offset };
}

/** A mask that keeps everything, for inference. */
function keepAllBits(size: number): Uint32Array {
  const maskBits = new Uint32Array(Math.ceil(size / 32)).fill(0xffffffff);
  if (size % 32 !== 0) maskBits[maskBits.length - 1] = 2 ** (size % 32) - 1;
  return maskBits;
}

/** What a forward pass produced: the output, and the mask bits when they were asked for. */
interface ForwardResult {
  readonly output: FloatArray;
  readonly maskBits: Uint32Array | null;
}

function runForward(plan: ForwardPlan, wantMask: boolean): ForwardResult {
  const { x, rate, shape, noiseShape, backend } = plan;
  const maskSize = shapeSize(noiseShape);
  if (!plan.training) {
    const output = plan.out ?? x;
    if (output !== x) output.set(x);
    return { output, maskBits: wantMask ? keepAllBits(maskSize) : null };
  }
  const output = plan.out ?? new (x.constructor as new (n: number) => FloatArray)(x.length);
  const { seed, stream } = plan.takeStream();
  const philox = maskStream(seed, stream, plan.offset, Math.round(rate * 2 ** 32));
  const scale = keepScale(rate, dtypeOf(x));
  const elementwise = isElementwise(shape, noiseShape);
  if (elementwise) {
    const maskBits = wantMask ? new Uint32Array(Math.ceil(maskSize / 32)) : null;
    backend.dropoutFused(x, output, maskBits, philox, scale);
    return { output, maskBits };
  }
  const maskBits = new Uint32Array(Math.ceil(maskSize / 32));
  backend.generateMask(maskBits, maskSize, philox);
  backend.applyMask(x, output, maskBits, scale, broadcastLayout(shape, noiseShape));
  return { output, maskBits };
}

/**
 * Inverted dropout: each element (or each mask element, with `noiseShape`) is dropped with
 * probability `rate` and the survivors are scaled by 1 / (1 - rate), so the expected sum is
 * unchanged. With `training: false` it is the identity and returns `x` (or copies it into `out`).
 *
 * @example
 * const y = dropout(new Float32Array([1, 2, 3, 4]), { rate: 0.5, seed: 42 });
 */
export function dropout<T extends FloatArray>(x: T, options: DropoutOptions): T {
  return runForward(planForward(x, options, 'dropout'), false).output as T;
}

/**
 * Like `dropout`, and also returns the mask, bit-packed, for `dropoutBackward`. In inference the
 * mask keeps everything (rate 0, scale 1).
 *
 * @example
 * const { output, mask } = dropoutWithMask(x, { rate: 0.1, seed: 7 });
 * const dx = dropoutBackward(dy, mask);
 */
export function dropoutWithMask<T extends FloatArray>(x: T, options: DropoutOptions): DropoutResult<T> {
  const plan = planForward(x, options, 'dropoutWithMask');
  const { output, maskBits } = runForward(plan, true);
  // inference keeps everything: the mask reports rate 0 and scale 1, so backward is the identity
  const rate = plan.training ? plan.rate : 0;
  const dtype = dtypeOf(plan.x);
  const mask = new DropoutMask(rate, keepScale(rate, dtype), dtype, plan.shape, plan.noiseShape, maskBits!);
  return { output: output as T, mask };
}

/**
 * The backward pass: the gradient times the forward's mask and scale (kept: `grad * scale`,
 * dropped: +0), broadcast over the input's shape like the forward. `grad` may be float32 or
 * float64 whatever the forward's dtype; the scale is 1 / (1 - rate) in `grad`'s precision.
 *
 * @example
 * const dx = dropoutBackward(dy, mask, { out: dy }); // in place
 */
export function dropoutBackward<T extends FloatArray>(
  grad: T,
  mask: DropoutMask,
  options?: DropoutBackwardOptions,
): T {
  const input = checkFloatArray(grad, 'grad');
  const maskBits = packedBitsOf(mask);
  const opts = checkOptions<DropoutBackwardOptions>(options, 'the options of dropoutBackward', BACKWARD_OPTIONS);
  const size = shapeSize(mask.shape);
  if (input.length !== size) {
    throw new RangeError(
      `Expected grad to have ${size} elements (the mask's shape [${mask.shape.join(', ')}]) but it has ${input.length}`,
    );
  }
  const out = checkOut(opts.out, input, 'grad');
  const backend = selectBackend(checkChoice(opts.backend, 'backend', BACKEND_NAMES));
  backend.applyMask(input, out, maskBits, keepScale(mask.rate, dtypeOf(input)), broadcastLayout(mask.shape, mask.noiseShape));
  return out as T;
}
