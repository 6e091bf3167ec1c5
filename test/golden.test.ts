/**
 * Streams that never change: for fixed (seed, stream, offset, rate, shape), the outputs and masks
 * of every variant are pinned in test/data/golden.json (an FNV-1a hash of the bytes, and the
 * first values in full). A change that alters one bit of any of them fails here. Regenerate the
 * file only for a deliberate, versioned change of the mapping: UPDATE_GOLDEN=1 npm test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alphaDropoutWithMask,
  biasDropoutAddWithMask,
  dropoutWithMask,
  gaussianDropout,
  gaussianNoise,
  philoxWords,
  spatialDropoutWithMask,
  type BackendName,
} from '../lib/index.js';
import { backendNames, dtypes, randomArray, TEST_DATA_DIR, type FloatType } from './support.js';

const GOLDEN_FILE = join(TEST_DATA_DIR, 'golden.json');

/** FNV-1a, 64-bit, over the bytes of a view, as hex. */
function fnv1a64(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

/** What a case pins: hashes of the output (and mask), and the first output values in full. */
interface GoldenEntry {
  readonly output: string;
  readonly mask?: string;
  readonly first: readonly number[];
}

const SEED = 0x5eed_0123_4567n;
const cases: Record<string, (Type: FloatType, backend: BackendName) => { output: ArrayBufferView; mask?: Uint32Array }> = {
  'dropout rate 0.3 n 1000 offset 12345': (Type, backend) => {
    const { output, mask } = dropoutWithMask(randomArray(Type, 1000, 1), { rate: 0.3, seed: SEED, stream: 1, offset: 12345, backend });
    return { output, mask: mask.bits() };
  },
  'dropout rate 0.5 noiseShape [4, 1, 5] of [4, 6, 5]': (Type, backend) => {
    const { output, mask } = dropoutWithMask(randomArray(Type, 120, 2), { rate: 0.5, seed: SEED, stream: 2, shape: [4, 6, 5], noiseShape: [4, 1, 5], backend });
    return { output, mask: mask.bits() };
  },
  "dropout rate 0.2 scaling 'inference'": (Type, backend) => {
    const { output, mask } = dropoutWithMask(randomArray(Type, 333, 3), { rate: 0.2, scaling: 'inference', seed: SEED, stream: 3, backend });
    return { output, mask: mask.bits() };
  },
  'spatialDropout 2D channelsFirst rate 0.25': (Type, backend) => {
    const { output, mask } = spatialDropoutWithMask(randomArray(Type, 2 * 3 * 4 * 5, 4), { rate: 0.25, shape: [2, 3, 4, 5], dims: 2, dataFormat: 'channelsFirst', seed: SEED, stream: 4, backend });
    return { output, mask: mask.bits() };
  },
  'alphaDropout rate 0.1': (Type, backend) => {
    const { output, mask } = alphaDropoutWithMask(randomArray(Type, 500, 5), { rate: 0.1, seed: SEED, stream: 5, backend });
    return { output, mask: mask.bits() };
  },
  'gaussianDropout rate 0.4 offset 7': (Type, backend) => ({
    output: gaussianDropout(randomArray(Type, 501, 6), { rate: 0.4, seed: SEED, stream: 6, offset: 7, backend }),
  }),
  'gaussianNoise stddev 0.5': (Type, backend) => ({
    output: gaussianNoise(randomArray(Type, 502, 7), { stddev: 0.5, seed: SEED, stream: 7, backend }),
  }),
  'biasDropoutAdd rate 0.15 [25, 8]': (Type, backend) => {
    const { output, mask } = biasDropoutAddWithMask(randomArray(Type, 200, 8), randomArray(Type, 8, 9), randomArray(Type, 200, 10), { rate: 0.15, seed: SEED, stream: 8, backend });
    return { output, mask: mask.bits() };
  },
  'philoxWords 64 at offset 2**40 + 3': (_, backend) => ({
    output: philoxWords(new Uint32Array(64), { seed: SEED, stream: 9, offset: 2n ** 40n + 3n, backend }),
  }),
};

function compute(): Record<string, GoldenEntry> {
  const entries: Record<string, GoldenEntry> = {};
  for (const [name, run] of Object.entries(cases)) {
    for (const [dtype, Type] of dtypes) {
      const { output, mask } = run(Type, 'js');
      const values = output as unknown as ArrayLike<number>;
      entries[`${name} (${dtype})`] = {
        output: fnv1a64(output),
        ...(mask === undefined ? {} : { mask: fnv1a64(mask) }),
        first: Array.from({ length: Math.min(8, values.length) }, (_, i) => values[i]!),
      };
    }
  }
  return entries;
}

if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN_FILE, `${JSON.stringify(compute(), null, 2)}\n`);
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, GoldenEntry>;

describe.each(backendNames)('golden streams on the %s backend', (backend) => {
  it.each(Object.keys(cases))('%s is unchanged to the bit', (name) => {
    for (const [dtype, Type] of dtypes) {
      const expected = golden[`${name} (${dtype})`];
      expect(expected, `${name} (${dtype}) is missing from golden.json`).toBeDefined();
      const { output, mask } = cases[name]!(Type, backend);
      const values = output as unknown as ArrayLike<number>;
      expect({
        output: fnv1a64(output),
        ...(mask === undefined ? {} : { mask: fnv1a64(mask) }),
        first: Array.from({ length: expected!.first.length }, (_, i) => values[i]!),
      }).toEqual(expected);
    }
  });
});
