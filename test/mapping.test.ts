/**
 * simd-dropout's mask mapping known answers (../shared/testdata/dropout_mapping_kat.txt), through
 * the public API on every backend.
 */
import { describe, expect, it } from 'vitest';
import { dropoutWithMask, philoxWords } from '../lib/index.js';
import { backendNames, expectSameBits, readTestData } from './support.js';

const parseInteger = (text: string): bigint => BigInt(text);
const lines = readTestData('dropout_mapping_kat.txt');

/** FNV-1a, 64-bit, over bytes. */
function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash;
}

describe.each(backendNames)('mask mapping known answers on the %s backend', (backend) => {
  it('reproduces every words line', () => {
    const wordLines = lines.filter((line) => line.startsWith('words '));
    expect(wordLines.length).toBe(6);
    for (const line of wordLines) {
      const [, seed, stream, block, , ...expected] = line.split(/\s+/);
      const words = philoxWords(new Uint32Array(4), {
        seed: parseInteger(seed!),
        stream: parseInteger(stream!),
        offset: parseInteger(block!) * 4n,
        backend,
      });
      expect([...words].map((w) => w.toString(16).padStart(8, '0')), line).toEqual(expected);
    }
  });

  it.each(['float32', 'float64'] as const)('reproduces every mask line (%s input)', (dtype) => {
    const maskLines = lines.filter((line) => line.startsWith('mask '));
    expect(maskLines.length).toBe(11);
    for (const line of maskLines) {
      const match = /^mask (\S+) (\S+) (\S+) (\d+) (\d+) -> D=(\d+) keep=(\d+) fnv=([0-9a-f]+) first64=([0-9a-f]+)$/.exec(line);
      expect(match, line).not.toBeNull();
      const [, seed, stream, rate, n, start, dropThreshold, keep, fnv, first64] = match!;
      expect(Math.round(Number(rate) * 2 ** 32), line).toBe(Number(dropThreshold));
      const x = (dtype === 'float32' ? new Float32Array(Number(n)) : new Float64Array(Number(n))).fill(1);
      const { output, mask } = dropoutWithMask(x, {
        rate: Number(rate),
        seed: parseInteger(seed!),
        stream: parseInteger(stream!),
        offset: parseInteger(start!),
        backend,
      });
      const kept = mask.toUint8Array();
      expect(mask.keptCount(), line).toBe(Number(keep));
      expect(fnv1a64(kept).toString(16), line).toBe(fnv);
      let firstBits = 0n;
      for (let i = 0; i < Math.min(64, kept.length); i++) firstBits |= BigInt(kept[i]!) << BigInt(i);
      expect(firstBits.toString(16).padStart(16, '0'), line).toBe(first64);
      // the output agrees with the mask: scale where kept, +0 where dropped
      expectSameBits(output, x.map((_, i) => (kept[i] ? mask.scale : 0)), line);
    }
  });
});
