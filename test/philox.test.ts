import { describe, expect, it } from 'vitest';
import { philoxWords } from '../lib/index.js';
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
