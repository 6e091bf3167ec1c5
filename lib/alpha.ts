/**
 * Alpha dropout for self-normalising (SELU) networks (Klambauer et al. 2017): dropped units take
 * the SELU's negative saturation value α', then an affine map restores mean 0 and variance 1.
 */
import { JS_CROSSOVER } from './backend/crossover.js';
import type { FloatArray } from './backend/types.js';
import { maskedOpOptions, planMask, runMasked, type DropoutResult, type MaskedOp, type MaskShapeOptions } from './dropout.js';
import { planCall, type RandomOpOptions } from './plan.js';
import { checkOptions, checkRate, requireOption } from './validate.js';

/** α' = -λα, the SELU's limit for large negative inputs (λ = 1.0507009873554805, α = 1.6732632423543772). */
export const ALPHA_PRIME = -1.7580993408473766;

/** Options of `alphaDropout`. */
export interface AlphaDropoutOptions extends RandomOpOptions, MaskShapeOptions {
  /** Probability of dropping each element, in [0, 1). */
  rate: number;
}

/** Why alpha dropout's rate is below 1. */
const ALPHA_RATE_BELOW_ONE = 'alpha dropout cannot drop everything';

/**
 * The affine correction of alpha dropout at drop probability p: y = a·x' + b with
 * a = ((1 - p)(1 + p·α'²))^-1/2 and b = -a·α'·p, where x' is x if kept and α' if dropped.
 * `rate` must be a number in [0, 1) (a TypeError or RangeError otherwise).
 */
export function alphaDropoutCoefficients(rate: number): { a: number; b: number } {
  checkRate(rate, 'rate', ALPHA_RATE_BELOW_ONE);
  const a = 1 / Math.sqrt((1 - rate) * (1 + rate * ALPHA_PRIME * ALPHA_PRIME));
  return { a, b: -a * ALPHA_PRIME * rate };
}

/** The masked op of alpha dropout: kept x·a + b, dropped a·α' + b; a shift of 0 is no add, so rate 0 is x·1 exactly. */
function alphaOp(rate: number): MaskedOp {
  const { a, b } = alphaDropoutCoefficients(rate);
  return { rate, transform: { scale: a, shift: b === 0 ? null : b, dropValue: a * ALPHA_PRIME + b }, inferenceFactor: 1 };
}

const ALPHA_OPTIONS = maskedOpOptions('rate');

function runAlpha(x: unknown, options: unknown, fn: string, wantMask: boolean) {
  const opts = checkOptions<AlphaDropoutOptions>(options, `the options of ${fn}`, ALPHA_OPTIONS);
  const rate = checkRate(requireOption(opts, 'rate', `the options of ${fn}`), 'rate', ALPHA_RATE_BELOW_ONE);
  const call = planCall(x, opts, fn, JS_CROSSOVER);
  const mask = planMask(opts, call.x.length, fn);
  return wantMask ? runMasked(call, mask, alphaOp(rate), true) : runMasked(call, mask, alphaOp(rate), false);
}

/**
 * Alpha dropout: each element (or mask element, with `noiseShape` / `broadcastDims`) is dropped
 * with probability `rate` to α' = -1.7580993408473766, then y = a·x' + b, which keeps the mean
 * and variance of a standard-normal input. Inference is the identity. The backward pass is
 * `dropoutBackward(grad, mask)`: grad·a where kept, 0 where dropped. Computed in the array's
 * precision: a, b and the dropped value a·α' + b are rounded to it once.
 *
 * @example
 * const y = alphaDropout(x, { rate: 0.1, seed: 3 });
 */
export function alphaDropout<T extends FloatArray>(x: T, options: AlphaDropoutOptions): T {
  return runAlpha(x, options, 'alphaDropout', false).output as T;
}

/** Like `alphaDropout`, and also returns the mask (its `scale` is a) for `dropoutBackward`. */
export function alphaDropoutWithMask<T extends FloatArray>(x: T, options: AlphaDropoutOptions): DropoutResult<T> {
  return runAlpha(x, options, 'alphaDropoutWithMask', true) as DropoutResult<T>;
}
