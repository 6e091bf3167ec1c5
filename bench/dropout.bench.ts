/**
 * Benchmark of simd-dropout: `dropout` and `dropoutBackward` on float32 at rate 0.5, on the native
 * and the JS backend, next to `Float32Array.prototype.set` (a plain copy: the memory-bandwidth
 * limit), at the same sizes in the same run.
 *
 * Prints the Markdown table to stdout (progress goes to stderr) and writes
 * bench/results/latest.json and bench/results/latest.md (made from the JSON).
 *
 * Usage: node bench/dist/dropout.bench.js [--quick]
 * `--quick` or BENCH_QUICK=1: n up to 1e5 and fewer samples, for a smoke test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { measure } from 'mitata';
import { dropout, dropoutBackward, dropoutWithMask, info, type BackendName, type DropoutMask } from 'simd-dropout';
import { describeMachine } from './machine.js';
import { renderMarkdown, type BenchResults, type Measurement, type NativeStatus, type Operation } from './report.js';

const RATE = 0.5;
// a fixed seed and stream: every call draws the same mask, so every iteration does the same work
const SEED = 42;
const STREAM = 7;

/** Which sizes to run and how long to measure each row. */
interface Budget {
  readonly sizes: readonly number[];
  readonly minSamples: number;
  readonly minTimeMs: number;
}

// the JS backend does ~50 M elements/s, so n = 1.6e7 takes ~0.3 s a call: min_samples bounds that row
const FULL_BUDGET: Budget = { sizes: [1e3, 1e4, 1e5, 1e6, 1.6e7], minSamples: 12, minTimeMs: 500 };
const QUICK_BUDGET: Budget = { sizes: [1e3, 1e4, 1e5], minSamples: 4, minTimeMs: 50 };

/** Bytes a call reads plus writes per element: float32 in and out, plus one mask bit backward. */
const BYTES_PER_ELEMENT: Readonly<Record<Operation, number>> = {
  forward: 2 * Float32Array.BYTES_PER_ELEMENT,
  backward: 2 * Float32Array.BYTES_PER_ELEMENT + 1 / 8,
  copy: 2 * Float32Array.BYTES_PER_ELEMENT,
};

/** One row of the table: an operation on one backend (the copy has none). */
type Kernel =
  | { readonly operation: 'forward' | 'backward'; readonly backend: BackendName }
  | { readonly operation: 'copy'; readonly backend: null };

/** The arrays of one size. `x` doubles as the gradient backward: the values do not change the work. */
interface Arrays {
  readonly x: Float32Array;
  readonly out: Float32Array;
  readonly mask: DropoutMask;
}

const RESULTS_DIR = new URL('../results/', import.meta.url);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The call a row times. Its options object is built here, once, so the timed call is the library call alone. */
function timedCall(kernel: Kernel, { x, out, mask }: Arrays): () => unknown {
  switch (kernel.operation) {
    case 'forward': {
      const options = { rate: RATE, seed: SEED, stream: STREAM, out, backend: kernel.backend };
      return () => dropout(x, options);
    }
    case 'backward': {
      const options = { out, backend: kernel.backend };
      return () => dropoutBackward(x, mask, options);
    }
    case 'copy':
      return () => out.set(x);
  }
}

/** Probes the native backend with one tiny call; unavailable is a result, not a failure. */
function probeNative(): NativeStatus {
  try {
    dropout(new Float32Array(1), { rate: RATE, seed: SEED, backend: 'native' });
    return { available: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_SIMD_DROPOUT_NATIVE_UNAVAILABLE') throw error;
    return { available: false, reason: info().loadError ?? (error as Error).message };
  }
}

function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * Runs the operation once on each backend and requires bit-identical outputs: a speed-up is only
 * meaningful between calls that do the same work.
 */
function assertBackendsAgree(operation: 'forward' | 'backward', { x, mask }: Arrays): void {
  const [jsOut, nativeOut] = [new Float32Array(x.length), new Float32Array(x.length)];
  timedCall({ operation, backend: 'js' }, { x, out: jsOut, mask })();
  timedCall({ operation, backend: 'native' }, { x, out: nativeOut, mask })();
  if (!sameBytes(jsOut, nativeOut)) {
    throw new Error(`The native ${operation} output differs from the JS one at n = ${x.length}; not benchmarking different work`);
  }
}

function prepareArrays(n: number): Arrays {
  // finite values of both signs; dropout's cost does not depend on them
  const x = Float32Array.from({ length: n }, (_, i) => (i % 1000) / 500 - 1);
  const { output, mask } = dropoutWithMask(x, { rate: RATE, seed: SEED, stream: STREAM, backend: 'js' });
  // the forward output is a ready, already-touched array of the right size; every timed call overwrites it
  return { x, out: output, mask };
}

async function measureKernel(kernel: Kernel, arrays: Arrays, budget: Budget): Promise<Measurement> {
  const n = arrays.x.length;
  const stats = await measure(timedCall(kernel, arrays), {
    min_samples: budget.minSamples,
    min_cpu_time: budget.minTimeMs * 1e6,
  });
  const row = `${kernel.operation} ${kernel.backend ?? ''}`.padEnd(16);
  log(`  ${row} n=${n}: p50 ${(stats.p50 / 1e3).toFixed(1)} µs (${stats.samples.length} samples)`);
  return {
    operation: kernel.operation,
    backend: kernel.backend,
    n,
    bytesPerElement: BYTES_PER_ELEMENT[kernel.operation],
    p50Ns: stats.p50,
    p25Ns: stats.p25,
    p75Ns: stats.p75,
    samples: stats.samples.length,
    iterations: stats.ticks,
  };
}

/** The SIMD_DROPOUT_* variables in effect: they can pin the backend or the ISA being measured. */
function packageEnvironment(): Record<string, string> {
  const variables = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[0].startsWith('SIMD_DROPOUT_') && entry[1] !== undefined,
  );
  return Object.fromEntries(variables);
}

async function main(): Promise<void> {
  const mode = process.argv.includes('--quick') || process.env['BENCH_QUICK'] === '1' ? 'quick' : 'full';
  const budget = mode === 'quick' ? QUICK_BUDGET : FULL_BUDGET;
  const date = new Date().toISOString();
  const machine = describeMachine();
  const native = probeNative();
  log(`simd-dropout benchmark, ${mode} mode; info(): ${JSON.stringify(info())}`);
  if (!native.available) log(`NATIVE BACKEND UNAVAILABLE, measuring JS only. Reason: ${native.reason}`);

  const backends: BackendName[] = native.available ? ['native', 'js'] : ['js'];
  const kernels: Kernel[] = [
    { operation: 'copy', backend: null },
    ...(['forward', 'backward'] as const).flatMap((operation) => backends.map((backend) => ({ operation, backend }))),
  ];

  const measurements: Measurement[] = [];
  for (const n of budget.sizes) {
    log(`n = ${n}`);
    const arrays = prepareArrays(n);
    if (native.available) {
      assertBackendsAgree('forward', arrays);
      assertBackendsAgree('backward', arrays);
    }
    // all rows of one size run back to back, so their ratios share the machine's state
    for (const kernel of kernels) measurements.push(await measureKernel(kernel, arrays, budget));
  }

  const { version: mitataVersion } = createRequire(import.meta.url)('mitata/package.json') as { version: string };
  const results: BenchResults = {
    schemaVersion: 1,
    date,
    mode,
    machine,
    node: { version: process.version, v8: process.versions.v8 },
    harness: `mitata ${mitataVersion}`,
    info: info(),
    native,
    env: packageEnvironment(),
    workload: {
      dtype: 'float32',
      rate: RATE,
      seed: SEED,
      stream: STREAM,
      threads: 1,
      outPreallocated: true,
      sizes: budget.sizes,
      minSamples: budget.minSamples,
      minTimeMs: budget.minTimeMs,
    },
    measurements,
  };
  const markdown = renderMarkdown(results);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL('latest.json', RESULTS_DIR), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL('latest.md', RESULTS_DIR), markdown);
  process.stdout.write(markdown);
}

await main();
