import { describe, expect, it } from 'vitest';
import { dropout, dropoutWithMask, Generator, type GeneratorState } from '../lib/index.js';
import { backendNames, randomArray } from './support.js';

const x = randomArray(Float32Array, 256, 1);

describe('Generator', () => {
  it.each(backendNames)('hands out streams in order: call k uses (seed, stream + k) on %s', (backend) => {
    const generator = new Generator(42, { stream: 10 });
    for (let k = 0; k < 3; k++) {
      expect(dropout(x, { rate: 0.5, generator, backend })).toEqual(dropout(x, { rate: 0.5, seed: 42, stream: 10 + k, backend }));
    }
    expect(generator.stream).toBe(13n);
  });

  it('makes the next call draw a different mask, and never depends on earlier call sizes', () => {
    const a = new Generator(7);
    const b = new Generator(7);
    const first = dropoutWithMask(x, { rate: 0.5, generator: a }).mask.toUint8Array();
    const second = dropoutWithMask(x, { rate: 0.5, generator: a }).mask.toUint8Array();
    expect(second).not.toEqual(first);
    dropout(new Float32Array(5), { rate: 0.5, generator: b });
    expect(dropoutWithMask(x, { rate: 0.5, generator: b }).mask.toUint8Array()).toEqual(second);
  });

  it('consumes one stream per training call whatever the rate, so a rate-0 layer shifts no other mask', () => {
    const withZero = new Generator(3);
    const reference = new Generator(3);
    dropout(x, { rate: 0, generator: withZero });
    dropout(x, { rate: 0.5, generator: reference });
    expect(dropout(x, { rate: 0.5, generator: withZero })).toEqual(dropout(x, { rate: 0.5, generator: reference }));
  });

  it('accepts seeds up to 2**64 - 1 as numbers or bigints', () => {
    expect(new Generator(2 ** 53 - 1).seed).toBe(2n ** 53n - 1n);
    expect(new Generator(2n ** 64n - 1n).seed).toBe(2n ** 64n - 1n);
    expect(new Generator(0n, { stream: 2n ** 64n - 1n }).stream).toBe(2n ** 64n - 1n);
  });

  it('round-trips its state through JSON and resumes with the same masks', () => {
    const generator = new Generator(2n ** 64n - 3n, { stream: 5 });
    dropout(x, { rate: 0.5, generator });
    const saved = JSON.parse(JSON.stringify(generator.state)) as GeneratorState;
    expect(saved).toEqual({ algorithm: 'philox4x32-10', seed: '18446744073709551613', stream: '6' });
    const resumed = Generator.from(saved);
    expect(dropout(x, { rate: 0.5, generator: resumed })).toEqual(dropout(x, { rate: 0.5, generator }));
    expect(resumed.state).toEqual(generator.state);
  });

  it('forks independent, reproducible children that depend only on the seed and the index', () => {
    const parent = new Generator(99);
    const child0 = parent.fork(0);
    dropout(x, { rate: 0.5, generator: parent });
    expect(parent.fork(0).seed).toBe(child0.seed);
    expect(new Generator(99, { stream: 50 }).fork(0).seed).toBe(child0.seed);
    expect(child0.stream).toBe(0n);
    const seeds = new Set([99n, ...Array.from({ length: 100 }, (_, i) => parent.fork(i).seed)]);
    expect(seeds.size).toBe(101);
    expect(new Generator(100).fork(0).seed).not.toBe(child0.seed);
    const masks = [new Generator(99), parent.fork(0), parent.fork(1), parent.fork(2n ** 64n - 1n)].map((g) =>
      dropoutWithMask(x, { rate: 0.5, generator: g }).mask.toUint8Array().join(''),
    );
    expect(new Set(masks).size).toBe(4);
  });

  it('reports an exhausted generator instead of wrapping around', () => {
    const generator = new Generator(1, { stream: 2n ** 64n - 1n });
    expect(generator.nextStream()).toBe(2n ** 64n - 1n);
    expect(() => generator.nextStream()).toThrow(RangeError);
    expect(Generator.from(generator.state).stream).toBe(2n ** 64n);
  });

  it('uses a process-wide crypto-seeded generator without seed or generator', () => {
    const a = dropoutWithMask(x, { rate: 0.5 }).mask.toUint8Array();
    const b = dropoutWithMask(x, { rate: 0.5 }).mask.toUint8Array();
    expect(a).not.toEqual(b);
  });
});
