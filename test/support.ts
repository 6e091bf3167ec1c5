/**
 * What the suites share: the backends to run against, the known-answer files, and small exact
 * helpers. In CI (CI=true) the native addon must load: a silent fall-back would hide a broken build.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { jsBackend } from '../lib/backend/js.js';
import { loadNative } from '../lib/backend/native.js';
import type { Backend } from '../lib/backend/types.js';
import type { BackendName } from '../lib/index.js';

export const nativeLoad = loadNative();

/** Every backend this process can run: JS always, native when the addon loaded. */
export const backends: Backend[] = nativeLoad.backend === undefined ? [jsBackend] : [jsBackend, nativeLoad.backend];

/** Their names, for the public API's `backend` option. */
export const backendNames: BackendName[] = backends.map((backend) => backend.name);

/** The project's copy of the shared known-answer files (so a clone anywhere can run the tests). */
export const TEST_DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

/** The team's shared originals, beside the project root, where they exist (in CI they do). */
export const SHARED_TEST_DATA_DIR = fileURLToPath(new URL('../../shared/testdata/', import.meta.url));

/** Reads a known-answer file of test/data, without its comment lines. */
export function readTestData(name: string): string[] {
  return readFileSync(join(TEST_DATA_DIR, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/** A float array constructor. */
export type FloatType = Float32ArrayConstructor | Float64ArrayConstructor;

/** Both dtypes, named, for describe.each / it.each. */
export const dtypes: [string, FloatType][] = [
  ['float32', Float32Array],
  ['float64', Float64Array],
];

/** A deterministic pseudo-random source for test inputs (mulberry32), independent of the library. */
export function testRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** An array of `n` values in [-8, 8) from `testRandom(seed)`. */
export function randomArray<C extends FloatType>(type: C, n: number, seed: number): InstanceType<C> {
  const next = testRandom(seed);
  const array = new type(n) as InstanceType<C>;
  for (let i = 0; i < n; i++) array[i] = next() * 16 - 8;
  return array;
}

/** Bit i of a packed mask. */
export function maskBit(maskBits: Uint32Array, i: number): number {
  return (maskBits[Math.floor(i / 32)]! >>> (i % 32)) & 1;
}

/**
 * Asserts that two arrays hold the same bytes. A byte compare first, since vitest's deep equality
 * is slow on large typed arrays; on a mismatch the deep comparison shows where.
 */
export function expectSameBits(actual: ArrayBufferView, expected: ArrayBufferView, label?: string): void {
  const bytes = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  if (!bytes(actual).equals(bytes(expected))) {
    expect(new Uint8Array(bytes(actual)), label).toEqual(new Uint8Array(bytes(expected)));
  }
  expect(actual.byteLength, label).toBe(expected.byteLength);
}
