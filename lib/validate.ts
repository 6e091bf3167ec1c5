/**
 * Every argument check and error message of the public API, in one place. Each check throws a
 * TypeError (wrong kind of value) or a RangeError (right kind, wrong value) whose message names
 * the argument and what was expected, and each runs before anything is written or any
 * randomness is consumed.
 */
import type { FloatArray } from './backend/types.js';

/** 2**64 - 1, the largest seed, stream and offset. */
export const UINT64_MAX = (1n << 64n) - 1n;

/** A short, readable rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  const name = (value as object).constructor?.name;
  return name ? `${/^(?:[AEIO]|U(?!int))/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
}

/** The typed arrays the API reads and writes. */
type TypedArray = FloatArray | Uint32Array;

/** %TypedArray%.prototype.includes, taken once: it throws a TypeError for a view without memory. */
const typedArrayIncludes = Object.getPrototypeOf(Int8Array.prototype).includes as (this: TypedArray, value: number) => boolean;

/** Whether `buffer` is detached (ArrayBuffer.prototype.detached where Node has it, from Node 22). */
function isDetached(buffer: ArrayBufferLike): boolean {
  const detached = (buffer as { detached?: unknown }).detached;
  if (typeof detached === 'boolean') return detached;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks that `value` is a typed array `accepts` allows (`expected` names the types) and that it
 * has memory. A view over a detached ArrayBuffer (transferred with postMessage, structuredClone or
 * `transfer()`) and a view past the end of a shrunk resizable ArrayBuffer both read as length 0:
 * they are a TypeError, not an empty array. Only length 0 needs that second look, so the check
 * costs a type test and a length read. Views over a SharedArrayBuffer (growable or not) and over a
 * resizable ArrayBuffer (fixed-length or length-tracking) pass: a synchronous call reads each
 * length once and nothing can resize the buffer before it returns (async calls also check
 * checkFixedLength).
 */
export function checkTypedArray<T extends TypedArray>(
  value: unknown,
  name: string,
  accepts: (value: unknown) => value is T,
  expected: string,
): T {
  if (!accepts(value)) throw new TypeError(`Expected ${expected} for ${name} but received ${describe(value)}`);
  if (value.length === 0) {
    try {
      typedArrayIncludes.call(value, 0);
    } catch {
      const where = isDetached(value.buffer) ? 'over a detached ArrayBuffer' : 'out of the bounds of its shrunk ArrayBuffer';
      throw new TypeError(`Expected ${expected} for ${name} but received ${describe(value)} ${where}`);
    }
  }
  return value;
}

function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

function isUint32Array(value: unknown): value is Uint32Array {
  return value instanceof Uint32Array;
}

/** Checks that `value` is a Float32Array or Float64Array with memory (see checkTypedArray). */
export function checkFloatArray(value: unknown, name: string): FloatArray {
  return checkTypedArray(value, name, isFloatArray, 'a Float32Array or Float64Array');
}

/** Checks that `value` is a Uint32Array with memory (see checkTypedArray). */
export function checkUint32Array(value: unknown, name: string): Uint32Array {
  return checkTypedArray(value, name, isUint32Array, 'a Uint32Array');
}

/**
 * The error for a number argument that failed its check: a TypeError when `value` is not a number,
 * else a RangeError, both saying `Expected <expected> for <name>`. Every number check of the API
 * throws it (the checks test inline, so a valid call allocates nothing).
 */
export function numberError(value: unknown, name: string, expected: string): TypeError | RangeError {
  const message = `Expected ${expected} for ${name} but received ${describe(value)}`;
  return typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

/** Checks an integer >= `min` (a safe integer: NaN, ±Infinity and fractions are RangeErrors). */
export function checkInteger(value: unknown, name: string, min: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  throw numberError(value, name, `an integer >= ${min}`);
}

/**
 * Checks a drop probability: a number in [0, 1] — or in [0, 1) when `whyNotOne` is given, the
 * reason a rate of 1 is a RangeError.
 */
export function checkRate(value: unknown, name = 'rate', whyNotOne?: string): number {
  if (!(typeof value === 'number' && value >= 0 && value <= 1)) throw numberError(value, name, 'a number in [0, 1]');
  if (value === 1 && whyNotOne !== undefined) {
    throw new RangeError(`Expected a number in [0, 1) for ${name} but received 1: ${whyNotOne}`);
  }
  return value;
}

/** Checks an optional boolean, returning `fallback` when it is undefined. */
export function checkBoolean(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`Expected a boolean for ${name} but received ${describe(value)}`);
  }
  return value;
}

/**
 * Checks a 64-bit unsigned integer given as a safe-integer number or a bigint (seeds, streams,
 * offsets) and returns it as a bigint.
 */
export function checkUint64(value: unknown, name: string, max: bigint = UINT64_MAX): bigint {
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= max) return value;
  } else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    const wide = BigInt(value);
    if (wide <= max) return wide;
  }
  // the message only when throwing: building it (a bigint to text) costs more than the checks
  const message = `Expected an integer in [0, ${max}] (a safe-integer number or a bigint) for ${name} but received ${describe(value)}`;
  throw typeof value === 'bigint' || typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

/**
 * Checks the global index of the first of `count` consecutive mask elements or words, so that the
 * last one's index stays within 64 bits.
 */
export function checkOffset(value: unknown, count: number): bigint {
  const offset = value === undefined ? 0n : checkUint64(value, 'offset');
  // below 2**63 no count (at most 2**53) can reach 2**64: skip the bigint sum
  if (count > 0 && offset >= 1n << 63n && offset + BigInt(count) - 1n > UINT64_MAX) {
    throw new RangeError(`Expected offset + ${count} elements to stay within 2**64 but offset is ${offset}`);
  }
  return offset;
}

/** Checks that an options argument is undefined or a plain object with only the known keys. */
export function checkOptions<T extends object>(
  value: unknown,
  name: string,
  knownKeys: readonly string[],
): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected an object for ${name} but received ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!knownKeys.includes(key)) {
      throw new TypeError(`Unknown option '${key}' in ${name}; expected one of: ${knownKeys.join(', ')}`);
    }
  }
  return value as Partial<T>;
}

/** Checks that an options object has `key` (a required option). */
export function requireOption(options: object, key: string, name: string): unknown {
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined) throw new TypeError(`Missing required option '${key}' in ${name}`);
  return value;
}

/**
 * Checks an `out` argument against its input: same type, same length, and either the very same
 * array (in place) or a view that does not overlap the input's memory.
 */
export function checkOut(value: unknown, input: FloatArray, inputName: string): FloatArray {
  if (value === undefined) return new (input.constructor as new (n: number) => FloatArray)(input.length);
  const out = checkFloatArray(value, 'out');
  if (out.constructor !== input.constructor) {
    throw new TypeError(
      `Expected out to be a ${input.constructor.name} like ${inputName} but received ${describe(out)}`,
    );
  }
  if (out.length !== input.length) {
    throw new RangeError(
      `Expected out to have the length of ${inputName} (${input.length}) but its length is ${out.length}`,
    );
  }
  if (overlapOf(out, input) === 'partial') {
    throw new RangeError(
      `Expected out to be ${inputName} itself or not to overlap it, but it overlaps ${inputName} partly ` +
        `(bytes ${out.byteOffset}..${out.byteOffset + out.byteLength} and ${input.byteOffset}..${input.byteOffset + input.byteLength} of one buffer)`,
    );
  }
  return out;
}

/** Checks that a value is one of a fixed set of strings. */
export function checkChoice<T extends string>(
  value: unknown,
  name: string,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  const expected = choices.map((c) => `'${c}'`).join(' or ');
  if (typeof value !== 'string') {
    throw new TypeError(`Expected ${expected} for ${name} but received ${describe(value)}`);
  }
  throw new RangeError(`Expected ${expected} for ${name} but received ${describe(value)}`);
}

/**
 * Checks a call's `threads` option: undefined (the process default), or an integer >= 1, the most
 * threads the native backend runs the call on. More than the cores is allowed and means all of
 * them; the result is the same for every count.
 */
export function checkThreads(value: unknown): number | undefined {
  return value === undefined ? undefined : checkInteger(value, 'threads', 1);
}

/**
 * How two arrays share memory: `'none'`, `'same'` (the same bytes: in place) or `'partial'`
 * (overlapping bytes that are not the same range, which no kernel allows). Empty arrays share none.
 */
export function overlapOf(a: ArrayBufferView, b: ArrayBufferView): 'none' | 'same' | 'partial' {
  if (a === b) return 'same';
  if (a.byteLength === 0 || b.byteLength === 0 || a.buffer !== b.buffer) return 'none';
  if (a.byteOffset === b.byteOffset && a.byteLength === b.byteLength) return 'same';
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength ? 'partial' : 'none';
}

/**
 * Checks that an array given to an async call has a fixed-length buffer: shrinking a resizable
 * ArrayBuffer can decommit the memory the call is still writing. (A synchronous call takes any
 * view: nothing can resize the buffer before it returns.) A growable SharedArrayBuffer never
 * shrinks and is accepted.
 */
export function checkFixedLength(array: ArrayBufferView, name: string, fn: string): void {
  // a SharedArrayBuffer has `growable`, not `resizable`
  if ((array.buffer as { resizable?: boolean }).resizable === true) {
    throw new TypeError(
      `Expected ${name} to be backed by a fixed-length ArrayBuffer for ${fn} but it is resizable (an async call cannot keep it from shrinking)`,
    );
  }
}
