/**
 * The async kernels of a backend: its own (the native backend runs them on the libuv thread
 * pool), or its synchronous kernels run at once, for the JS backend, which has no thread to
 * move the work to.
 */
import type { AsyncKernels, Backend } from './types.js';

const synchronous = new WeakMap<Backend, AsyncKernels>();

/** The AsyncKernels of `backend`. */
export function asyncKernels(backend: Backend): AsyncKernels {
  if (backend.async !== undefined) return backend.async;
  let kernels = synchronous.get(backend);
  if (kernels === undefined) {
    kernels = {
      dropoutFused: async (...args) => backend.dropoutFused(...args),
      generateMask: async (...args) => backend.generateMask(...args),
      applyMask: async (...args) => backend.applyMask(...args),
      scale: async (...args) => backend.scale(...args),
    };
    synchronous.set(backend, kernels);
  }
  return kernels;
}
