/**
 * Dropout with a Bernoulli mask — plain, and the machinery spatial and alpha dropout share: the
 * mask's shape (noiseShape or broadcastDims), the forward pass (fused, or mask then broadcast),
 * inference, and the backward pass.
 */
import type { BackendName } from './backend/select.js';
import { BACKEND_NAMES, selectBackend } from './backend/select.js';
import type { FloatArray, KeepTransform } from './backend/types.js';
import { maskStream } from './generator.js';
import { DropoutMask, dtypeOf, maskInternals, roundTo } from './mask.js';
import { identityOutput, outputFor, planCall, RANDOM_OP_OPTIONS, type CallPlan, type RandomOpOptions } from './plan.js';
import {
  broadcastLayout,
  isElementwise,
  noiseShapeFromBroadcastDims,
  resolveNoiseShape,
  resolveShape,
  shapeSize,
  type NoiseShapeEntry,
} from './shape.js';
import { checkChoice, checkFloatArray, checkOffset, checkOptions, checkOut, checkRate, requireOption } from './validate.js';

/** Where survivors are rescaled: in training (inverted dropout, default) or at inference (classic). */
export type DropoutScaling = 'train' | 'inference';

/** Options that shape the mask: the input's logical shape, and which axes share mask elements. */
export interface MaskShapeOptions {
  /** The logical shape of `x` (its product must be `x.length`); default `[x.length]`. */
  shape?: readonly number[];
  /**
   * The mask's shape (Keras semantics): same rank as `shape`, each entry 1 (the mask is shared
   * along that axis), `shape`'s size, or null (take `shape`'s size).
   */
  noiseShape?: readonly NoiseShapeEntry[];
  /** Flax semantics: the axes (negative count from the end) along which the mask is shared. */
  broadcastDims?: readonly number[];
}

/** Options of `dropout` and `dropoutWithMask`. */
export interface DropoutOptions extends RandomOpOptions, MaskShapeOptions {
  /** Probability of dropping each element, in [0, 1]. 0 keeps everything, 1 drops everything. */
  rate: number;
  /**
   * `'train'` (default): inverted dropout, survivors are scaled by 1 / (1 - rate) in training and
   * inference is the identity. `'inference'`: classic dropout (Hinton et al. 2012), survivors are
   * left unscaled in training and inference multiplies by 1 - rate.
   */
  scaling?: DropoutScaling;
}

/** Options of `dropoutBackward`. */
export interface DropoutBackwardOptions {
  /** Where to write the gradient: same type and length as `grad`; `grad` itself works in place. */
  out?: FloatArray;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
}

/** The result of a forward pass that keeps its mask. */
export interface DropoutResult<T extends FloatArray> {
  /** The forward output (the input itself in inference without `out`, when that is the identity). */
  readonly output: T;
  /** The mask the output was made with, for `dropoutBackward`. */
  readonly mask: DropoutMask;
}

/** The checked mask geometry of a call. */
export interface MaskPlan {
  readonly shape: readonly number[];
  readonly noiseShape: readonly number[];
  readonly offset: bigint;
}

/** What a masked forward does with kept and dropped elements, in training and in inference. */
export interface MaskedOp {
  readonly rate: number;
  /** The float64 transform of kept elements in training; its scale is also the gradient's factor. */
  readonly transform: KeepTransform;
  /** Inference multiplies by this (1: the identity, which returns `x` itself). */
  readonly inferenceFactor: number;
}

/** The known option names of a masked op: the shared ones, the mask's, and the op's own. */
export function maskedOpOptions(...own: string[]): readonly string[] {
  return [...own, 'shape', 'noiseShape', 'broadcastDims', ...RANDOM_OP_OPTIONS];
}

/** Checks `shape`, `noiseShape` | `broadcastDims` and `offset` against an input of `length`. */
export function planMask(options: MaskShapeOptions & { offset?: unknown }, length: number, fn: string): MaskPlan {
  const shape = resolveShape(options.shape, length);
  if (options.noiseShape !== undefined && options.broadcastDims !== undefined) {
    throw new RangeError(`Expected either noiseShape or broadcastDims in the options of ${fn}, not both`);
  }
  const noiseShape =
    options.broadcastDims !== undefined
      ? noiseShapeFromBroadcastDims(options.broadcastDims, shape)
      : resolveNoiseShape(options.noiseShape, shape);
  return { shape, noiseShape, offset: checkOffset(options.offset, shapeSize(noiseShape)) };
}

/** A mask that keeps everything, for inference. */
function keepAllBits(size: number): Uint32Array {
  const maskBits = new Uint32Array(Math.ceil(size / 32)).fill(0xffffffff);
  if (size % 32 !== 0) maskBits[maskBits.length - 1] = 2 ** (size % 32) - 1;
  return maskBits;
}

/**
 * Runs a checked masked forward: takes a stream, draws the mask and applies `op` (fused when the
 * mask is elementwise, else mask then broadcast). Returns the mask only when `wantMask`.
 */
export function runMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: true): DropoutResult<FloatArray>;
export function runMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: false): { output: FloatArray };
export function runMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: boolean): { output: FloatArray; mask?: DropoutMask } {
  const { x, backend } = call;
  const { shape, noiseShape } = mask;
  const dtype = dtypeOf(x);
  const maskSize = shapeSize(noiseShape);
  if (!call.training) {
    let output: FloatArray;
    if (op.inferenceFactor === 1) {
      output = identityOutput(call);
    } else {
      output = outputFor(call);
      backend.scale(x, output, roundTo(dtype, op.inferenceFactor));
    }
    if (!wantMask) return { output };
    // inference keeps everything: the mask reports rate 0, so backward applies the inference factor
    return { output, mask: new DropoutMask(0, op.inferenceFactor, dtype, shape, noiseShape, keepAllBits(maskSize)) };
  }
  const output = outputFor(call);
  const { seed, stream } = call.takeStream();
  const philox = maskStream(seed, stream, mask.offset, Math.round(op.rate * 2 ** 32));
  const transform = {
    scale: roundTo(dtype, op.transform.scale),
    shift: op.transform.shift === null ? null : roundTo(dtype, op.transform.shift),
    dropValue: roundTo(dtype, op.transform.dropValue),
  };
  let maskBits: Uint32Array | null;
  if (isElementwise(shape, noiseShape)) {
    maskBits = wantMask ? new Uint32Array(Math.ceil(maskSize / 32)) : null;
    backend.dropoutFused(x, output, maskBits, philox, transform);
  } else {
    maskBits = new Uint32Array(Math.ceil(maskSize / 32));
    backend.generateMask(maskBits, maskSize, philox);
    backend.applyMask(x, output, maskBits, transform, broadcastLayout(shape, noiseShape));
  }
  if (!wantMask) return { output };
  return { output, mask: new DropoutMask(op.rate, op.transform.scale, dtype, shape, noiseShape, maskBits!) };
}

const DROPOUT_OPTIONS = maskedOpOptions('rate', 'scaling');

/** The masked op of plain dropout at `rate` with `scaling`. */
function dropoutOp(rate: number, scaling: DropoutScaling): MaskedOp {
  if (scaling === 'inference') return { rate, transform: { scale: 1, shift: null, dropValue: 0 }, inferenceFactor: 1 - rate };
  return { rate, transform: { scale: rate === 1 ? 0 : 1 / (1 - rate), shift: null, dropValue: 0 }, inferenceFactor: 1 };
}

/** Checks a plain dropout call to `fn` and runs it. */
export function runDropout(x: unknown, options: unknown, fn: string, wantMask: true): DropoutResult<FloatArray>;
export function runDropout(x: unknown, options: unknown, fn: string, wantMask: false): { output: FloatArray };
export function runDropout(x: unknown, options: unknown, fn: string, wantMask: boolean): { output: FloatArray; mask?: DropoutMask } {
  const opts = checkOptions<DropoutOptions>(options, `the options of ${fn}`, DROPOUT_OPTIONS);
  const rate = checkRate(requireOption(opts, 'rate', `the options of ${fn}`));
  const scaling = checkChoice(opts.scaling, 'scaling', ['train', 'inference'] as const) ?? 'train';
  const call = planCall(x, opts, fn);
  const mask = planMask(opts, call.x.length, fn);
  const op = dropoutOp(rate, scaling);
  return wantMask ? runMasked(call, mask, op, true) : runMasked(call, mask, op, false);
}

/**
 * Inverted dropout: each element (or each mask element, with `noiseShape` or `broadcastDims`) is
 * dropped with probability `rate` and the survivors are scaled by 1 / (1 - rate), so the expected
 * sum is unchanged. With `training: false` it is the identity and returns `x` (or copies it into
 * `out`). Every training call takes one stream, whatever the rate.
 *
 * @example
 * const y = dropout(new Float32Array([1, 2, 3, 4]), { rate: 0.5, seed: 42 });
 */
export function dropout<T extends FloatArray>(x: T, options: DropoutOptions): T {
  return runDropout(x, options, 'dropout', false).output as T;
}

/**
 * Like `dropout`, and also returns the mask, bit-packed, for `dropoutBackward`. In inference the
 * mask keeps everything (rate 0).
 *
 * @example
 * const { output, mask } = dropoutWithMask(x, { rate: 0.1, seed: 7 });
 * const dx = dropoutBackward(dy, mask);
 */
export function dropoutWithMask<T extends FloatArray>(x: T, options: DropoutOptions): DropoutResult<T> {
  return runDropout(x, options, 'dropoutWithMask', true) as DropoutResult<T>;
}

/**
 * The backward pass of every masked dropout (plain, spatial, alpha): the gradient times the
 * forward's factor where it kept the element (1 / (1 - rate) for dropout, a for alpha dropout),
 * +0 where it dropped it, broadcast over the input's shape like the forward. `grad` may be float32
 * or float64 whatever the forward's dtype; the factor is rounded to `grad`'s precision.
 *
 * @example
 * const dx = dropoutBackward(dy, mask, { out: dy }); // in place
 */
export function dropoutBackward<T extends FloatArray>(grad: T, mask: DropoutMask, options?: DropoutBackwardOptions): T {
  const input = checkFloatArray(grad, 'grad');
  const { maskBits, gradientScale } = maskInternals(mask);
  const opts = checkOptions<DropoutBackwardOptions>(options, 'the options of dropoutBackward', ['out', 'backend']);
  const size = shapeSize(mask.shape);
  if (input.length !== size) {
    throw new RangeError(
      `Expected grad to have ${size} elements (the mask's shape [${mask.shape.join(', ')}]) but it has ${input.length}`,
    );
  }
  const out = checkOut(opts.out, input, 'grad');
  const backend = selectBackend(checkChoice(opts.backend, 'backend', BACKEND_NAMES));
  const transform = { scale: roundTo(dtypeOf(input), gradientScale), shift: null, dropValue: 0 };
  backend.applyMask(input, out, maskBits, transform, broadcastLayout(mask.shape, mask.noiseShape));
  return out as T;
}
