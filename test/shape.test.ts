import { describe, expect, it } from 'vitest';
import { broadcastLayout, isElementwise, resolveNoiseShape, resolveShape } from '../lib/shape.js';

describe('shape', () => {
  it('defaults to a flat shape and checks the product', () => {
    expect(resolveShape(undefined, 7)).toEqual([7]);
    expect(resolveShape([2, 0, 3], 0)).toEqual([2, 0, 3]);
    expect(() => resolveShape([2, 3], 7)).toThrow(/shape \[2, 3\] to have 7 elements .* but it has 6/);
  });

  it('resolves null noise shape entries to the input size', () => {
    expect(resolveNoiseShape([null, 1, 4], [2, 3, 4])).toEqual([2, 1, 4]);
    expect(resolveNoiseShape(undefined, [2, 3])).toEqual([2, 3]);
  });

  it('merges neighbouring axes of one kind and drops unit axes', () => {
    expect(broadcastLayout([2, 3, 4], [2, 3, 4])).toEqual({ dims: [24], maskStrides: [1] });
    expect(broadcastLayout([2, 3, 4], [2, 1, 4])).toEqual({ dims: [2, 3, 4], maskStrides: [4, 0, 1] });
    expect(broadcastLayout([8, 5, 5, 16], [8, 1, 1, 16])).toEqual({ dims: [8, 25, 16], maskStrides: [16, 0, 1] });
    expect(broadcastLayout([8, 16, 5, 5], [8, 16, 1, 1])).toEqual({ dims: [128, 25], maskStrides: [1, 0] });
    expect(broadcastLayout([1, 6, 1], [1, 1, 1])).toEqual({ dims: [6], maskStrides: [0] });
    expect(broadcastLayout([1, 1], [1, 1])).toEqual({ dims: [1], maskStrides: [0] });
  });

  it('knows when the mask maps one to one onto the input', () => {
    expect(isElementwise([2, 1, 4], [2, 1, 4])).toBe(true);
    expect(isElementwise([2, 3, 4], [2, 1, 4])).toBe(false);
  });
});
