/**
 * simd-dropout: fast, exact, reproducible dropout for Float32Array and Float64Array.
 *
 * @packageDocumentation
 */
export { dropout, dropoutWithMask, dropoutBackward, dropoutAsync, dropoutWithMaskAsync, dropoutBackwardAsync } from './dropout.js';
export type { DropoutOptions, DropoutBackwardOptions, DropoutResult, DropoutScaling, MaskShapeOptions } from './dropout.js';
export { spatialDropout, spatialDropoutWithMask } from './spatial.js';
export type { SpatialDropoutOptions, DataFormat } from './spatial.js';
export { alphaDropout, alphaDropoutWithMask, alphaDropoutCoefficients, ALPHA_PRIME } from './alpha.js';
export type { AlphaDropoutOptions } from './alpha.js';
export { gaussianDropout, gaussianDropoutWithNoise, gaussianDropoutBackward, gaussianNoise, NoiseRecord } from './gaussian.js';
export type { GaussianDropoutOptions, GaussianNoiseOptions, GaussianDropoutResult, NoiseBackwardOptions } from './gaussian.js';
export { biasDropoutAdd, biasDropoutAddWithMask, biasDropoutAddBackward } from './fused.js';
export type { BiasDropoutAddOptions, BiasDropoutAddGradients } from './fused.js';
export type { RandomOpOptions } from './plan.js';
export { DropoutMask } from './mask.js';
export type { FloatDtype } from './mask.js';
export { Generator } from './generator.js';
export type { GeneratorOptions, GeneratorState, Uint64Like } from './generator.js';
export { info } from './info.js';
export { setThreads } from './threads.js';
export type { Info } from './info.js';
export type { FloatArray } from './backend/types.js';
export type { BackendName } from './backend/select.js';
export type { NoiseShapeEntry } from './shape.js';
export { philoxWords } from './random.js';
export type { PhiloxWordsOptions } from './random.js';
export { Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, AlphaDropout, GaussianDropout, GaussianNoise, RandomLayer } from './layers.js';
export type {
  LayerName,
  MaskStorage,
  LayerOptions,
  MaskedLayerOptions,
  MaskAxesOptions,
  DropoutLayerOptions,
  SpatialDropoutLayerOptions,
  AlphaDropoutLayerOptions,
  GaussianDropoutLayerOptions,
  GaussianNoiseLayerOptions,
  LayerForwardOptions,
  LayerBackwardOptions,
  LayerState,
} from './layers.js';
export { mcDropout } from './mc.js';
export type { McDropoutOptions, McDropoutResult, McForward, McAsyncForward } from './mc.js';
