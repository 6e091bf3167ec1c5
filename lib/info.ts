/**
 * info(): which backend and instruction set this process uses, and why the addon did not load.
 */
import { createRequire } from 'node:module';
import { BACKEND_ENV, defaultBackend } from './backend/select.js';
import { loadNative } from './backend/native.js';

/** What `info()` reports. */
export interface Info {
  /** The backend calls use when they do not name one. */
  readonly backend: 'native' | 'js';
  /** The instruction set of that backend's kernels (`'js'` for the JS backend). */
  readonly isa: string;
  /** The package version. */
  readonly version: string;
  /** Why the native addon did not load, when the JS backend stands in for it. */
  readonly loadError?: string;
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Reports the backend in use. If the addon failed to load, `loadError` says why (a warning with
 * code `SIMD_DROPOUT_NATIVE_UNAVAILABLE` was emitted once, too).
 *
 * @example
 * console.log(info()); // { backend: 'native', isa: 'scalar', version: '0.1.0' }
 */
export function info(): Info {
  const backend = defaultBackend();
  const loadError = process.env[BACKEND_ENV] === 'js' ? undefined : loadNative().loadError;
  return loadError === undefined
    ? { backend: backend.name, isa: backend.isa, version }
    : { backend: backend.name, isa: backend.isa, version, loadError };
}
