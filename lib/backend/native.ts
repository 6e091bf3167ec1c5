/**
 * Loads the C++ addon (a prebuild from prebuilds/ or a local build from build/Release, found by
 * node-gyp-build) and adapts its positional binding to the Backend interface.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, BroadcastLayout, FloatArray, MaskStream } from './types.js';

/** The Philox coordinates of a MaskStream as the binding takes them: six uint32 arguments. */
type StreamWords = [keyLo: number, keyHi: number, streamLo: number, streamHi: number, offsetLo: number, offsetHi: number];

/** The functions exported by native/binding.cc, argument for argument. */
interface NativeBinding {
  readonly isa: string;
  dropoutFused(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    ...rest: [...StreamWords, dropThreshold: number, scale: number]
  ): void;
  generateMask(maskBits: Uint32Array, count: number, ...rest: [...StreamWords, dropThreshold: number]): void;
  applyMask(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array,
    scale: number,
    dims: readonly number[],
    maskStrides: readonly number[],
  ): void;
  randomWords(words: Uint32Array, ...stream: StreamWords): void;
  philoxBlock(counter: Uint32Array, key: Uint32Array, rounds: 7 | 10, out: Uint32Array): void;
}

/** The outcome of trying to load the addon: a backend, or the reason there is none. */
export type NativeLoad =
  | { readonly backend: Backend; readonly loadError?: undefined }
  | { readonly backend?: undefined; readonly loadError: string };

/** The package root: this file is lib/backend/native.ts or dist/backend/native.js. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

function wrap(binding: NativeBinding): Backend {
  return {
    name: 'native',
    isa: binding.isa,
    dropoutFused(x, out, maskBits, s: MaskStream, scale) {
      binding.dropoutFused(
        x, out, maskBits,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        scale,
      );
    },
    generateMask(maskBits, count, s: MaskStream) {
      binding.generateMask(
        maskBits, count,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
      );
    },
    applyMask(x, out, maskBits, scale, layout: BroadcastLayout) {
      binding.applyMask(x, out, maskBits, scale, layout.dims, layout.maskStrides);
    },
    randomWords(words, s: MaskStream) {
      binding.randomWords(words, s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi);
    },
    philoxBlock: binding.philoxBlock,
  };
}

let loaded: NativeLoad | undefined;

/** Loads the addon once; later calls return the same outcome. Never throws. */
export function loadNative(): NativeLoad {
  if (loaded === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
      loaded = { backend: wrap(nodeGypBuild(packageRoot)) };
    } catch (error) {
      loaded = { loadError: error instanceof Error ? error.message : String(error) };
    }
  }
  return loaded;
}
