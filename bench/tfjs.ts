/**
 * TensorFlow.js as a peer, measured live: `tf.dropout` on its cpu and wasm backends, from a
 * Float32Array in to a Float32Array out — the tensor's creation and `dataSync` included, as a
 * user holding typed arrays pays them — with every tensor disposed, so memory does not grow.
 * TF.js has no float64 tensors and its dropout no backward with a stored mask: it runs the
 * float32 forward rows only.
 */
import { createRequire } from 'node:module';
import type { Dtype, Operation, System, TfjsDescription } from './results.js';
import { RATE, SEED, type Fixture, type SystemRunner } from './workloads.js';

/** The tensor methods this benchmark uses. */
interface Tensor {
  dataSync(): Float32Array;
  dispose(): void;
}

/**
 * The parts of @tensorflow/tfjs-core this benchmark uses. Declared here rather than imported:
 * TF.js's own declarations need the DOM's types, which a Node project does not compile with.
 */
interface Tfjs {
  readonly version_core: string;
  enableProdMode(): void;
  setBackend(name: string): Promise<boolean>;
  env(): { getAsync(flag: string): Promise<unknown> };
  tidy<T>(fn: () => T): T;
  tensor1d(values: Float32Array): Tensor;
  dropout(x: Tensor, rate: number, noiseShape: undefined, seed: number): Tensor;
}

/** The part of @tensorflow/tfjs-backend-wasm this benchmark uses. */
interface TfjsWasm {
  getThreadsCount(): number;
}

/** The loaded TF.js: its runners (wasm first, the faster one) and how it was set up. */
export interface LoadedTfjs {
  readonly runners: readonly SystemRunner[];
  readonly description: TfjsDescription;
}

function tfjsRunner(tf: Tfjs, backend: 'cpu' | 'wasm'): SystemRunner {
  const system: System = { kind: 'tfjs', backend };
  return {
    system,
    exact: false,
    supports: (operation: Operation, dtype: Dtype) => operation === 'forward' && dtype === 'float32',
    activate: async () => {
      if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not switch to its ${backend} backend`);
    },
    prepare(_operation: Operation, { x }: Fixture) {
      // only float32 fixtures reach here (see supports)
      const values = x as Float32Array;
      return () => {
        const y = tf.tidy(() => tf.dropout(tf.tensor1d(values), RATE, undefined, SEED));
        const output = y.dataSync();
        y.dispose();
        return output;
      };
    },
  };
}

/**
 * Loads TF.js core with the cpu and wasm backends (devDependencies; the .wasm files come from
 * node_modules) in production mode, which also silences its console banner.
 */
export async function loadTfjs(): Promise<LoadedTfjs> {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs-core') as Tfjs;
  require('@tensorflow/tfjs-backend-cpu');
  const wasm = require('@tensorflow/tfjs-backend-wasm') as TfjsWasm;
  tf.enableProdMode();
  const runners = [tfjsRunner(tf, 'wasm'), tfjsRunner(tf, 'cpu')];
  await runners[0]!.activate();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return {
    runners,
    description: { version: tf.version_core, prodMode: true, wasm: { simd, threads: wasm.getThreadsCount() } },
  };
}
