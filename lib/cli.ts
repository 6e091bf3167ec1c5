#!/usr/bin/env node
/**
 * The `simd-dropout` command. `simd-dropout rng --seed S [--stream T] [--offset O] [--count N]`
 * writes the raw Philox4x32-10 words masks are drawn from to standard output, as little-endian
 * uint32 — endless without --count — for statistical test suites such as `dieharder -g 200`.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { philoxWords } from './random.js';

const USAGE = `Usage: simd-dropout rng --seed S [--stream T] [--offset O] [--count N] [--backend native|js]
  Writes raw Philox4x32-10 words (little-endian uint32) of (seed, stream) from word offset O to
  standard output; without --count it writes until the reader closes the pipe.`;

/** Words per write: 4 MiB, large enough that the generator, not the pipe, sets the pace. */
const CHUNK_WORDS = 1 << 20;

function parseInteger(text: string | undefined, name: string): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) throw new RangeError(`Expected an integer for --${name} but received '${text}'`);
  return BigInt(text);
}

async function rng(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seed: { type: 'string' },
      stream: { type: 'string' },
      offset: { type: 'string' },
      count: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  const seed = parseInteger(values.seed, 'seed');
  if (seed === undefined) throw new RangeError('Missing --seed');
  const stream = parseInteger(values.stream, 'stream') ?? 0n;
  let offset = parseInteger(values.offset, 'offset') ?? 0n;
  const count = parseInteger(values.count, 'count');
  const backend = values.backend as 'native' | 'js' | undefined;
  const words = new Uint32Array(CHUNK_WORDS);
  const bytes = new Uint8Array(words.buffer);
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // the reader has what it wanted: a closed pipe ends the stream, anything else is an error
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  for (let written = 0n; !closed && (count === undefined || written < count); ) {
    const length = count === undefined || count - written >= BigInt(CHUNK_WORDS) ? CHUNK_WORDS : Number(count - written);
    const chunk = words.subarray(0, length);
    philoxWords(chunk, { seed, stream, offset, backend });
    // little-endian bytes on every host: the machine's order only where it is little-endian
    const out = Buffer.from(bytes.subarray(0, length * 4));
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) out.swap32();
    // a write error (EPIPE) rejects the wait; the 'error' handler above has already dealt with it
    if (!process.stdout.write(out)) await once(process.stdout, 'drain').catch(() => undefined);
    written += BigInt(length);
    offset += BigInt(length);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === 'rng') return rng(args);
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`simd-dropout: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exitCode = 2;
});
