import { describe, expect, it } from 'vitest';
import { philoxWords } from '../lib/index.js';
import { PHILOX_BLOCKS_PER_STEP, philoxBlocks } from '../lib/philox.js';
import { backendNames, backends, readTestData } from './support.js';

/** Random123's vectors: philox4x32 R c0 c1 c2 c3 k0 k1 e0 e1 e2 e3 (hex words). */
const vectors = readTestData('philox4x32_kat.txt').map((line) => {
  const fields = line.trim().split(/\s+/);
  const words = fields.slice(2).map((hex) => parseInt(hex, 16));
  return { line, rounds: Number(fields[1]), counter: words.slice(0, 4), key: words.slice(4, 6), expected: words.slice(6, 10) };
});

describe('Philox4x32 (Random123 known answers)', () => {
  it('has the vectors of both sections, R = 7 and R = 10', () => {
    expect(vectors.length).toBe(110);
    expect(vectors.filter((v) => v.rounds === 10).length).toBe(55);
  });

  it.each(backends)('reproduces every line, R = 7 and R = 10, on the $name backend', (backend) => {
    const out = new Uint32Array(4);
    for (const { counter, key, rounds, expected, line } of vectors) {
      backend.philoxBlock(Uint32Array.from(counter), Uint32Array.from(key), rounds as 7 | 10, out);
      expect([...out], line).toEqual(expected);
    }
  });

  describe.each(backendNames)('through philoxWords on the %s backend', (backend) => {
    // word g is word g & 3 of block g >> 2, so a 64-bit word offset reaches blocks below 2**62
    it('reproduces every R = 10 line whose block is below 2**62: (c0, c1) is the block, (c2, c3) the stream', () => {
      let checked = 0;
      for (const { counter, key, rounds, expected, line } of vectors) {
        const block = (BigInt(counter[1]!) << 32n) | BigInt(counter[0]!);
        if (rounds !== 10 || block >= 1n << 62n) continue;
        checked++;
        const words = philoxWords(new Uint32Array(4), {
          seed: (BigInt(key[1]!) << 32n) | BigInt(key[0]!),
          stream: (BigInt(counter[3]!) << 32n) | BigInt(counter[2]!),
          offset: block * 4n,
          backend,
        });
        expect([...words], line).toEqual(expected);
      }
      expect(checked).toBe(41);
    });

    it('starts mid-block and carries the block counter across 2**32', () => {
      const seed = 0x0123456789abcdefn;
      const whole = philoxWords(new Uint32Array(16), { seed, stream: 7, offset: 0xffffffffn * 4n - 8n, backend });
      const tail = philoxWords(new Uint32Array(13), { seed, stream: 7, offset: 0xffffffffn * 4n - 5n, backend });
      expect([...tail]).toEqual([...whole.subarray(3)]);
    });
  });
});

/** Philox4x32-R of one counter and key in BigInt arithmetic, straight from the definition. */
function referenceBlock(counter: readonly number[], key: readonly number[], rounds: number): number[] {
  const mask = 0xffffffffn;
  let [c0, c1, c2, c3] = counter.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key.map(BigInt) as [bigint, bigint];
  for (let round = 0; round < rounds; round++) {
    const product0 = 0xd2511f53n * c0;
    const product1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(product1 >> 32n) ^ c1 ^ k0, product1 & mask, (product0 >> 32n) ^ c3 ^ k1, product0 & mask];
    k0 = (k0 + 0x9e3779b9n) & mask;
    k1 = (k1 + 0xbb67ae85n) & mask;
  }
  return [c0, c1, c2, c3].map(Number);
}

describe('philoxBlocks', () => {
  it('starts every step with a Random123 known answer, R = 7 and R = 10', () => {
    const words = new Int32Array(4 * PHILOX_BLOCKS_PER_STEP);
    for (const { counter, key, rounds, expected, line } of vectors) {
      philoxBlocks(words, PHILOX_BLOCKS_PER_STEP, counter[0]!, counter[1]!, counter[2]!, counter[3]!, key[0]!, key[1]!, rounds);
      expect([...new Uint32Array(words.buffer, 0, 4)], line).toEqual(expected);
    }
  });

  it.each([7, 10])('makes consecutive blocks, the 64-bit block carried across 2**32 inside a step (R = %i)', (rounds) => {
    const blockCount = 3 * PHILOX_BLOCKS_PER_STEP;
    const words = new Int32Array(4 * blockCount);
    const [streamLo, streamHi, keyLo, keyHi] = [0x89abcdef, 0xfedcba98, 0x01234567, 0xdeadbeef];
    philoxBlocks(words, blockCount, 0xfffffffa, 0xffffffff, streamLo, streamHi, keyLo, keyHi, rounds);
    const expected = Array.from({ length: blockCount }, (_, b) => {
      const block = 0xfffffffffffffffan + BigInt(b);
      const counter = [Number(block & 0xffffffffn), Number((block >> 32n) & 0xffffffffn), streamLo, streamHi];
      return referenceBlock(counter, [keyLo, keyHi], rounds);
    }).flat();
    expect([...new Uint32Array(words.buffer)]).toEqual(expected);
  });

  it('gives the high product words exactly where float64 rounding is closest to a carry', () => {
    // counter words whose products with the multipliers have low words near 0 and near 2**32
    const multipliers = [0xd2511f53n, 0xcd9e8d57n];
    const counters: number[] = [0, 1, 0xffffffff, 0x80000000, 0x7fffffff];
    for (const m of multipliers) {
      const inverse = modularInverse(m, 1n << 32n);
      for (const lowWord of [0n, 1n, 0xffffffffn, 0xfffffffen, 0x80000000n, 0x7fffffffn]) counters.push(Number((lowWord * inverse) & 0xffffffffn));
    }
    const words = new Int32Array(4 * PHILOX_BLOCKS_PER_STEP);
    for (const c0 of counters) {
      for (const c2 of counters) {
        philoxBlocks(words, PHILOX_BLOCKS_PER_STEP, c0, 0x12345678, c2, 0x9abcdef0, 0x11111111, 0x22222222, 1);
        expect([...new Uint32Array(words.buffer, 0, 4)], `c0 = ${c0}, c2 = ${c2}`).toEqual(
          referenceBlock([c0, 0x12345678, c2, 0x9abcdef0], [0x11111111, 0x22222222], 1),
        );
      }
    }
  });
});

/** x with x * a = 1 mod m, for odd a and m a power of 2. */
function modularInverse(a: bigint, m: bigint): bigint {
  let inverse = 1n;
  // each Newton step doubles the correct low bits: 1, 2, 4, … 64
  for (let i = 0; i < 6; i++) inverse = (inverse * (2n - a * inverse)) % m;
  return ((inverse % m) + m) % m;
}
