/**
 * Dropout with a Bernoulli mask — plain, and the machinery spatial and alpha dropout share: the
 * mask's shape (noiseShape or broadcastDims), the forward pass (fused, or mask then broadcast),
 * inference, and the backward pass.
 */
import type { BackendName } from './backend/select.js';
import { BACKEND_NAMES, selectBackend } from './backend/select.js';
import { asyncKernels } from './backend/async.js';
import { APPLY_JS_CROSSOVER, JS_CROSSOVER } from './backend/crossover.js';
import type { AsyncKernels, Backend, FloatArray, KeepTransform } from './backend/types.js';
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
import {
  checkChoice,
  checkFixedLength,
  checkFloatArray,
  checkOffset,
  checkOptions,
  checkOut,
  checkRate,
  checkThreads,
  requireOption,
} from './validate.js';

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
  /** Native backend: the most threads this call runs on (see RandomOpOptions). */
  threads?: number;
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

/** The kernels a masked pass calls: a backend's synchronous ones, or their async forms. */
type PassKernels = Pick<Backend, 'dropoutFused' | 'generateMask' | 'applyMask' | 'scale'> | AsyncKernels;

/** One kernel call of a pass; the async driver awaits each before the next. */
type Step = (kernels: PassKernels) => void | Promise<void>;

/** A checked pass: what it returns, and the kernel calls that fill it in. */
interface PassPlan<R> {
  readonly result: R;
  readonly backend: Backend;
  readonly steps: readonly Step[];
}

/** Runs a pass's kernels now. */
export function runPass<R>(pass: PassPlan<R>): R {
  for (const step of pass.steps) void step(pass.backend);
  return pass.result;
}

/** Runs a pass's kernels through the backend's async forms (the native ones leave the event loop free). */
export async function runPassAsync<R>(pass: PassPlan<R>): Promise<R> {
  const kernels = asyncKernels(pass.backend);
  for (const step of pass.steps) await step(kernels);
  return pass.result;
}

/**
 * Plans a checked masked forward: takes a stream (now, so the order of calls decides the streams
 * whenever the work runs) and returns the kernel calls that draw the mask and apply `op` (fused
 * when the mask is elementwise, else mask then broadcast). The result has the mask only when
 * `wantMask`.
 */
export function planMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: true): PassPlan<DropoutResult<FloatArray>>;
export function planMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: false): PassPlan<{ output: FloatArray }>;
export function planMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: boolean): PassPlan<{ output: FloatArray; mask?: DropoutMask }>;
export function planMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: boolean): PassPlan<{ output: FloatArray; mask?: DropoutMask }> {
  const { x, backend, threads } = call;
  const { shape, noiseShape } = mask;
  const dtype = dtypeOf(x);
  const maskSize = shapeSize(noiseShape);
  if (!call.training) {
    let output: FloatArray;
    const steps: Step[] = [];
    if (op.inferenceFactor === 1) {
      output = identityOutput(call);
    } else {
      output = outputFor(call);
      const factor = roundTo(dtype, op.inferenceFactor);
      steps.push((k) => k.scale(x, output, factor, threads));
    }
    if (!wantMask) return { result: { output }, backend, steps };
    // inference keeps everything: the mask reports rate 0, so backward applies the inference factor
    const keepAll = new DropoutMask(0, op.inferenceFactor, dtype, shape, noiseShape, keepAllBits(maskSize));
    return { result: { output, mask: keepAll }, backend, steps };
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
  let steps: Step[];
  if (isElementwise(shape, noiseShape)) {
    maskBits = wantMask ? new Uint32Array(Math.ceil(maskSize / 32)) : null;
    const bits = maskBits;
    steps = [(k) => k.dropoutFused(x, output, bits, philox, transform, threads)];
  } else {
    const bits = new Uint32Array(Math.ceil(maskSize / 32));
    maskBits = bits;
    const layout = broadcastLayout(shape, noiseShape);
    steps = [
      (k) => k.generateMask(bits, maskSize, philox, threads),
      (k) => k.applyMask(x, output, bits, transform, layout, threads),
    ];
  }
  if (!wantMask) return { result: { output }, backend, steps };
  return { result: { output, mask: new DropoutMask(op.rate, op.transform.scale, dtype, shape, noiseShape, maskBits!) }, backend, steps };
}

/** Runs a checked masked forward now (see planMasked). */
export function runMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: true): DropoutResult<FloatArray>;
export function runMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: false): { output: FloatArray };
export function runMasked(call: CallPlan, mask: MaskPlan, op: MaskedOp, wantMask: boolean): { output: FloatArray; mask?: DropoutMask } {
  return runPass(planMasked(call, mask, op, wantMask));
}

const DROPOUT_OPTIONS = maskedOpOptions('rate', 'scaling');

/** The masked op of plain dropout at `rate` with `scaling`. */
function dropoutOp(rate: number, scaling: DropoutScaling): MaskedOp {
  if (scaling === 'inference') return { rate, transform: { scale: 1, shift: null, dropValue: 0 }, inferenceFactor: 1 - rate };
  return { rate, transform: { scale: rate === 1 ? 0 : 1 / (1 - rate), shift: null, dropValue: 0 }, inferenceFactor: 1 };
}

/** Checks a plain dropout call to `fn` and plans it. */
function planDropout(x: unknown, options: unknown, fn: string, wantMask: boolean): PassPlan<{ output: FloatArray; mask?: DropoutMask }> {
  const opts = checkOptions<DropoutOptions>(options, `the options of ${fn}`, DROPOUT_OPTIONS);
  const rate = checkRate(requireOption(opts, 'rate', `the options of ${fn}`));
  const scaling = checkChoice(opts.scaling, 'scaling', ['train', 'inference'] as const) ?? 'train';
  const call = planCall(x, opts, fn, JS_CROSSOVER);
  const mask = planMask(opts, call.x.length, fn);
  return planMasked(call, mask, dropoutOp(rate, scaling), wantMask);
}

/** Checks a plain dropout call to `fn` and runs it. */
export function runDropout(x: unknown, options: unknown, fn: string, wantMask: true): DropoutResult<FloatArray>;
export function runDropout(x: unknown, options: unknown, fn: string, wantMask: false): { output: FloatArray };
export function runDropout(x: unknown, options: unknown, fn: string, wantMask: boolean): { output: FloatArray; mask?: DropoutMask } {
  return runPass(planDropout(x, options, fn, wantMask));
}

/** The arrays an async call reads or writes must keep their memory: no resizable buffers. */
function checkAsyncArrays(arrays: readonly [ArrayBufferView | undefined, string][], fn: string): void {
  for (const [array, name] of arrays) if (array !== undefined) checkFixedLength(array, name, fn);
}

/**
 * Inverted dropout: each element (or each mask element, with `noiseShape` or `broadcastDims`) is
 * dropped with probability `rate` and the survivors are scaled by 1 / (1 - rate), so the expected
 * sum is unchanged. With `training: false` it is the identity and returns `x` (or copies it into
 * `out`). Every training call takes one stream, whatever the rate. Arrays may be on a
 * SharedArrayBuffer or a resizable ArrayBuffer; an array whose ArrayBuffer is detached (or that
 * lies past the end of a shrunk one) is a TypeError naming it, not an empty array.
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

/** Checks a backward call to `fn` and plans it. */
function planBackward(grad: unknown, mask: unknown, options: unknown, fn: string): PassPlan<FloatArray> {
  const input = checkFloatArray(grad, 'grad');
  const { maskBits, gradientScale } = maskInternals(mask as DropoutMask);
  const opts = checkOptions<DropoutBackwardOptions>(options, `the options of ${fn}`, ['out', 'backend', 'threads']);
  const { shape, noiseShape } = mask as DropoutMask;
  const size = shapeSize(shape);
  if (input.length !== size) {
    throw new RangeError(
      `Expected grad to have ${size} elements (the mask's shape [${shape.join(', ')}]) but it has ${input.length}`,
    );
  }
  const out = checkOut(opts.out, input, 'grad');
  const backend = selectBackend(checkChoice(opts.backend, 'backend', BACKEND_NAMES), input.length, APPLY_JS_CROSSOVER);
  const threads = checkThreads(opts.threads);
  const transform = { scale: roundTo(dtypeOf(input), gradientScale), shift: null, dropValue: 0 };
  const layout = broadcastLayout(shape, noiseShape);
  return { result: out, backend, steps: [(k) => k.applyMask(input, out, maskBits, transform, layout, threads)] };
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
  return runBackward(grad, mask, options, 'dropoutBackward') as T;
}

/** Checks a mask backward call to `fn` (its name in the messages) and runs it. */
export function runBackward(grad: unknown, mask: unknown, options: unknown, fn: string): FloatArray {
  return runPass(planBackward(grad, mask, options, fn));
}

/**
 * `dropout`, run off the main thread: the native backend draws the mask and writes the output on
 * the libuv thread pool (and its own threads), so the event loop stays free; the JS backend
 * computes at once. The stream is taken when the call is made. Argument errors reject the Promise.
 *
 * Until the Promise settles, `x` and `out` belong to the call: do not write them, transfer them
 * (postMessage, structuredClone with transfer) or detach their ArrayBuffers. The call keeps them
 * alive, but a transfer moves the memory to another owner that may free it under the call; a
 * transfer is reported by rejecting with code `ERR_SIMD_DROPOUT_DETACHED`. Arrays on a resizable
 * ArrayBuffer (any view of it) and arrays already detached when the call is made are a TypeError.
 *
 * @example
 * const y = await dropoutAsync(x, { rate: 0.1, seed: 1 });
 */
export async function dropoutAsync<T extends FloatArray>(x: T, options: DropoutOptions): Promise<T> {
  checkAsyncArrays([[checkFloatArray(x, 'x'), 'x'], [outOption(options), 'out']], 'dropoutAsync');
  return (await runPassAsync(planDropout(x, options, 'dropoutAsync', false))).output as T;
}

/** `dropoutWithMask`, run off the main thread like `dropoutAsync`. */
export async function dropoutWithMaskAsync<T extends FloatArray>(x: T, options: DropoutOptions): Promise<DropoutResult<T>> {
  checkAsyncArrays([[checkFloatArray(x, 'x'), 'x'], [outOption(options), 'out']], 'dropoutWithMaskAsync');
  return (await runPassAsync(planDropout(x, options, 'dropoutWithMaskAsync', true))) as DropoutResult<T>;
}

/**
 * `dropoutBackward`, run off the main thread like `dropoutAsync`: `grad`, `out` and the mask
 * belong to the call until the Promise settles.
 */
export async function dropoutBackwardAsync<T extends FloatArray>(grad: T, mask: DropoutMask, options?: DropoutBackwardOptions): Promise<T> {
  checkAsyncArrays([[checkFloatArray(grad, 'grad'), 'grad'], [outOption(options), 'out']], 'dropoutBackwardAsync');
  return (await runPassAsync(planBackward(grad, mask, options, 'dropoutBackwardAsync'))) as T;
}

/** The `out` option, checked as an array (the rest of the options are checked with the others). */
function outOption(options: unknown): ArrayBufferView | undefined {
  const out = typeof options === 'object' && options !== null ? (options as { out?: unknown }).out : undefined;
  return out === undefined ? undefined : checkFloatArray(out, 'out');
}
