/**
 * Raw Philox4x32-10 words: the very stream masks are drawn from, for statistical testing of the
 * generator and for users who want reproducible uint32s that match their masks.
 */
import { BACKEND_NAMES, selectBackend, type BackendName } from './backend/select.js';
import { maskStream, type Uint64Like } from './generator.js';
import { checkChoice, checkOffset, checkOptions, checkThreads, checkUint32Array, checkUint64, requireOption } from './validate.js';

/** Options of `philoxWords`. */
export interface PhiloxWordsOptions {
  /** The seed (Philox key), 0 to 2**64 - 1. */
  seed: Uint64Like;
  /** The stream id (default 0). */
  stream?: Uint64Like;
  /** The global index of the first word (default 0): word `g` is word `g & 3` of block `g >> 2`. */
  offset?: Uint64Like;
  /** Run on this backend instead of the process default. */
  backend?: BackendName;
  /** Native backend: the most threads this call runs on (see RandomOpOptions). */
  threads?: number;
}

const OPTIONS = ['seed', 'stream', 'offset', 'backend', 'threads'] as const;

/**
 * Fills `out` with the Philox4x32-10 words of `(seed, stream)` starting at word `offset`. Mask
 * element `g` of a dropout call with the same seed and stream is dropped iff word `g` is below
 * `Math.round(rate * 2**32)`.
 *
 * @example
 * const words = philoxWords(new Uint32Array(8), { seed: 42, stream: 0 });
 */
export function philoxWords(out: Uint32Array, options: PhiloxWordsOptions): Uint32Array {
  checkUint32Array(out, 'out');
  const opts = checkOptions<PhiloxWordsOptions>(options, 'the options of philoxWords', OPTIONS);
  const seed = checkUint64(requireOption(opts, 'seed', 'the options of philoxWords'), 'seed');
  const stream = opts.stream === undefined ? 0n : checkUint64(opts.stream, 'stream');
  const offset = checkOffset(opts.offset, out.length);
  const backend = selectBackend(checkChoice(opts.backend, 'backend', BACKEND_NAMES), out.length);
  backend.randomWords(out, maskStream(seed, stream, offset, 0), checkThreads(opts.threads));
  return out;
}
