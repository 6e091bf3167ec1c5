/**
 * Shapes, noise shapes (Keras semantics) and the broadcast layout the kernels walk.
 */
import type { BroadcastLayout } from './backend/types.js';
import { describe } from './validate.js';

/** The most axes a shape may have; the native kernels keep a fixed-size odometer. */
export const MAX_RANK = 32;

/** A noise shape entry: 1 (broadcast), the input's size on that axis, or null (take it). */
export type NoiseShapeEntry = number | null;

function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

function checkAxes(value: unknown, name: string, allowNull: boolean): readonly NoiseShapeEntry[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`Expected an array of non-negative integers for ${name} but received ${describe(value)}`);
  }
  if (value.length === 0 || value.length > MAX_RANK) {
    throw new RangeError(`Expected ${name} to have 1 to ${MAX_RANK} axes but it has ${value.length}`);
  }
  value.forEach((entry: unknown, axis) => {
    if (entry === null && allowNull) return;
    if (typeof entry !== 'number') {
      throw new TypeError(
        `Expected ${name}[${axis}] to be a non-negative integer${allowNull ? ' or null' : ''} but received ${describe(entry)}`,
      );
    }
    if (!Number.isSafeInteger(entry) || entry < 0) {
      throw new RangeError(
        `Expected ${name}[${axis}] to be a non-negative integer${allowNull ? ' or null' : ''} but received ${describe(entry)}`,
      );
    }
  });
  return value as readonly NoiseShapeEntry[];
}

/**
 * The logical shape of an input of `length` elements: `shape` when given (its product must be
 * `length`), else `[length]`.
 */
export function resolveShape(shape: unknown, length: number, name = 'shape'): readonly number[] {
  if (shape === undefined) return [length];
  const axes = checkAxes(shape, name, false) as readonly number[];
  const size = axes.reduce((product, d) => product * d, 1);
  if (size !== length) {
    throw new RangeError(
      `Expected ${name} ${formatShape(axes)} to have ${length} elements (the input's length) but it has ${size}`,
    );
  }
  return [...axes];
}

/**
 * The mask's shape for input shape `shape`: `noiseShape` with null entries replaced by the
 * input's size, every entry 1 or equal to the input's size on its axis. Without a noise shape the
 * mask has the input's shape.
 */
export function resolveNoiseShape(noiseShape: unknown, shape: readonly number[]): readonly number[] {
  if (noiseShape === undefined) return shape;
  const axes = checkAxes(noiseShape, 'noiseShape', true);
  const mismatch = () =>
    new RangeError(
      `Expected noiseShape ${formatShape(axes)} to match shape ${formatShape(shape)}: the same rank, ` +
        `each entry 1, null or the size of that axis`,
    );
  if (axes.length !== shape.length) throw mismatch();
  return axes.map((d, axis) => {
    if (d === null) return shape[axis]!;
    if (d !== 1 && d !== shape[axis]) throw mismatch();
    return d;
  });
}

/** The number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1);
}

/** True when the mask covers the input one to one, so the fused kernel applies. */
export function isElementwise(shape: readonly number[], noiseShape: readonly number[]): boolean {
  return shape.every((d, axis) => d === noiseShape[axis] || d === 1);
}

/**
 * The layout that maps input elements (row-major over `shape`) onto mask elements (row-major
 * over `noiseShape`): axes of length 1 are dropped and neighbouring axes of the same kind
 * (broadcast or not) merged, so the kernels walk as few, as long runs as possible.
 */
export function broadcastLayout(shape: readonly number[], noiseShape: readonly number[]): BroadcastLayout {
  const dims: number[] = [];
  const maskStrides: number[] = [];
  let maskStride = 1;
  let previousBroadcast: boolean | undefined;
  // walk from the innermost axis outwards, so mask strides accumulate as in row-major order
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    if (size === 1) continue;
    const broadcast = noiseShape[axis] === 1;
    if (broadcast === previousBroadcast) {
      dims[0]! *= size;
    } else {
      dims.unshift(size);
      maskStrides.unshift(broadcast ? 0 : maskStride);
    }
    if (!broadcast) maskStride *= size;
    previousBroadcast = broadcast;
  }
  if (dims.length === 0) return { dims: [shapeSize(shape)], maskStrides: [0] };
  return { dims, maskStrides };
}

/**
 * The noise shape for Flax-style `broadcastDims`: `shape` with 1 on the listed axes (negative
 * axes count from the end), so the mask is shared along them.
 */
export function noiseShapeFromBroadcastDims(broadcastDims: unknown, shape: readonly number[]): readonly number[] {
  if (!Array.isArray(broadcastDims)) {
    throw new TypeError(`Expected an array of axes for broadcastDims but received ${describe(broadcastDims)}`);
  }
  const rank = shape.length;
  const axes = new Set<number>();
  broadcastDims.forEach((axis: unknown, index) => {
    if (typeof axis !== 'number') {
      throw new TypeError(`Expected broadcastDims[${index}] to be an integer axis but received ${describe(axis)}`);
    }
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new RangeError(
        `Expected broadcastDims[${index}] to be an axis of shape ${formatShape(shape)} (an integer in [${-rank}, ${rank - 1}]) but received ${describe(axis)}`,
      );
    }
    const normalized = axis < 0 ? axis + rank : axis;
    if (axes.has(normalized)) {
      throw new RangeError(`Expected broadcastDims to name each axis once but axis ${normalized} appears twice`);
    }
    axes.add(normalized);
  });
  return shape.map((d, axis) => (axes.has(axis) ? 1 : d));
}

export { formatShape };
