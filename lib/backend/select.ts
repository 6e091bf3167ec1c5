/**
 * Chooses the backend: per call (`backend` option), per process (`SIMD_DROPOUT_BACKEND`), or the
 * native addon when it loads, else the JS backend with one warning that says why. When the
 * choice is automatic, calls below the measured JS crossover run on the JS backend.
 */
import { jsBackend } from './js.js';
import { loadNative, type NativeLoad } from './native.js';
import type { Backend } from './types.js';

/** The names a caller may ask for. */
export type BackendName = 'native' | 'js';

/** Every BackendName, for validation. */
export const BACKEND_NAMES: readonly BackendName[] = ['native', 'js'];

/** The environment variable that pins the backend for the whole process. */
export const BACKEND_ENV = 'SIMD_DROPOUT_BACKEND';

/** Code of the warning emitted when the addon cannot load and JS takes over. */
export const FALLBACK_WARNING_CODE = 'SIMD_DROPOUT_NATIVE_UNAVAILABLE';

let processDefault: Backend | undefined;
/** Whether processDefault is native by the automatic choice (not pinned by the environment). */
let automatic = false;

/** The native backend, or an Error that says why it is not available. */
function requireNative(reason: string): Backend {
  const native = loadNative();
  if (native.backend !== undefined) return native.backend;
  const error = new Error(
    `simd-dropout: the native backend was requested (${reason}) but the addon did not load: ${native.loadError}`,
  );
  (error as NodeJS.ErrnoException).code = 'ERR_SIMD_DROPOUT_NATIVE_UNAVAILABLE';
  throw error;
}

/** The backend used when a call does not name one; decided once per process. */
export function defaultBackend(): Backend {
  if (processDefault !== undefined) return processDefault;
  const pinned = process.env[BACKEND_ENV];
  if (pinned === 'js') {
    processDefault = jsBackend;
  } else if (pinned === 'native') {
    processDefault = requireNative(`${BACKEND_ENV}=native`);
  } else if (pinned === undefined || pinned === '') {
    const native = loadNative();
    if (native.backend !== undefined) {
      processDefault = native.backend;
      automatic = true;
    } else {
      process.emitWarning(
        `The native addon did not load, so the JavaScript backend is used (same results, slower): ${native.loadError}`,
        { type: 'SimdDropoutWarning', code: FALLBACK_WARNING_CODE },
      );
      processDefault = jsBackend;
    }
  } else {
    throw new RangeError(
      `Expected 'js' or 'native' for the environment variable ${BACKEND_ENV} but received '${pinned}'`,
    );
  }
  return processDefault;
}

/**
 * The backend for one call of `size` elements: the named one, or the process default — but the
 * JS backend below `jsCrossover` elements when the default is native by the automatic choice
 * (the ops whose crossover was measured pass JS_CROSSOVER or APPLY_JS_CROSSOVER; 0 never).
 */
export function selectBackend(name: BackendName | undefined, size = Infinity, jsCrossover = 0): Backend {
  if (name === undefined) {
    const backend = defaultBackend();
    return automatic && size < jsCrossover ? jsBackend : backend;
  }
  return name === 'js' ? jsBackend : requireNative("backend: 'native'");
}

/** Whether the process default is the native backend by the automatic choice (so the JS crossovers apply). */
export function nativeByDefault(): boolean {
  defaultBackend();
  return automatic;
}

/** The addon's load outcome, or undefined when SIMD_DROPOUT_BACKEND=js keeps it unloaded. */
export function nativeUnlessPinnedToJs(): NativeLoad | undefined {
  return process.env[BACKEND_ENV] === 'js' ? undefined : loadNative();
}

/** Why the addon did not load, if it was tried and failed. */
export function nativeLoadError(): string | undefined {
  return loadNative().loadError;
}
