/**
 * info(): which backend and instruction set this process uses, why the addon did not load, and
 * the thread settings and measured crossovers that decide where small and large calls run.
 */
import { createRequire } from 'node:module';
import { APPLY_JS_CROSSOVER, APPLY_THREAD_CROSSOVER, JS_CROSSOVER, THREAD_CROSSOVER } from './backend/crossover.js';
import { defaultBackend, nativeByDefault, nativeUnlessPinnedToJs } from './backend/select.js';
import { availableThreads, processThreads } from './threads.js';

/** What `info()` reports. */
export interface Info {
  /** The backend calls use when they do not name one. */
  readonly backend: 'native' | 'js';
  /** The instruction set of that backend's kernels (`'js'` for the JS backend). */
  readonly isa: string;
  /** The package version. */
  readonly version: string;
  /** The cores this process may use: the most threads a native call runs on. */
  readonly cores: number;
  /** The process-wide thread count of native calls at or above the crossover (`setThreads`). */
  readonly threads: number;
  /**
   * From this many elements on, native calls that draw random numbers (dropout forward, masks,
   * noise) use `threads` threads by default; below, one (measured: where 2 threads beat 1).
   */
  readonly threadCrossover: number;
  /** The same for the passes that only apply a mask or a factor (`dropoutBackward`). */
  readonly applyThreadCrossover: number;
  /**
   * Below this many elements, dropout forwards (plain, spatial, alpha) that name no backend run on
   * the JS backend although the addon loaded (measured: where crossing into C++ costs more than
   * the work; 0 when the backend is pinned by SIMD_DROPOUT_BACKEND or is JS anyway).
   */
  readonly jsCrossover: number;
  /** The same for `dropoutBackward`. */
  readonly applyJsCrossover: number;
  /** Why the native addon did not load, when the JS backend stands in for it. */
  readonly loadError?: string;
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Reports the backend in use. If the addon failed to load, `loadError` says why (a warning with
 * code `SIMD_DROPOUT_NATIVE_UNAVAILABLE` was emitted once, too).
 *
 * @example
 * console.log(info()); // { backend: 'native', isa: 'avx2', version: '0.1.0', cores: 8, threads: 8, ... }
 */
export function info(): Info {
  const backend = defaultBackend();
  const loadError = nativeUnlessPinnedToJs()?.loadError;
  const native = backend.name === 'native';
  const report: Info = {
    backend: backend.name,
    isa: backend.isa,
    version,
    cores: availableThreads(),
    threads: native ? processThreads() : 1,
    threadCrossover: THREAD_CROSSOVER,
    applyThreadCrossover: APPLY_THREAD_CROSSOVER,
    jsCrossover: nativeByDefault() ? JS_CROSSOVER : 0,
    applyJsCrossover: nativeByDefault() ? APPLY_JS_CROSSOVER : 0,
  };
  return loadError === undefined ? report : { ...report, loadError };
}
