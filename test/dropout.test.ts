/**
 * The semantics of dropout, dropoutWithMask and dropoutBackward, declared once and run on every
 * backend. Expected values are computed here with plain loops from the returned mask.
 */
import { describe, expect, it } from 'vitest';
import { dropout, dropoutBackward, dropoutWithMask, Generator, type FloatArray } from '../lib/index.js';
import { backendNames, expectSameBits, maskBit, randomArray, dtypes, type FloatType } from './support.js';


/** out[j] = bit(mask index of j) ? x[j] * scale : +0, with noise-shape broadcasting by coordinates. */
function referenceApply(
  x: FloatArray,
  maskBits: Uint32Array,
  scale: number,
  shape: readonly number[],
  noiseShape: readonly number[],
): FloatArray {
  const out = new (x.constructor as FloatType)(x.length);
  for (let j = 0; j < x.length; j++) {
    let rest = j;
    let maskIndex = 0;
    let maskStride = 1;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const coordinate = rest % shape[axis]!;
      rest = Math.floor(rest / shape[axis]!);
      if (noiseShape[axis] !== 1) maskIndex += coordinate * maskStride;
      maskStride *= noiseShape[axis]!;
    }
    out[j] = maskBit(maskBits, maskIndex) ? x[j]! * scale : 0;
  }
  return out;
}

describe.each(backendNames)('dropout on the %s backend', (backend) => {
  describe.each(dtypes)('%s', (_, Type) => {
    it('keeps element i iff its mask bit is set, and scales it by 1 / (1 - rate) in the dtype', () => {
      const x = randomArray(Type, 1001, 1);
      for (const rate of [0.1, 0.5, 0.9]) {
        const { output, mask } = dropoutWithMask(x, { rate, seed: 11, stream: 3, backend });
        const scale = Type === Float32Array ? Math.fround(1 / (1 - rate)) : 1 / (1 - rate);
        expect(mask.scale).toBe(scale);
        expect(mask.rate).toBe(rate);
        expectSameBits(output, referenceApply(x, mask.bits(), scale, [x.length], [x.length]));
        expect(dropout(x, { rate, seed: 11, stream: 3, backend })).toEqual(output);
      }
    });

    it('rate 0 returns x exactly (bit for bit, -0 included) and still takes a stream', () => {
      const x = randomArray(Type, 257, 2);
      x[0] = -0;
      x[1] = Infinity;
      x[2] = -Infinity;
      const generator = new Generator(5);
      const { output, mask } = dropoutWithMask(x, { rate: 0, generator, backend });
      expectSameBits(output, x);
      expect(mask.keptCount()).toBe(257);
      expect(mask.scale).toBe(1);
      expect(generator.stream).toBe(1n);
    });

    it('rate 1 gives +0 everywhere (NaN and Infinity included), scale 0, and a zero gradient', () => {
      const x = randomArray(Type, 300, 3);
      x[5] = NaN;
      x[6] = -Infinity;
      x[7] = -0;
      const { output, mask } = dropoutWithMask(x, { rate: 1, seed: 1, backend });
      expectSameBits(output, new Uint8Array(output.byteLength));
      expect(mask.scale).toBe(0);
      expect(mask.keptCount()).toBe(0);
      const grad = dropoutBackward(randomArray(Type, 300, 4), mask, { backend });
      expectSameBits(grad, new Uint8Array(grad.byteLength));
    });

    it('drops NaN and Infinity to +0 by selection, not multiplication', () => {
      const probe = dropoutWithMask(new Type(64).fill(1), { rate: 0.5, seed: 9, backend }).mask.toUint8Array();
      const x = new Type(64).fill(NaN);
      for (let i = 0; i < 64; i += 2) x[i] = -Infinity;
      const output = dropout(x, { rate: 0.5, seed: 9, backend });
      for (let i = 0; i < 64; i++) {
        if (probe[i]) expect(output[i]).toBe(i % 2 === 0 ? -Infinity : NaN);
        else expect(Object.is(output[i], 0), `element ${i}`).toBe(true);
      }
      expect(probe.includes(0) && probe.includes(1)).toBe(true);
    });

    it('in inference returns x itself, or copies it into out, and takes no stream', () => {
      const x = randomArray(Type, 100, 5);
      const generator = new Generator(5);
      expect(dropout(x, { rate: 0.7, training: false, generator, backend })).toBe(x);
      const out = new Type(100);
      expect(dropout(x, { rate: 0.7, training: false, generator, out, backend })).toBe(out);
      expect(out).toEqual(x);
      const { output, mask } = dropoutWithMask(x, { rate: 0.7, training: false, generator, backend });
      expect(output).toBe(x);
      expect([mask.rate, mask.scale, mask.keptCount()]).toEqual([0, 1, 100]);
      expect(dropoutBackward(x, mask, { backend })).toEqual(x);
      expect(generator.stream).toBe(0n);
    });

    it('writes into out, in place when out is x, and through subarray views at any offset', () => {
      const n = 333;
      const x = randomArray(Type, n, 6);
      const expected = dropout(x, { rate: 0.3, seed: 77, backend });
      const out = new Type(n);
      expect(dropout(x, { rate: 0.3, seed: 77, out, backend })).toBe(out);
      expect(out).toEqual(expected);
      for (const shift of [1, 2, 3, 5]) {
        const buffer = new Type(n + 8);
        const view = buffer.subarray(shift, shift + n);
        view.set(x);
        const outView = new Type(n + 8).subarray(shift + 1, shift + 1 + n);
        expect(dropout(view, { rate: 0.3, seed: 77, out: outView, backend })).toEqual(expected);
        expect(dropout(view, { rate: 0.3, seed: 77, out: view, backend })).toBe(view);
        expect(view).toEqual(expected);
        expect(buffer[shift - 1]).toBe(0);
        expect(buffer[shift + n]).toBe(0);
      }
    });

    it('handles empty arrays and every length around the 32-bit mask words and 4-word blocks', () => {
      expect(dropout(new Type(0), { rate: 0.5, seed: 1, backend }).length).toBe(0);
      const x = randomArray(Type, 70, 7);
      const full = dropoutWithMask(x, { rate: 0.5, seed: 123, backend });
      for (let n = 1; n <= 70; n++) {
        const part = dropoutWithMask(x.subarray(0, n), { rate: 0.5, seed: 123, backend });
        expect(part.output).toEqual(full.output.subarray(0, n));
        expect(part.mask.toUint8Array()).toEqual(full.mask.toUint8Array().subarray(0, n));
        const words = part.mask.bits();
        expect(words.length).toBe(Math.ceil(n / 32));
        if (n % 32 !== 0) expect(words[words.length - 1]! >>> (n % 32)).toBe(0);
      }
    });

    it('gives each shard the output of one whole call when offset is its start', () => {
      const n = 4099;
      const x = randomArray(Type, n, 8);
      const whole = dropoutWithMask(x, { rate: 0.4, seed: 2n ** 63n + 5n, stream: 9, backend });
      for (const k of [0, 1, 2, 3, 4, 31, 32, 33, 1000, 4098, 4099]) {
        const left = dropoutWithMask(x.subarray(0, k), { rate: 0.4, seed: 2n ** 63n + 5n, stream: 9, backend });
        const right = dropoutWithMask(x.subarray(k), { rate: 0.4, seed: 2n ** 63n + 5n, stream: 9, offset: k, backend });
        expect(Float64Array.from([...left.output, ...right.output])).toEqual(Float64Array.from(whole.output));
        expect([...left.mask.toUint8Array(), ...right.mask.toUint8Array()]).toEqual([...whole.mask.toUint8Array()]);
      }
    });

    it('is a pure function of (seed, stream, offset); other streams and seeds give other masks', () => {
      const x = randomArray(Type, 512, 9);
      const a = dropout(x, { rate: 0.5, seed: 1, backend });
      expect(dropout(x, { rate: 0.5, seed: 1, stream: 0, offset: 0, backend })).toEqual(a);
      expect(dropout(x, { rate: 0.5, seed: 1, stream: 1, backend })).not.toEqual(a);
      expect(dropout(x, { rate: 0.5, seed: 2, backend })).not.toEqual(a);
      expect(dropout(x, { rate: 0.5, seed: 1n, backend })).toEqual(a);
    });

    it('shares one mask over the timesteps with noiseShape [2, 1, 4] on shape [2, 3, 4] (Keras example)', () => {
      const x = randomArray(Type, 24, 10);
      const { output, mask } = dropoutWithMask(x, { rate: 0.5, seed: 4, shape: [2, 3, 4], noiseShape: [2, 1, 4], backend });
      expect(mask.size).toBe(8);
      expect(mask.shape).toEqual([2, 3, 4]);
      expect(mask.noiseShape).toEqual([2, 1, 4]);
      const bits = mask.toUint8Array();
      for (let b = 0; b < 2; b++) {
        for (let t = 0; t < 3; t++) {
          for (let f = 0; f < 4; f++) {
            const j = b * 12 + t * 4 + f;
            expect(output[j]).toBe(bits[b * 4 + f] ? x[j]! * mask.scale : 0);
          }
        }
      }
      // a null entry takes the input's size, so the batch size need not be known
      expect(dropout(x, { rate: 0.5, seed: 4, shape: [2, 3, 4], noiseShape: [null, 1, 4], backend })).toEqual(output);
    });

    it('broadcasts every noise shape pattern of a rank-4 input by coordinates', () => {
      const shape = [3, 1, 5, 6];
      const x = randomArray(Type, 90, 11);
      for (let pattern = 0; pattern < 16; pattern++) {
        const noiseShape = shape.map((d, axis) => ((pattern >> axis) & 1 ? 1 : d));
        const { output, mask } = dropoutWithMask(x, { rate: 0.5, seed: 12, stream: pattern, shape, noiseShape, offset: 5, backend });
        expect(mask.size).toBe(noiseShape.reduce((p, d) => p * d, 1));
        expectSameBits(output, referenceApply(x, mask.bits(), mask.scale, shape, noiseShape), `noiseShape ${noiseShape}`);
        const grad = randomArray(Type, 90, 12 + pattern);
        expectSameBits(
          dropoutBackward(grad, mask, { backend }),
          referenceApply(grad, mask.bits(), mask.scale, shape, noiseShape),
          `noiseShape ${noiseShape}`,
        );
      }
    });

    it('a noise shape equal to the shape draws the same mask as no noise shape', () => {
      const x = randomArray(Type, 60, 13);
      expect(dropout(x, { rate: 0.5, seed: 3, shape: [6, 10], noiseShape: [6, null], backend })).toEqual(
        dropout(x, { rate: 0.5, seed: 3, backend }),
      );
    });

    it('backward multiplies the gradient by the same mask and scale, into out or in place', () => {
      const x = randomArray(Type, 777, 14);
      const grad = randomArray(Type, 777, 15);
      const { mask } = dropoutWithMask(x, { rate: 0.25, seed: 8, backend });
      const expected = referenceApply(grad, mask.bits(), mask.scale, [777], [777]);
      expectSameBits(dropoutBackward(grad, mask, { backend }), expected);
      const out = new Type(777);
      expect(dropoutBackward(grad, mask, { out, backend })).toBe(out);
      expect(out).toEqual(expected);
      expect(dropoutBackward(grad, mask, { out: grad, backend })).toBe(grad);
      expect(grad).toEqual(expected);
    });
  });

  it('backward on a gradient of the other dtype uses 1 / (1 - rate) in the gradient precision', () => {
    const { mask } = dropoutWithMask(new Float32Array(40).fill(1), { rate: 0.3, seed: 2, backend });
    const grad = new Float64Array(40).fill(1);
    const dx = dropoutBackward(grad, mask, { backend });
    const bits = mask.toUint8Array();
    for (let i = 0; i < 40; i++) expect(dx[i]).toBe(bits[i] ? 1 / 0.7 : 0);
  });
});
