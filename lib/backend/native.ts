/**
 * Loads the C++ addon (a prebuild from prebuilds/ or a local build from build/Release, found by
 * node-gyp-build) and adapts its positional binding to the Backend interface.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, BroadcastLayout, FloatArray, NoiseMode } from './types.js';

/** The Philox coordinates of a MaskStream as the binding takes them: six uint32 arguments. */
type StreamWords = [keyLo: number, keyHi: number, streamLo: number, streamHi: number, offsetLo: number, offsetHi: number];

/** A KeepTransform as the binding takes it: three arguments. */
type TransformArgs = [scale: number, shift: number | null, dropValue: number];

/** The functions exported by native/binding.cc, argument for argument. */
interface NativeBinding {
  readonly isa: string;
  dropoutFused(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    ...rest: [...StreamWords, dropThreshold: number, ...TransformArgs]
  ): void;
  generateMask(maskBits: Uint32Array, count: number, ...rest: [...StreamWords, dropThreshold: number]): void;
  applyMask(
    x: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array,
    ...rest: [...TransformArgs, dims: readonly number[], maskStrides: readonly number[]]
  ): void;
  gaussianNoise(x: FloatArray, out: FloatArray, ...rest: [...StreamWords, stddev: number, mode: NoiseMode]): void;
  biasDropoutAdd(
    x: FloatArray,
    bias: FloatArray,
    residual: FloatArray,
    out: FloatArray,
    maskBits: Uint32Array | null,
    ...rest: [...StreamWords, dropThreshold: number, scale: number]
  ): void;
  columnSums(rows: FloatArray, out: FloatArray): void;
  scale(x: FloatArray, out: FloatArray, factor: number): void;
  randomWords(words: Uint32Array, ...stream: StreamWords): void;
  normalValues(out: Float64Array, ...stream: StreamWords): void;
  philoxBlock(counter: Uint32Array, key: Uint32Array, rounds: 7 | 10, out: Uint32Array): void;
}

/** The outcome of trying to load the addon: a backend, or the reason there is none. */
export type NativeLoad =
  | { readonly backend: Backend; readonly loadError?: undefined }
  | { readonly backend?: undefined; readonly loadError: string };

/** The package root: this file is lib/backend/native.ts or dist/backend/native.js. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

// The arguments are spelled out rather than spread from helper arrays: nothing is allocated per
// call, which matters for the small inputs that decide the JS/native threshold.
function wrap(binding: NativeBinding): Backend {
  return {
    name: 'native',
    isa: binding.isa,
    dropoutFused(x, out, maskBits, s, t) {
      binding.dropoutFused(
        x, out, maskBits,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        t.scale, t.shift, t.dropValue,
      );
    },
    generateMask(maskBits, count, s) {
      binding.generateMask(
        maskBits, count,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
      );
    },
    applyMask(x, out, maskBits, t, layout: BroadcastLayout) {
      binding.applyMask(x, out, maskBits, t.scale, t.shift, t.dropValue, layout.dims, layout.maskStrides);
    },
    gaussianNoise(x, out, s, stddev, mode) {
      binding.gaussianNoise(
        x, out,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi,
        stddev, mode,
      );
    },
    biasDropoutAdd(x, bias, residual, out, maskBits, s, scale) {
      binding.biasDropoutAdd(
        x, bias, residual, out, maskBits,
        s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi, s.dropThreshold,
        scale,
      );
    },
    columnSums: binding.columnSums,
    scale: binding.scale,
    randomWords(words, s) {
      binding.randomWords(words, s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi);
    },
    normalValues(out, s) {
      binding.normalValues(out, s.keyLo, s.keyHi, s.streamLo, s.streamHi, s.offsetLo, s.offsetHi);
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
