/**
 * Spatial dropout: whole channels are dropped. The mask is (N, C), broadcast over the spatial
 * axes, in 1, 2 or 3 spatial dimensions and both data formats.
 */
import type { FloatArray } from './backend/types.js';
import { runDropout, type DropoutOptions, type DropoutResult } from './dropout.js';
import { formatShape, resolveShape } from './shape.js';
import { checkChoice, checkFloatArray, checkOptions, numberError, requireOption } from './validate.js';

/** Where the channel axis is: last, (N, ...spatial, C) as in Keras and TF, or first after the batch, (N, C, ...spatial) as in PyTorch. */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/** Options of `spatialDropout`. */
export interface SpatialDropoutOptions extends Omit<DropoutOptions, 'noiseShape' | 'broadcastDims' | 'shape'> {
  /** The input's shape: rank `dims + 2`, (N, ...spatial, C) or (N, C, ...spatial). */
  shape: readonly number[];
  /** The number of spatial axes: 1, 2 or 3. */
  dims: 1 | 2 | 3;
  /** `'channelsLast'` (default) or `'channelsFirst'`. */
  dataFormat?: DataFormat;
}

const SPATIAL_OPTIONS = [
  'rate', 'scaling', 'shape', 'dims', 'dataFormat', 'training', 'seed', 'generator', 'stream', 'offset', 'out', 'backend',
  'threads',
];

/** The (N, C) mask's noise shape for `shape`, after checking its rank against `dims`. */
function spatialNoiseShape(x: FloatArray, options: SpatialDropoutOptions, fn: string): number[] {
  const dims = requireOption(options, 'dims', `the options of ${fn}`);
  if (dims !== 1 && dims !== 2 && dims !== 3) throw numberError(dims, 'dims', '1, 2 or 3');
  const dataFormat = checkChoice(options.dataFormat, 'dataFormat', ['channelsLast', 'channelsFirst'] as const) ?? 'channelsLast';
  const shape = resolveShape(requireOption(options, 'shape', `the options of ${fn}`), x.length);
  if (shape.length !== dims + 2) {
    const layout = dataFormat === 'channelsLast' ? `(N, ${'S, '.repeat(dims)}C)` : `(N, C${', S'.repeat(dims)})`;
    throw new RangeError(
      `Expected shape of rank ${dims + 2} ${layout} for ${dims}D spatial dropout but received shape ${formatShape(shape)} of rank ${shape.length}`,
    );
  }
  const channelAxis = dataFormat === 'channelsLast' ? shape.length - 1 : 1;
  return shape.map((d, axis) => (axis === 0 || axis === channelAxis ? d : 1));
}

function spatialToDropoutOptions(x: unknown, options: SpatialDropoutOptions, fn: string): [FloatArray, DropoutOptions] {
  const input = checkFloatArray(x, 'x');
  const opts = checkOptions<SpatialDropoutOptions>(options, `the options of ${fn}`, SPATIAL_OPTIONS) as SpatialDropoutOptions;
  const noiseShape = spatialNoiseShape(input, opts, fn);
  // every SPATIAL_OPTIONS key but dims and dataFormat, as a literal: a rest-and-spread copy made
  // each call 3 µs slower (1024 elements: 7.2 -> 4.0 µs), V8 keeping such objects off its fast paths
  const { rate, scaling, shape, training, seed, generator, stream, offset, out, backend, threads } = opts;
  return [input, { rate, scaling, shape, noiseShape, training, seed, generator, stream, offset, out, backend, threads }];
}

/**
 * Spatial dropout (Keras SpatialDropout1D/2D/3D, PyTorch Dropout1d/2d/3d): each (sample,
 * channel) pair is kept or dropped as a whole, across all its spatial positions. A shape of the
 * wrong rank is a RangeError (PyTorch silently falls back to 1D on a 3-D input to Dropout2d).
 *
 * @example
 * // NHWC feature maps: batch 8, 32 x 32, 16 channels
 * const y = spatialDropout(x, { rate: 0.2, shape: [8, 32, 32, 16], dims: 2, seed: 1 });
 */
export function spatialDropout<T extends FloatArray>(x: T, options: SpatialDropoutOptions): T {
  const [input, dropoutOptions] = spatialToDropoutOptions(x, options, 'spatialDropout');
  return runDropout(input, dropoutOptions, 'spatialDropout', false).output as T;
}

/**
 * Like `spatialDropout`, and also returns the (N, C) mask for `dropoutBackward`.
 */
export function spatialDropoutWithMask<T extends FloatArray>(x: T, options: SpatialDropoutOptions): DropoutResult<T> {
  const [input, dropoutOptions] = spatialToDropoutOptions(x, options, 'spatialDropoutWithMask');
  return runDropout(input, dropoutOptions, 'spatialDropoutWithMask', true) as DropoutResult<T>;
}
