/**
 * Times one call the way the workers' rows are timed: warm-up, then mitata's samples, bounded by a
 * budget. (The Python peers are timed in turns with native instead: pairs.ts.)
 */
import { measure } from 'mitata';
import { formatCount } from './format.js';
import type { Budget } from './results.js';

/** The statistics of a timed call, in nanoseconds per call. */
export interface Timing {
  readonly p50Ns: number;
  readonly p25Ns: number;
  readonly p75Ns: number;
  readonly samples: number;
  readonly iterations: number;
}

/** A timing, or why the call was not timed. */
export type TimingOutcome = { readonly timing: Timing } | { readonly skipped: string };

/** A call's duration extrapolated from a smaller size. */
export interface CallEstimate {
  /** The expected milliseconds per call at the size about to be timed. */
  readonly ms: number;
  /** The size the estimate was extrapolated from. */
  readonly fromN: number;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

/** Why a call of `ms` milliseconds (`how`: measured, or extrapolated from a smaller n) is not timed. */
export function tooSlowReason(ms: number, how: string, maxCallMs: number): string {
  return `a call takes ≈${formatSeconds(ms)} (${how}), over the ${formatSeconds(maxCallMs)} limit`;
}

/**
 * Times `call`: p25/p50/p75 of at least `budget.minSamples` samples and `budget.minTimeMs` of
 * sampled time after mitata's warm-up, with no more samples than fit in `budget.maxTimeMs`. A call
 * that takes longer than `budget.maxCallMs` is skipped — without running it when `estimate`
 * already says so, else after one probing call.
 */
export async function timeCall(call: () => unknown, budget: Budget, estimate: CallEstimate | undefined): Promise<TimingOutcome> {
  const tooSlow = (ms: number, how: string) => ({ skipped: tooSlowReason(ms, how, budget.maxCallMs) });
  let callMs: number;
  if (estimate !== undefined) {
    if (estimate.ms > budget.maxCallMs) return tooSlow(estimate.ms, `extrapolated from n = ${formatCount(estimate.fromN)}`);
    callMs = estimate.ms;
  } else {
    const start = performance.now();
    call();
    callMs = performance.now() - start;
    if (callMs > budget.maxCallMs) return tooSlow(callMs, 'one call measured');
  }
  const stats = await measure(call, {
    min_samples: budget.minSamples,
    max_samples: Math.max(budget.minSamples, Math.floor(budget.maxTimeMs / callMs)),
    min_cpu_time: budget.minTimeMs * 1e6,
  });
  return {
    timing: { p50Ns: stats.p50, p25Ns: stats.p25, p75Ns: stats.p75, samples: stats.samples.length, iterations: stats.ticks },
  };
}
