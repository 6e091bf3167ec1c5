/**
 * simd-dropout: fast, exact, reproducible dropout for Float32Array and Float64Array.
 *
 * @packageDocumentation
 */
export { dropout, dropoutWithMask, dropoutBackward } from './dropout.js';
export type { DropoutOptions, DropoutBackwardOptions, DropoutResult } from './dropout.js';
export { DropoutMask } from './mask.js';
export type { FloatDtype } from './mask.js';
export { Generator } from './generator.js';
export type { GeneratorOptions, GeneratorState, Uint64Like } from './generator.js';
export { info } from './info.js';
export type { Info } from './info.js';
export type { FloatArray } from './backend/types.js';
export type { BackendName } from './backend/select.js';
export type { NoiseShapeEntry } from './shape.js';
export { philoxWords } from './random.js';
export type { PhiloxWordsOptions } from './random.js';
