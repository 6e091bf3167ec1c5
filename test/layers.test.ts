/**
 * The layers, declared once and run on every backend: each layer's forward and backward passes
 * against the functional API with the (seed, stream) the layer should have used, mask storage,
 * step-to-step masks, inference, checkpoints, and every error path.
 */
import { describe, expect, it } from 'vitest';
import {
  AlphaDropout,
  Dropout,
  GaussianDropout,
  GaussianNoise,
  SpatialDropout1D,
  SpatialDropout2D,
  SpatialDropout3D,
  type LayerState,
  type MaskStorage,
  type RandomLayer,
} from '../lib/layers.js';
import {
  alphaDropoutWithMask,
  dropoutBackward,
  dropoutWithMask,
  gaussianDropoutBackward,
  gaussianDropoutWithNoise,
  gaussianNoise,
  Generator,
  spatialDropoutWithMask,
  type BackendName,
  type DropoutResult,
  type FloatArray,
  type Uint64Like,
} from '../lib/index.js';
import { backendNames, expectSameBits, randomArray, dtypes } from './support.js';


/** What every case's layer is built with besides its own settings. */
interface Common {
  seed?: Uint64Like;
  generator?: Generator;
  backend: BackendName;
  maskStorage?: MaskStorage;
}

/** The options of a functional call that stands for one layer pass. */
interface ReferenceCall {
  seed?: Uint64Like;
  stream?: Uint64Like;
  training?: boolean;
  backend: BackendName;
}

interface Reference {
  readonly output: FloatArray;
  readonly backward: (grad: FloatArray) => FloatArray;
}

interface LayerCase {
  readonly name: string;
  /** The forward's shape; every case has at least 32 mask elements. */
  readonly shape: readonly number[];
  /** Bernoulli layers take maskStorage; Gaussian ones reject it. */
  readonly masked: boolean;
  readonly make: (common: Common) => RandomLayer;
  /** The functional API's forward with the same settings, and its backward. */
  readonly reference: (x: FloatArray, call: ReferenceCall) => Reference;
}

/** A Bernoulli case: the layer with `settings`, and the functional *WithMask op with `settings` and `extra`. */
function maskedCase(
  name: string,
  shape: readonly number[],
  Layer: new (options: never) => RandomLayer,
  withMask: (x: FloatArray, options: never) => DropoutResult<FloatArray>,
  settings: object,
  extra: object = {},
): LayerCase {
  return {
    name,
    shape,
    masked: true,
    make: (common) => new Layer({ ...settings, ...common } as never),
    reference: (x, call) => {
      const { output, mask } = withMask(x, { ...settings, ...extra, ...call, shape } as never);
      return { output, backward: (grad) => dropoutBackward(grad, mask, { backend: call.backend }) };
    },
  };
}

const cases: LayerCase[] = [
  maskedCase('Dropout', [6, 10], Dropout, dropoutWithMask, { rate: 0.3 }),
  maskedCase('Dropout with noiseShape [null, 1]', [32, 5], Dropout, dropoutWithMask, { rate: 0.5, noiseShape: [null, 1] }),
  maskedCase('Dropout with broadcastDims [0], scaling inference', [5, 32], Dropout, dropoutWithMask, {
    rate: 0.4,
    broadcastDims: [0],
    scaling: 'inference',
  }),
  maskedCase('SpatialDropout1D', [4, 5, 8], SpatialDropout1D, spatialDropoutWithMask, { rate: 0.5 }, { dims: 1 }),
  maskedCase('SpatialDropout2D channelsFirst', [4, 8, 3, 5], SpatialDropout2D, spatialDropoutWithMask, {
    rate: 0.5,
    dataFormat: 'channelsFirst',
  }, { dims: 2 }),
  maskedCase('SpatialDropout3D', [4, 2, 3, 2, 8], SpatialDropout3D, spatialDropoutWithMask, { rate: 0.5 }, { dims: 3 }),
  maskedCase('AlphaDropout', [6, 10], AlphaDropout, alphaDropoutWithMask, { rate: 0.2 }),
  maskedCase('AlphaDropout with noiseShape [32, 1]', [32, 5], AlphaDropout, alphaDropoutWithMask, { rate: 0.3, noiseShape: [32, 1] }),
  {
    name: 'GaussianDropout',
    shape: [6, 10],
    masked: false,
    make: ({ maskStorage: _, ...common }) => new GaussianDropout({ rate: 0.2, ...common }),
    reference: (x, call) => {
      const { output, noise } = gaussianDropoutWithNoise(x, { rate: 0.2, ...call });
      return { output, backward: (grad) => gaussianDropoutBackward(grad, noise, { backend: call.backend }) };
    },
  },
  {
    name: 'GaussianNoise',
    shape: [6, 10],
    masked: false,
    make: ({ maskStorage: _, ...common }) => new GaussianNoise({ stddev: 0.5, ...common }),
    reference: (x, call) => ({ output: gaussianNoise(x, { stddev: 0.5, ...call }), backward: (grad) => grad }),
  },
];

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
const storages = (layerCase: LayerCase): (MaskStorage | undefined)[] => (layerCase.masked ? ['bits', 'recompute'] : [undefined]);

describe.each(backendNames)('layers on the %s backend', (backend) => {
  describe.each(cases.map((c) => [c.name, c] as const))('%s', (_, layerCase) => {
    const { shape, make, reference } = layerCase;
    const n = size(shape);

    describe.each(dtypes)('%s', (_dtype, Type) => {
      it.each(storages(layerCase))('step k forwards and backwards like the functional API with (seed, stream k) (maskStorage %s)', (maskStorage) => {
        const layer = make({ seed: 1234, backend, maskStorage });
        for (let step = 0; step < 4; step++) {
          const x = randomArray(Type, n, 10 + step);
          const grad = randomArray(Type, n, 20 + step);
          const expected = reference(x, { seed: 1234, stream: step, backend });
          expectSameBits(layer.forward(x, { shape }), expected.output, `forward ${step}`);
          expectSameBits(layer.backward(grad), expected.backward(grad), `backward ${step}`);
          // the backward pass may be repeated: it keeps the forward's record
          expectSameBits(layer.backward(grad), expected.backward(grad), `backward ${step} again`);
        }
        expect(layer.generator.stream).toBe(4n);
      });

      it('draws a different mask at each step, and the same sequence again from the same seed', () => {
        // 32 or more mask elements: two masks of a correct generator coincide with probability <= 2**-32 per pair
        const x = new Type(n).fill(1);
        const first = make({ seed: 99, backend });
        const second = make({ seed: 99, backend });
        const steps = [0, 1, 2].map(() => first.forward(x, { shape }).slice());
        expect(steps[1]).not.toEqual(steps[0]);
        expect(steps[2]).not.toEqual(steps[1]);
        expect(steps[2]).not.toEqual(steps[0]);
        for (const step of steps) expectSameBits(second.forward(x, { shape }), step);
      });

      it('in inference forwards like the functional API, takes no stream, and its backward undoes only the inference factor', () => {
        const generator = new Generator(5);
        const layer = make({ generator, backend }).eval();
        expect(layer.training).toBe(false);
        const x = randomArray(Type, n, 30);
        const grad = randomArray(Type, n, 31);
        const expected = reference(x, { training: false, backend });
        const output = layer.forward(x, { shape });
        expectSameBits(output, expected.output);
        expectSameBits(layer.backward(grad), expected.backward(grad));
        if (expected.output === x) {
          // the identity: x itself, grad itself, or copies into out
          expect(output).toBe(x);
          expect(layer.backward(grad)).toBe(grad);
          const out = new Type(n);
          expect(layer.backward(grad, { out })).toBe(out);
          expectSameBits(out, grad);
        }
        expect(generator.stream).toBe(0n);
        // a training forward in eval mode, and an inference forward in train mode
        layer.forward(x, { shape, training: true });
        expect(generator.stream).toBe(1n);
        layer.train().forward(x, { shape, training: false });
        expect(layer.training).toBe(true);
        expect(generator.stream).toBe(1n);
      });

      it('writes into out, in place when out is x, and its backward into out or in place', () => {
        const x = randomArray(Type, n, 40);
        const grad = randomArray(Type, n, 41);
        const expected = reference(x, { seed: 7, stream: 0, backend });
        const expectedGrad = expected.backward(grad);
        const out = new Type(n);
        const layer = make({ seed: 7, backend });
        expect(layer.forward(x, { shape, out })).toBe(out);
        expectSameBits(out, expected.output);
        const gradOut = new Type(n);
        expect(layer.backward(grad, { out: gradOut })).toBe(gradOut);
        expectSameBits(gradOut, expectedGrad);
        expect(layer.backward(grad, { out: grad })).toBe(grad);
        expectSameBits(grad, expectedGrad);
        const inPlace = x.slice();
        expect(make({ seed: 7, backend }).forward(inPlace, { shape, out: inPlace })).toBe(inPlace);
        expectSameBits(inPlace, expected.output);
      });
    });

    it('resumes from a saved state (through JSON) with the same masks, bit for bit', () => {
      const layer = make({ seed: 31, backend });
      const x = randomArray(Float32Array, n, 50);
      const grad = randomArray(Float32Array, n, 51);
      for (let step = 0; step < 3; step++) layer.forward(x, { shape });
      const saved = JSON.parse(JSON.stringify(layer.state())) as LayerState;
      expect(saved).toEqual({ layer: layer.layer, training: true, generator: { algorithm: 'philox4x32-10', seed: '31', stream: '3' } });
      const next = [0, 1].map(() => [layer.forward(x, { shape }).slice(), layer.backward(grad).slice()] as const);
      const resumed = make({ seed: 0, backend }).eval().load(saved);
      expect(resumed.training).toBe(true);
      expect(() => resumed.backward(grad)).toThrow(Error);
      for (const [output, gradient] of next) {
        expectSameBits(resumed.forward(x, { shape }), output);
        expectSameBits(resumed.backward(grad), gradient);
      }
      const evalState = JSON.parse(JSON.stringify(resumed.eval().state())) as LayerState;
      expect(make({ seed: 0, backend }).load(evalState).training).toBe(false);
    });

    it('rejects backward before any forward (Error) and a gradient of another length (RangeError)', () => {
      const layer = make({ seed: 1, backend });
      expect(() => layer.backward(new Float32Array(n))).toThrow(Error);
      expect(() => layer.backward(new Float32Array(n))).toThrow(/backward was called before any forward/);
      layer.forward(new Float32Array(n), { shape });
      expect(() => layer.backward(new Float32Array(n - 1))).toThrow(RangeError);
      expect(() => layer.backward(new Float32Array(n + 1))).toThrow(new RegExp(`grad to have ${n} elements .* but it has ${n + 1}`));
      expect(() => layer.backward(new Float32Array(n), { out: new Float64Array(n) })).toThrow(TypeError);
      expect(() => layer.backward(new Float32Array(n), { backend } as never)).toThrow(/Unknown option 'backend'/);
      expect(() => layer.backward([1, 2] as never)).toThrow(TypeError);
    });

    it('takes no stream and keeps the last forward when a forward is rejected', () => {
      const generator = new Generator(3);
      const layer = make({ generator, backend });
      const grad = randomArray(Float64Array, n, 60);
      layer.forward(new Float64Array(n).fill(1), { shape });
      const expected = layer.backward(grad).slice();
      const rejected: [unknown, unknown, typeof TypeError | typeof RangeError][] = [
        [new Float64Array(n), { shape: [n + 1] }, RangeError],
        [new Float64Array(n), { shape, out: new Float32Array(n) }, TypeError],
        [new Float64Array(n), { shape, dropout: 0.5 }, TypeError],
        [new Float64Array(n), { shape, training: 1 }, TypeError],
        [new Int32Array(n), { shape }, TypeError],
      ];
      for (const [x, options, error] of rejected) {
        expect(() => layer.forward(x as Float64Array, options as never)).toThrow(error);
      }
      expect(generator.stream).toBe(1n);
      expectSameBits(layer.backward(grad), expected);
    });

    it('rejects loading the state of another layer class (RangeError) or a malformed state (TypeError)', () => {
      const layer = make({ seed: 1, backend });
      const other = (layerCase.name.startsWith('Dropout') ? new GaussianNoise({ stddev: 1, seed: 1 }) : new Dropout({ rate: 0.5, seed: 1 })).state();
      expect(() => layer.load(other)).toThrow(RangeError);
      expect(() => layer.load(other)).toThrow(new RegExp(`state.layer to be '${layer.layer}' but received the string "${other.layer}"`));
      expect(() => layer.load(null as never)).toThrow(TypeError);
      const state = layer.state();
      expect(() => layer.load({ ...state, training: 'yes' } as never)).toThrow(/boolean for state.training/);
      expect(() => layer.load({ ...state, generator: { ...state.generator, stream: '-1' } })).toThrow(TypeError);
      expect(layer.generator.stream).toBe(0n);
    });
  });

  it('recompute gives the backward bits of bits for every Bernoulli layer, at rates 0 and 1 and with a gradient of the other dtype', () => {
    const variants: [string, (common: Common) => RandomLayer, readonly number[]][] = [
      ...cases.filter((c) => c.masked).map((c) => [c.name, c.make, c.shape] as [string, (common: Common) => RandomLayer, readonly number[]]),
      ['Dropout rate 0', (common) => new Dropout({ rate: 0, ...common }), [6, 10]],
      ['Dropout rate 1', (common) => new Dropout({ rate: 1, ...common }), [6, 10]],
      ['Dropout rate 1, noiseShape [6, 1]', (common) => new Dropout({ rate: 1, noiseShape: [6, 1], ...common }), [6, 10]],
      ['AlphaDropout rate 0', (common) => new AlphaDropout({ rate: 0, ...common }), [6, 10]],
      ['SpatialDropout2D channelsLast', (common) => new SpatialDropout2D({ rate: 0.25, ...common }), [3, 2, 5, 4]],
    ];
    for (const [name, make, shape] of variants) {
      const n = size(shape);
      for (const [, Type] of dtypes) {
        const bits = make({ seed: 77, backend, maskStorage: 'bits' });
        const recompute = make({ seed: 77, backend, maskStorage: 'recompute' });
        for (let step = 0; step < 3; step++) {
          const x = randomArray(Type, n, 70 + step);
          expectSameBits(recompute.forward(x, { shape }), bits.forward(x, { shape }), `${name} forward ${step}`);
          for (const GradType of [Float32Array, Float64Array]) {
            const grad = randomArray(GradType, n, 80 + step);
            expectSameBits(recompute.backward(grad), bits.backward(grad), `${name} ${Type.name} backward ${step} ${GradType.name}`);
          }
        }
      }
    }
  });

  it.each([
    [1, SpatialDropout1D, [3, 4, 5]],
    [2, SpatialDropout2D, [3, 4, 2, 5]],
    [3, SpatialDropout3D, [3, 2, 2, 3, 5]],
  ] as const)('SpatialDropout%iD draws one (N, C) mask in both data formats', (dims, Layer, channelsLastShape) => {
    const [batch, ...rest] = channelsLastShape;
    const channels = rest.pop()!;
    const spatial = size(rest);
    const channelsFirstShape = [batch, channels, ...rest];
    const n = size(channelsLastShape);
    const x = new Float32Array(n).fill(1);
    const last = new Layer({ rate: 0.5, seed: 8, backend }).forward(x, { shape: channelsLastShape });
    const first = new Layer({ rate: 0.5, seed: 8, backend, dataFormat: 'channelsFirst' }).forward(x, { shape: channelsFirstShape });
    const { mask } = spatialDropoutWithMask(x, { rate: 0.5, dims, shape: channelsLastShape, seed: 8, backend });
    expect(mask.noiseShape).toEqual([batch, ...rest.map(() => 1), channels]);
    const kept = mask.toUint8Array();
    expect(kept.includes(0) && kept.includes(1)).toBe(true);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < channels; c++) {
        const value = kept[b * channels + c] ? 2 : 0;
        for (let s = 0; s < spatial; s++) {
          expect(last[(b * spatial + s) * channels + c]).toBe(value);
          expect(first[(b * channels + c) * spatial + s]).toBe(value);
        }
      }
    }
  });

  it('layers sharing a generator take its streams in call order', () => {
    const generator = new Generator(11);
    const a = new Dropout({ rate: 0.5, generator, backend });
    const b = new AlphaDropout({ rate: 0.5, generator, backend });
    const x = randomArray(Float64Array, 64, 90);
    expectSameBits(a.forward(x), dropoutWithMask(x, { rate: 0.5, seed: 11, stream: 0, backend }).output);
    expectSameBits(b.forward(x), alphaDropoutWithMask(x, { rate: 0.5, seed: 11, stream: 1, backend }).output);
    expectSameBits(a.forward(x), dropoutWithMask(x, { rate: 0.5, seed: 11, stream: 2, backend }).output);
    expect(generator.stream).toBe(3n);
    // forked generators: one independent sequence per layer
    const root = new Generator(12);
    const forked = [0, 1].map((index) => new Dropout({ rate: 0.5, generator: root.fork(index), backend }));
    expectSameBits(forked[1]!.forward(x), dropoutWithMask(x, { rate: 0.5, seed: root.fork(1).seed, backend }).output);
    expect(root.stream).toBe(0n);
  });
});

describe('layer limits and settings', () => {
  // (every bad argument of the layers is a row of test/errors.test.ts)
  it('uses the last of the 2**64 streams, then throws a RangeError and keeps the last forward', () => {
    const generator = new Generator(1, { stream: 2n ** 64n - 1n });
    const layer = new Dropout({ rate: 0.5, generator });
    const x = new Float64Array(64).fill(1);
    const last = layer.forward(x).slice();
    expectSameBits(last, dropoutWithMask(x, { rate: 0.5, seed: 1, stream: 2n ** 64n - 1n }).output);
    expect(() => layer.forward(x)).toThrow(RangeError);
    expect(() => layer.forward(x)).toThrow(/has used all 2\*\*64 streams/);
    expectSameBits(layer.backward(x), last);
    // inference takes no stream, so it still works
    expect(layer.forward(x, { training: false })).toBe(x);
  });

  it('exposes its settings, starts in training mode, and train() / eval() return the layer', () => {
    const layer = new Dropout({ rate: 0.25, noiseShape: [null, 1], maskStorage: 'recompute', seed: 3n });
    expect([layer.layer, layer.rate, layer.noiseShape, layer.broadcastDims, layer.scaling, layer.maskStorage]).toEqual([
      'Dropout', 0.25, [null, 1], undefined, 'train', 'recompute',
    ]);
    expect(layer.training).toBe(true);
    expect(layer.eval()).toBe(layer);
    expect(layer.train()).toBe(layer);
    expect(layer.generator.seed).toBe(3n);
    // the layer keeps copies of its axes
    const broadcastDims = [0];
    const copying = new AlphaDropout({ rate: 0.5, broadcastDims });
    broadcastDims[0] = 5;
    expect(copying.broadcastDims).toEqual([0]);
    expect(copying.noiseShape).toBe(undefined);
    expect(new SpatialDropout2D({ rate: 0.5 }).dataFormat).toBe('channelsLast');
    expect(new GaussianNoise({ stddev: 0 }).stddev).toBe(0);
    // without seed or generator, each layer gets its own random seed
    expect(new GaussianDropout({ rate: 0.5 }).generator.seed).not.toBe(new GaussianDropout({ rate: 0.5 }).generator.seed);
  });
});
