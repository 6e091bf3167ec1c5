/**
 * How many threads native calls use: the process-wide setting (`setThreads`), checked here; the
 * per-call `threads` option is checked in validate.ts, and the default (one thread below a
 * measured size) is applied by the native backend (lib/backend/native.ts).
 *
 * The thread count never changes a result: the native kernels split the work on 32-element
 * boundaries and every element is a function of its global index (native/pool.h).
 */
import { availableParallelism } from 'node:os';
import { nativeUnlessPinnedToJs } from './backend/select.js';
import { numberError } from './validate.js';

/** The cores this process may use (the native pool's count, else Node's), at least 1. */
export function availableThreads(): number {
  return nativeUnlessPinnedToJs()?.threads?.maxThreads() ?? Math.max(1, availableParallelism());
}

/** Stands in for the native setting when the addon did not load (it then only shows in info()). */
let fallbackThreads: number | undefined;

/** The process-wide thread count: `setThreads`'s, or every core. */
export function processThreads(): number {
  return nativeUnlessPinnedToJs()?.threads?.get() ?? fallbackThreads ?? availableThreads();
}

/**
 * Sets how many threads native calls may use from now on, for the whole process (every
 * worker_thread shares the native thread pool and this setting): an integer from 1 to the
 * number of cores, `info().cores`. Calls on arrays below the crossover (`info().threadCrossover`)
 * still run on one thread, and a call's own `threads` option overrides the setting. The default
 * is every core.
 *
 * @example
 * setThreads(1); // native calls run on the calling thread only
 */
export function setThreads(n: number): void {
  const cores = availableThreads();
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= cores)) {
    throw numberError(n, 'threads', `an integer from 1 to ${cores} (the cores available)`);
  }
  const threads = nativeUnlessPinnedToJs()?.threads;
  if (threads === undefined) fallbackThreads = n;
  else threads.set(n);
}
