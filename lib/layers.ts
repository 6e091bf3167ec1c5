/**
 * Layers for a training loop: each holds its settings and a Generator, takes the generator's next
 * stream on every training forward (a seeded layer draws a reproducible sequence of different
 * masks, one per step), remembers what its backward pass needs, and checkpoints its state.
 *
 * The layers are thin: every forward and backward pass is a call to the functional API with the
 * layer's settings and the (seed, stream) the layer chose, so a layer gives the very bits the
 * functional API gives for the same (seed, stream).
 */
import { randomBytes } from 'node:crypto';
import type { BackendName } from './backend/select.js';
import type { FloatArray } from './backend/types.js';
import { alphaDropout, alphaDropoutCoefficients, alphaDropoutWithMask, type AlphaDropoutOptions } from './alpha.js';
import {
  dropout,
  dropoutBackward,
  dropoutWithMask,
  planMask,
  runMasked,
  type DropoutResult,
  type DropoutScaling,
} from './dropout.js';
import { gaussianDropout, gaussianDropoutBackward, gaussianDropoutWithNoise, gaussianNoise } from './gaussian.js';
import { Generator, generatorFromState, type GeneratorState, type Uint64Like } from './generator.js';
import { planCall, type RandomOpOptions } from './plan.js';
import { noiseShapeFromBroadcastDims, resolveNoiseShape, resolveShape, type NoiseShapeEntry } from './shape.js';
import { spatialDropout, spatialDropoutWithMask, type DataFormat, type SpatialDropoutOptions } from './spatial.js';
import {
  checkBoolean,
  checkChoice,
  checkFloatArray,
  checkOptions,
  checkOut,
  describe,
  requireOption,
  UINT64_MAX,
} from './validate.js';

/** The class name of a layer, as recorded in its state. */
export type LayerName =
  | 'Dropout'
  | 'SpatialDropout1D'
  | 'SpatialDropout2D'
  | 'SpatialDropout3D'
  | 'GaussianDropout'
  | 'GaussianNoise'
  | 'AlphaDropout';

/**
 * What a Bernoulli layer keeps for its backward pass: `'bits'` (default) the forward's
 * DropoutMask, 1 bit per mask element; `'recompute'` only (seed, stream, shape), and the backward
 * pass draws the mask again — no mask memory, one more pass of the generator.
 */
export type MaskStorage = 'bits' | 'recompute';

/** Options every layer takes. */
export interface LayerOptions {
  /** Seed (0 to 2**64 - 1) of a Generator the layer owns. */
  seed?: Uint64Like;
  /** A Generator to take streams from instead (for example `root.fork(layerIndex)`). */
  generator?: Generator;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
}

/** Options of the layers that draw a Bernoulli mask. */
export interface MaskedLayerOptions extends LayerOptions {
  /** Probability of dropping each mask element. */
  rate: number;
  /** `'bits'` (default) or `'recompute'`: see MaskStorage. */
  maskStorage?: MaskStorage;
}

/** Options of the layers whose mask may be shared along axes (one of the two at most). */
export interface MaskAxesOptions {
  /** The mask's shape (Keras semantics), checked against each forward's `shape`. */
  noiseShape?: readonly NoiseShapeEntry[];
  /** The axes the mask is shared along (Flax semantics), checked against each forward's `shape`. */
  broadcastDims?: readonly number[];
}

/** Options of `Dropout`. */
export interface DropoutLayerOptions extends MaskedLayerOptions, MaskAxesOptions {
  /** `'train'` (default, inverted dropout) or `'inference'` (classic dropout). */
  scaling?: DropoutScaling;
}

/** Options of `SpatialDropout1D`, `SpatialDropout2D` and `SpatialDropout3D`. */
export interface SpatialDropoutLayerOptions extends MaskedLayerOptions {
  /** `'channelsLast'` (default, (N, ...spatial, C)) or `'channelsFirst'` ((N, C, ...spatial)). */
  dataFormat?: DataFormat;
}

/** Options of `AlphaDropout`: its rate is in [0, 1). */
export interface AlphaDropoutLayerOptions extends MaskedLayerOptions, MaskAxesOptions {}

/** Options of `GaussianDropout`. */
export interface GaussianDropoutLayerOptions extends LayerOptions {
  /** The equivalent drop probability, in [0, 1): the noise has variance rate / (1 - rate). */
  rate: number;
}

/** Options of `GaussianNoise`. */
export interface GaussianNoiseLayerOptions extends LayerOptions {
  /** The standard deviation of the added noise: finite, >= 0. */
  stddev: number;
}

/** Options of a layer's `forward`. */
export interface LayerForwardOptions {
  /** The logical shape of `x` (its product must be `x.length`); required by the spatial layers. */
  shape?: readonly number[];
  /** Overrides the layer's mode for this call: `true` trains, `false` is inference. */
  training?: boolean;
  /** Where to write the output: same type and length as `x`; `x` itself works in place. */
  out?: FloatArray;
}

/** Options of a layer's `backward`. */
export interface LayerBackwardOptions {
  /** Where to write the gradient: same type and length as `grad`; `grad` itself works in place. */
  out?: FloatArray;
}

/** The JSON-safe state of a layer, for checkpoints. */
export interface LayerState {
  /** The class the state belongs to. */
  readonly layer: LayerName;
  /** Whether the layer was in training mode. */
  readonly training: boolean;
  /** The state of its generator: the next forward's stream. */
  readonly generator: GeneratorState;
}

/** What a layer's forward passes to the functional API besides its settings and `out`. */
interface LayerCall {
  readonly training: boolean;
  readonly backend: BackendName | undefined;
  /** The (seed, stream) of a training call; inference takes no stream. */
  readonly seed?: bigint;
  readonly stream?: bigint;
}

/** One forward pass: its output, and its backward pass with the mask (or noise) it drew. */
interface Pass {
  readonly output: FloatArray;
  readonly backward: (grad: FloatArray, out: FloatArray | undefined) => FloatArray;
}

const FORWARD_OPTIONS = ['shape', 'training', 'out'];
const LAYER_OPTIONS = ['seed', 'generator', 'backend'];
const MASKED_OPTIONS = ['rate', 'maskStorage', ...LAYER_OPTIONS];
const MASK_AXES_OPTIONS = ['noiseShape', 'broadcastDims', ...MASKED_OPTIONS];
const EMPTY = new Float64Array(0);

/** The identity gradient: `grad` itself, or `grad` copied into `out`. */
function identity(grad: FloatArray, out: FloatArray | undefined): FloatArray {
  if (out === undefined || out === grad) return grad;
  out.set(grad);
  return out;
}

/** Checks a layer's options: known names only, and `required` present. */
function checkLayerOptions<T extends LayerOptions>(
  layer: LayerName,
  options: unknown,
  own: readonly string[],
  required: string,
): Partial<T> {
  const opts = checkOptions<T>(options, `the options of ${layer}`, own);
  requireOption(opts, required, `the options of ${layer}`);
  return opts;
}

/**
 * Checks a layer's settings with its functional op itself — an inference call on an empty array
 * in JS, which writes nothing and takes no stream — so a bad rate or stddev gets the op's own
 * message.
 */
function checkSettings<S extends object>(op: (x: FloatArray, options: S & RandomOpOptions) => unknown, settings: S): S {
  op(EMPTY, { ...settings, training: false, backend: 'js' });
  return settings;
}

/**
 * Checks what a layer can of its mask axes before it sees an input — not both noiseShape and
 * broadcastDims, noiseShape's entries, broadcastDims an array (its axes wait for the input's
 * rank) — and copies them. Each forward checks them against the input's shape.
 */
function checkMaskAxes(options: MaskAxesOptions, layer: LayerName): MaskAxesOptions {
  const { noiseShape, broadcastDims } = options;
  // planMask rejects both together before it looks at anything else
  if (noiseShape !== undefined && broadcastDims !== undefined) planMask({ noiseShape, broadcastDims }, 0, layer);
  if (noiseShape !== undefined) {
    // probed against a shape it matches by construction, so only its own entries are checked
    resolveNoiseShape(noiseShape, Array.isArray(noiseShape) ? noiseShape.map((d) => (typeof d === 'number' ? d : 1)) : []);
    return { noiseShape: Object.freeze([...noiseShape]) };
  }
  if (broadcastDims !== undefined) {
    if (!Array.isArray(broadcastDims)) noiseShapeFromBroadcastDims(broadcastDims, []); // throws: not an array
    return { broadcastDims: Object.freeze([...broadcastDims]) };
  }
  return {};
}

/**
 * The base of every layer: its generator, its training flag, the last forward's backward pass,
 * and its checkpoint state. Layers start in training mode (PyTorch's convention).
 *
 * @example
 * const layers: RandomLayer[] = [new Dropout({ rate: 0.1, seed: 1 }), new GaussianNoise({ stddev: 0.1, seed: 2 })];
 * for (const layer of layers) layer.eval();
 */
export abstract class RandomLayer {
  /** The layer's class name, as recorded in its state. */
  readonly layer: LayerName;
  /** The backend every pass runs on (undefined: the process default). */
  readonly backend: BackendName | undefined;
  #generator: Generator;
  #training = true;
  #last: { readonly length: number; readonly pass: Pass } | undefined;

  /** Takes the checked options' seed | generator and backend. */
  protected constructor(layer: LayerName, options: LayerOptions) {
    // checks seed, generator (not both) and backend with the functional API's messages; takes no stream
    planCall(EMPTY, { seed: options.seed, generator: options.generator, backend: options.backend }, layer);
    this.layer = layer;
    this.backend = options.backend;
    this.#generator = options.generator ?? new Generator(options.seed ?? randomBytes(8).readBigUInt64LE(0));
  }

  /** True in training mode (the default), false in inference mode. */
  get training(): boolean {
    return this.#training;
  }

  /** The generator the training forwards take their streams from. */
  get generator(): Generator {
    return this.#generator;
  }

  /** Switches to training mode: forwards draw masks. Returns the layer. */
  train(): this {
    this.#training = true;
    return this;
  }

  /** Switches to inference mode: forwards are the identity and take no stream. Returns the layer. */
  eval(): this {
    this.#training = false;
    return this;
  }

  /**
   * The forward pass. In training it takes the generator's next stream — so consecutive steps
   * draw different masks, in an order fixed by the seed — and remembers what `backward` needs; in
   * inference it is the identity (it returns `x` itself, or copies it into `out`) and takes no
   * stream. A call that throws takes no stream and keeps the previous forward's record.
   */
  forward<T extends FloatArray>(x: T, options?: LayerForwardOptions): T {
    const opts = checkOptions<LayerForwardOptions>(options, `the options of ${this.layer}.forward`, FORWARD_OPTIONS);
    const input = checkFloatArray(x, 'x');
    const shape = opts.shape === undefined ? undefined : resolveShape(opts.shape, input.length);
    const training = checkBoolean(opts.training, 'training', this.#training);
    const generator = this.#generator;
    if (training && generator.stream > UINT64_MAX) generator.nextStream(); // throws: every stream is used
    const call: LayerCall = training
      ? { training, backend: this.backend, seed: generator.seed, stream: generator.stream }
      : { training, backend: this.backend };
    const pass = this.run(input, shape, call, opts.out);
    // the stream is taken once the call has succeeded: a rejected call leaves the sequence as it was
    if (training) generator.nextStream();
    this.#last = { length: input.length, pass };
    return pass.output as T;
  }

  /**
   * The backward pass of the last forward, with its very mask (or noise): a gradient of that
   * forward's input length. After an inference forward it is the identity (`grad` itself, or a
   * copy in `out`). An Error before any forward.
   */
  backward<T extends FloatArray>(grad: T, options?: LayerBackwardOptions): T {
    const opts = checkOptions<LayerBackwardOptions>(options, `the options of ${this.layer}.backward`, ['out']);
    const input = checkFloatArray(grad, 'grad');
    const last = this.#last;
    if (last === undefined) {
      throw new Error(`${this.layer}.backward was called before any forward: there is no mask to apply`);
    }
    if (input.length !== last.length) {
      throw new RangeError(`Expected grad to have ${last.length} elements (the last forward's input) but it has ${input.length}`);
    }
    const out = opts.out === undefined ? undefined : checkOut(opts.out, input, 'grad');
    return last.pass.backward(input, out) as T;
  }

  /** A JSON-safe copy of the layer's state: its class, its mode and its generator's state. */
  state(): LayerState {
    return { layer: this.layer, training: this.#training, generator: this.#generator.state };
  }

  /**
   * Restores a state from `state()` (also after a JSON round trip): the mode, and a generator at
   * the saved stream, so the next forwards draw the masks the saved run would have drawn. The
   * layer then owns that generator: to resume a generator shared by several layers, restore it
   * once with `Generator.from` and build the layers with it instead. Forgets the last forward.
   * A RangeError for the state of another class. Returns the layer.
   */
  load(state: LayerState): this {
    if (state === null || typeof state !== 'object') {
      throw new TypeError(`Expected a layer state object for state but received ${describe(state)}`);
    }
    if (state.layer !== this.layer) {
      throw new RangeError(`Expected state.layer to be '${this.layer}' but received ${describe(state.layer)}`);
    }
    if (typeof state.training !== 'boolean') {
      throw new TypeError(`Expected a boolean for state.training but received ${describe(state.training)}`);
    }
    this.#generator = generatorFromState(state.generator, 'state.generator');
    this.#training = state.training;
    this.#last = undefined;
    return this;
  }

  /** One checked forward pass through the functional API. */
  protected abstract run(x: FloatArray, shape: readonly number[] | undefined, call: LayerCall, out: FloatArray | undefined): Pass;
}

/** The options a Bernoulli layer's call adds to its settings. */
type MaskedCall = RandomOpOptions & { shape?: readonly number[] };

/** How a Bernoulli layer calls the functional API (method signatures: the ops take wider options). */
interface MaskedOps<S extends object> {
  /** The layer's own settings, passed to every call. */
  readonly settings: S;
  forward(x: FloatArray, options: S & MaskedCall): FloatArray;
  forwardWithMask(x: FloatArray, options: S & MaskedCall): DropoutResult<FloatArray>;
  /** The backward pass recomputed from the forward's options: draws the same mask. */
  gradient(grad: FloatArray, options: S & MaskedCall): FloatArray;
}

/**
 * The base of the layers that draw a Bernoulli mask (Dropout, SpatialDropout*, AlphaDropout):
 * their backward pass applies the forward's DropoutMask (`'bits'`), or draws it again from the
 * remembered (seed, stream) (`'recompute'`).
 */
abstract class MaskedLayer<S extends { rate: number }> extends RandomLayer {
  /** The drop probability. */
  readonly rate: number;
  /** What the layer keeps for the backward pass. */
  readonly maskStorage: MaskStorage;
  readonly #ops: MaskedOps<S>;

  protected constructor(layer: LayerName, options: Partial<MaskedLayerOptions>, ops: MaskedOps<S>) {
    const maskStorage = checkChoice(options.maskStorage, 'maskStorage', ['bits', 'recompute'] as const) ?? 'bits';
    super(layer, options);
    this.rate = ops.settings.rate;
    this.maskStorage = maskStorage;
    this.#ops = ops;
  }

  protected override run(x: FloatArray, shape: readonly number[] | undefined, call: LayerCall, out: FloatArray | undefined): Pass {
    const ops = this.#ops;
    // One options object per pass, which the recompute backward reuses with only `out` changed.
    // Object.assign, not spreads: at n = 1e3 spreads cost 3 µs a forward and made each dropout
    // call 2.5 µs slower (V8 keeps such objects off its fast paths); measured Dropout forward 7.4 -> 2.3 µs
    // (8.3 -> 2.9 keeping the mask), recompute backward 4.8 -> 2.2 µs; a dropout call costs 2.0.
    const options = Object.assign({ shape, out }, ops.settings, call);
    const { backend } = call;
    if (call.training && this.maskStorage === 'bits') {
      const { output, mask } = ops.forwardWithMask(x, options);
      return { output, backward: (grad, gradOut) => dropoutBackward(grad, mask, { out: gradOut, backend }) };
    }
    return {
      output: ops.forward(x, options),
      backward: (grad, gradOut) => {
        options.out = gradOut;
        return ops.gradient(grad, options);
      },
    };
  }
}

/**
 * The Bernoulli layers whose mask may be shared along axes (Dropout, AlphaDropout): `noiseShape`
 * or `broadcastDims`, whose entries are checked here and whose fit each forward checks.
 */
abstract class MaskAxesLayer<S extends { rate: number }> extends MaskedLayer<S & MaskAxesOptions> {
  /** The mask's shape, if given. */
  readonly noiseShape: readonly NoiseShapeEntry[] | undefined;
  /** The broadcast axes, if given. */
  readonly broadcastDims: readonly number[] | undefined;

  protected constructor(
    layer: LayerName,
    options: Partial<MaskedLayerOptions & MaskAxesOptions>,
    ops: Omit<MaskedOps<S & MaskAxesOptions>, 'settings'> & { readonly settings: S },
  ) {
    const axes = checkMaskAxes(options, layer);
    super(layer, options, { ...ops, settings: { ...ops.settings, ...axes } });
    this.noiseShape = axes.noiseShape;
    this.broadcastDims = axes.broadcastDims;
  }
}

/**
 * Dropout as a layer: inverted dropout (or classic, with `scaling: 'inference'`), optionally with a
 * mask shared along axes (`noiseShape` or `broadcastDims`, checked against each forward's `shape`).
 *
 * @example
 * const layer = new Dropout({ rate: 0.5, seed: 42 });
 * const y = layer.forward(x);       // step 1: stream 0
 * const dx = layer.backward(dy);    // the same mask
 * layer.forward(x);                 // step 2: stream 1, another mask
 * layer.eval().forward(x) === x;    // true: inference is the identity
 */
export class Dropout extends MaskAxesLayer<{ rate: number; scaling: DropoutScaling }> {
  /** Where survivors are rescaled. */
  readonly scaling: DropoutScaling;

  constructor(options: DropoutLayerOptions) {
    const opts = checkLayerOptions<DropoutLayerOptions>('Dropout', options, ['scaling', ...MASK_AXES_OPTIONS], 'rate');
    const settings = checkSettings(dropout, { rate: opts.rate!, scaling: opts.scaling ?? 'train' });
    super('Dropout', opts, { settings, forward: dropout, forwardWithMask: dropoutWithMask, gradient: dropout });
    this.scaling = settings.scaling;
  }
}

/** Spatial dropout as a layer, in 1, 2 or 3 spatial dimensions. */
abstract class SpatialDropoutLayer extends MaskedLayer<Pick<SpatialDropoutOptions, 'rate' | 'dims' | 'dataFormat'>> {
  /** Where the channel axis is. */
  readonly dataFormat: DataFormat;

  protected constructor(layer: LayerName, dims: 1 | 2 | 3, options: SpatialDropoutLayerOptions) {
    const opts = checkLayerOptions<SpatialDropoutLayerOptions>(layer, options, ['dataFormat', ...MASKED_OPTIONS], 'rate');
    const dataFormat = opts.dataFormat ?? 'channelsLast';
    const settings = { rate: opts.rate!, dims, dataFormat };
    checkSettings(spatialDropout, { ...settings, shape: new Array<number>(dims + 2).fill(0) });
    super(layer, opts, { settings, forward: spatialDropout, forwardWithMask: spatialDropoutWithMask, gradient: spatialDropout });
    this.dataFormat = dataFormat;
  }

  protected override run(x: FloatArray, shape: readonly number[] | undefined, call: LayerCall, out: FloatArray | undefined): Pass {
    requireOption({ shape }, 'shape', `the options of ${this.layer}.forward`);
    return super.run(x, shape, call, out);
  }
}

/**
 * Spatial dropout over sequences: input (N, L, C) (or (N, C, L) with `dataFormat:
 * 'channelsFirst'`), each (sample, channel) kept or dropped over the whole sequence. The forward
 * needs `shape`.
 *
 * @example
 * const layer = new SpatialDropout1D({ rate: 0.2, seed: 1 });
 * const y = layer.forward(x, { shape: [8, 100, 16] });
 */
export class SpatialDropout1D extends SpatialDropoutLayer {
  constructor(options: SpatialDropoutLayerOptions) {
    super('SpatialDropout1D', 1, options);
  }
}

/**
 * Spatial dropout over feature maps: input (N, H, W, C) (or (N, C, H, W) with `dataFormat:
 * 'channelsFirst'`), each (sample, channel) kept or dropped as a whole. The forward needs `shape`.
 *
 * @example
 * const layer = new SpatialDropout2D({ rate: 0.2, dataFormat: 'channelsFirst', seed: 1 });
 * const y = layer.forward(x, { shape: [8, 16, 32, 32] });
 */
export class SpatialDropout2D extends SpatialDropoutLayer {
  constructor(options: SpatialDropoutLayerOptions) {
    super('SpatialDropout2D', 2, options);
  }
}

/**
 * Spatial dropout over volumes: input (N, D, H, W, C) (or (N, C, D, H, W) with `dataFormat:
 * 'channelsFirst'`), each (sample, channel) kept or dropped as a whole. The forward needs `shape`.
 *
 * @example
 * const layer = new SpatialDropout3D({ rate: 0.2, seed: 1 });
 * const y = layer.forward(x, { shape: [2, 8, 8, 8, 4] });
 */
export class SpatialDropout3D extends SpatialDropoutLayer {
  constructor(options: SpatialDropoutLayerOptions) {
    super('SpatialDropout3D', 3, options);
  }
}

/**
 * The backward pass of alpha dropout from (seed, stream), with no stored mask: grad·a where the
 * forward kept the element, +0 where it dropped it (the forward's affine map does not apply to
 * gradients), the mask drawn exactly as the forward drew it.
 */
function alphaDropoutGradient(grad: FloatArray, options: AlphaDropoutOptions): FloatArray {
  const fn = 'AlphaDropout.backward';
  const { rate } = options;
  const op = { rate, transform: { scale: alphaDropoutCoefficients(rate).a, shift: null, dropValue: 0 }, inferenceFactor: 1 };
  return runMasked(planCall(grad, options, fn), planMask(options, grad.length, fn), op, false).output;
}

/**
 * Alpha dropout as a layer, for self-normalising (SELU) networks: rate in [0, 1), optionally
 * with a mask shared along axes.
 *
 * @example
 * const layer = new AlphaDropout({ rate: 0.1, seed: 3, maskStorage: 'recompute' });
 * const y = layer.forward(x);
 * const dx = layer.backward(dy); // grad·a where kept, 0 where dropped
 */
export class AlphaDropout extends MaskAxesLayer<{ rate: number }> {
  constructor(options: AlphaDropoutLayerOptions) {
    const opts = checkLayerOptions<AlphaDropoutLayerOptions>('AlphaDropout', options, MASK_AXES_OPTIONS, 'rate');
    const settings = checkSettings(alphaDropout, { rate: opts.rate! });
    super('AlphaDropout', opts, { settings, forward: alphaDropout, forwardWithMask: alphaDropoutWithMask, gradient: alphaDropoutGradient });
  }
}

/**
 * Gaussian dropout as a layer: multiplicative noise N(1, rate / (1 - rate)). The backward pass
 * regenerates the forward's noise from its (seed, stream), so it stores no per-element memory.
 * `shape` is accepted (and checked) for uniformity with the other layers.
 *
 * @example
 * const layer = new GaussianDropout({ rate: 0.2, seed: 5 });
 * const y = layer.forward(x);
 * const dx = layer.backward(dy); // dy times the same noise
 */
export class GaussianDropout extends RandomLayer {
  /** The equivalent drop probability. */
  readonly rate: number;

  constructor(options: GaussianDropoutLayerOptions) {
    const opts = checkLayerOptions<GaussianDropoutLayerOptions>('GaussianDropout', options, ['rate', ...LAYER_OPTIONS], 'rate');
    const { rate } = checkSettings(gaussianDropout, { rate: opts.rate! });
    super('GaussianDropout', opts);
    this.rate = rate;
  }

  protected override run(x: FloatArray, _shape: unknown, call: LayerCall, out: FloatArray | undefined): Pass {
    const options = Object.assign({ rate: this.rate, out }, call);  // not a spread: see MaskedLayer.run
    if (!call.training) return { output: gaussianDropout(x, options), backward: identity };
    const { output, noise } = gaussianDropoutWithNoise(x, options);
    return { output, backward: (grad, gradOut) => gaussianDropoutBackward(grad, noise, { out: gradOut, backend: call.backend }) };
  }
}

/**
 * Additive Gaussian noise as a layer: x + stddev·z in training, the identity in inference. Its
 * backward pass is always the identity. `shape` is accepted (and checked) for uniformity.
 *
 * @example
 * const layer = new GaussianNoise({ stddev: 0.1, seed: 5 });
 * const y = layer.forward(x);
 * layer.backward(dy) === dy; // true
 */
export class GaussianNoise extends RandomLayer {
  /** The standard deviation of the noise. */
  readonly stddev: number;

  constructor(options: GaussianNoiseLayerOptions) {
    const opts = checkLayerOptions<GaussianNoiseLayerOptions>('GaussianNoise', options, ['stddev', ...LAYER_OPTIONS], 'stddev');
    const { stddev } = checkSettings(gaussianNoise, { stddev: opts.stddev! });
    super('GaussianNoise', opts);
    this.stddev = stddev;
  }

  protected override run(x: FloatArray, _shape: unknown, call: LayerCall, out: FloatArray | undefined): Pass {
    return { output: gaussianNoise(x, Object.assign({ stddev: this.stddev, out }, call)), backward: identity };
  }
}
