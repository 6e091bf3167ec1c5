/**
 * Bias-dropout-add, fused (Megatron-LM's transformer residual branch, on the CPU):
 * `residual + dropout(x + bias)` in one pass, bias broadcast over the last axis.
 */
import { selectBackend } from './backend/select.js';
import type { FloatArray } from './backend/types.js';
import { runBackward, type DropoutBackwardOptions, type DropoutResult } from './dropout.js';
import { maskStream } from './generator.js';
import { DropoutMask, dtypeOf, maskInternals, roundTo } from './mask.js';
import { outputFor, planCall, RANDOM_OP_OPTIONS, type RandomOpOptions } from './plan.js';
import { formatShape, resolveShape } from './shape.js';
import { checkFloatArray, checkOffset, checkOptions, checkRate, describe, overlapOf, requireOption } from './validate.js';

/** Options of `biasDropoutAdd`. */
export interface BiasDropoutAddOptions extends RandomOpOptions {
  /** Probability of dropping each element of `x + bias`, in [0, 1]. */
  rate: number;
  /** The logical shape of `x`; its last axis must be `bias.length`. Default `[x.length / bias.length, bias.length]`. */
  shape?: readonly number[];
}

/** The gradients of `biasDropoutAdd`. */
export interface BiasDropoutAddGradients<T extends FloatArray> {
  /** d/dx: the dropout backward of grad. */
  readonly dx: T;
  /** d/dbias: dx summed over rows (accumulated in float64, rounded once). */
  readonly dbias: T;
  /** d/dresidual: grad itself (the identity). */
  readonly dresidual: T;
}

const OPTIONS = ['rate', 'shape', ...RANDOM_OP_OPTIONS];

function runBiasDropoutAdd(x: unknown, bias: unknown, residual: unknown, options: unknown, fn: string): DropoutResult<FloatArray> {
  const opts = checkOptions<BiasDropoutAddOptions>(options, `the options of ${fn}`, OPTIONS);
  const rate = checkRate(requireOption(opts, 'rate', `the options of ${fn}`));
  const call = planCall(x, opts, fn);
  const input = call.x;
  const biasArray = checkFloatArray(bias, 'bias');
  const residualArray = checkFloatArray(residual, 'residual');
  for (const [array, name] of [[biasArray, 'bias'], [residualArray, 'residual']] as const) {
    if (array.constructor !== input.constructor) {
      throw new TypeError(`Expected ${name} to be a ${input.constructor.name} like x but received ${describe(array)}`);
    }
  }
  if (residualArray.length !== input.length) {
    throw new RangeError(`Expected residual to have the length of x (${input.length}) but its length is ${residualArray.length}`);
  }
  const columns = biasArray.length;
  if (columns === 0 ? input.length !== 0 : input.length % columns !== 0) {
    throw new RangeError(`Expected the length of x (${input.length}) to be a multiple of the length of bias (${columns})`);
  }
  const shape = opts.shape === undefined ? [columns === 0 ? 0 : input.length / columns, columns] : resolveShape(opts.shape, input.length);
  if (shape[shape.length - 1] !== columns) {
    throw new RangeError(`Expected the last axis of shape ${formatShape(shape)} to be the length of bias (${columns})`);
  }
  const output = outputFor(call);
  if (overlapOf(output, residualArray) === 'partial' || overlapOf(output, biasArray) !== 'none') {
    throw new RangeError('Expected out to be x, residual or a separate array, not a view overlapping residual or bias');
  }
  const offset = checkOffset(opts.offset, input.length);

  const dtype = dtypeOf(input);
  const scale = call.training ? (rate === 1 ? 0 : 1 / (1 - rate)) : 1;
  const maskBits = new Uint32Array(Math.ceil(input.length / 32));
  // inference keeps everything (threshold 0) and takes no stream
  let philox = maskStream(0n, 0n, offset, 0);
  if (call.training) {
    const { seed, stream } = call.takeStream();
    philox = maskStream(seed, stream, offset, Math.round(rate * 2 ** 32));
  }
  call.backend.biasDropoutAdd(input, biasArray, residualArray, output, maskBits, philox, roundTo(dtype, scale), call.threads);
  return { output, mask: new DropoutMask(call.training ? rate : 0, scale, dtype, shape, shape, maskBits) };
}

/**
 * `residual + dropout(x + bias)` in one pass, with bias broadcast over the last axis. The result
 * equals the unfused composition exactly (each operation rounded to the array's precision). In
 * inference the dropout is the identity: `residual + (x + bias)`.
 *
 * @example
 * const y = biasDropoutAdd(x, bias, residual, { rate: 0.1, seed: 1 });
 */
export function biasDropoutAdd<T extends FloatArray>(x: T, bias: T, residual: T, options: BiasDropoutAddOptions): T {
  return runBiasDropoutAdd(x, bias, residual, options, 'biasDropoutAdd').output as T;
}

/** Like `biasDropoutAdd`, and also returns the mask for `biasDropoutAddBackward`. */
export function biasDropoutAddWithMask<T extends FloatArray>(
  x: T,
  bias: T,
  residual: T,
  options: BiasDropoutAddOptions,
): DropoutResult<T> {
  return runBiasDropoutAdd(x, bias, residual, options, 'biasDropoutAddWithMask') as DropoutResult<T>;
}

/**
 * The gradients of `biasDropoutAdd` for the upstream gradient `grad`: `dx` is the dropout
 * backward of grad (written to `out` when given), `dbias` its column sums over the last axis,
 * `dresidual` grad itself.
 */
export function biasDropoutAddBackward<T extends FloatArray>(
  grad: T,
  mask: DropoutMask,
  options?: DropoutBackwardOptions,
): BiasDropoutAddGradients<T> {
  maskInternals(mask);
  const dx = runBackward(grad, mask, options, 'biasDropoutAddBackward') as T;
  const columns = mask.shape[mask.shape.length - 1]!;
  const dbias = new (dx.constructor as new (n: number) => T)(columns);
  if (columns > 0) selectBackend(options?.backend, dx.length).columnSums(dx, dbias);
  return { dx, dbias, dresidual: grad };
}
