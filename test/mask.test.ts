import { describe, expect, it } from 'vitest';
import { dropoutWithMask } from '../lib/index.js';
import { maskBit } from './support.js';

describe('DropoutMask', () => {
  const x = new Float64Array(100).fill(1);
  const { output, mask } = dropoutWithMask(x, { rate: 0.5, seed: 21 });

  it('packs element i into bit i & 31 of word i >>> 5, lowest bit first, zero past the end', () => {
    const bits = mask.bits();
    expect(bits.length).toBe(4);
    for (let i = 0; i < 100; i++) expect(maskBit(bits, i)).toBe(output[i] === 0 ? 0 : 1);
    expect(bits[3]! >>> 4).toBe(0);
  });

  it('counts kept elements and gives ONNX-style bytes', () => {
    const bytes = mask.toUint8Array();
    expect(bytes.length).toBe(100);
    expect(mask.keptCount()).toBe(bytes.reduce((sum, b) => sum + b, 0));
    expect(mask.keptCount()).toBe([...output].filter((v) => v !== 0).length);
  });

  it('hands out copies, so a caller cannot corrupt the mask backward uses', () => {
    const bits = mask.bits();
    bits.fill(0);
    expect(mask.bits()).not.toEqual(bits);
    expect(Object.isFrozen(mask.shape)).toBe(true);
  });

  it('reports its shapes, size, dtype, rate and scale', () => {
    const { mask: spatial } = dropoutWithMask(new Float32Array(24), { rate: 0.2, seed: 1, shape: [2, 3, 4], noiseShape: [2, 1, 4] });
    expect({ ...spatial, size: spatial.size }).toEqual({
      rate: 0.2,
      scale: Math.fround(1.25),
      dtype: 'float32',
      shape: [2, 3, 4],
      noiseShape: [2, 1, 4],
      size: 8,
    });
  });
});
