/**
 * The results file of the benchmark (bench/results/latest.json): what was measured, on what, and
 * how. The Markdown table and the SVG chart are functions of this file alone, so a saved run's
 * reports can be regenerated (`npm run bench:report`) without measuring again.
 */
import type { Info } from 'simd-dropout';
import type { MachineDescription } from './machine.js';
import { formatRatio } from './format.js';

/** The element types measured. */
export type Dtype = 'float32' | 'float64';

/** The ops of the dropout family measured forward only, next to `dropout` itself. */
export type FamilyOperation = 'alphaDropout' | 'gaussianDropout' | 'gaussianNoise' | 'biasDropoutAdd' | 'spatialDropout';

/** The family's ops, in the order they are measured and listed. */
export const FAMILY_OPERATIONS: readonly FamilyOperation[] = [
  'alphaDropout',
  'gaussianDropout',
  'gaussianNoise',
  'biasDropoutAdd',
  'spatialDropout',
];

/**
 * What a row times: a plain copy (the bandwidth limit); `dropout` (`forward`); `dropoutBackward`
 * with a stored mask (`backward`); the backward pass of a `Dropout` layer with maskStorage
 * 'recompute', which draws the mask again (`recompute`); or a forward of the family.
 */
export type Operation = 'copy' | 'forward' | 'backward' | 'recompute' | FamilyOperation;

/** Who does the work of a row. */
export type System =
  /** `TypedArray.prototype.set`: reads and writes the same bytes as dropout, and does nothing else. */
  | { readonly kind: 'copy' }
  /** simd-dropout's addon, with the kernels of `isa`, on `threads` threads. */
  | { readonly kind: 'native'; readonly isa: string; readonly threads: number }
  /** simd-dropout's pure-JS backend. */
  | { readonly kind: 'js' }
  /** TensorFlow.js `tf.dropout` on one of its backends. */
  | { readonly kind: 'tfjs'; readonly backend: 'cpu' | 'wasm' }
  /** A plain JS loop drawing each element's fate with `Math.random`: what a user writes without a library. */
  | { readonly kind: 'jsLoop' }
  /** NumPy, the issue's `x * (rng.random(n) >= p) / q` with a PCG64 `Generator`, in bench/peers.py. */
  | { readonly kind: 'numpy' }
  /** PyTorch `F.dropout` on 1 thread, in bench/peers.py. */
  | { readonly kind: 'torch' };

/** The Python peers, timed in bench/peers.py. */
export type PythonPeer = Extract<System['kind'], 'numpy' | 'torch'>;

/** Which row: a system doing an operation on n elements of a dtype. */
export interface RowKey {
  readonly system: System;
  readonly operation: Operation;
  readonly dtype: Dtype;
  /** Elements per call. */
  readonly n: number;
}

/** A measured row: the statistics of the time per call. */
export interface Measurement extends RowKey {
  /** Bytes the call reads plus writes, per element. */
  readonly bytesPerElement: number;
  /** Median time per call, in nanoseconds: the number the tables and the chart are made from. */
  readonly p50Ns: number;
  readonly p25Ns: number;
  readonly p75Ns: number;
  /** Samples kept (each the mean of a batch of calls when calls are short). */
  readonly samples: number;
  /** Calls timed in all. */
  readonly iterations: number;
}

/** A row that was not measured because a single call would take too long. */
export interface SkippedRow extends RowKey {
  readonly skipped: string;
}

/** One row of the results. */
export type Row = Measurement | SkippedRow;

/** Whether the native backend could be measured, and if not, why. */
export type NativeStatus =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/** What a worker process measures: the main systems (and the Python peers, paired with native), one forced ISA, or TF.js. */
export type WorkerRole = 'main' | 'isa' | 'tfjs';

/** TensorFlow.js as the TF.js worker found it. */
export interface TfjsDescription {
  readonly version: string;
  /** `tf.enableProdMode()` was called: TF.js skips its debug checks, as a tuned deployment would. */
  readonly prodMode: true;
  /** Which .wasm the wasm backend loaded: SIMD or not, and how many threads it runs. */
  readonly wasm: { readonly simd: boolean; readonly threads: number };
}

/** What one worker process reports. */
export interface WorkerReport {
  readonly role: WorkerRole;
  /** The SIMD_DROPOUT_* environment variables the worker ran with (they pin backend or ISA). */
  readonly env: Readonly<Record<string, string>>;
  /** `info()` of simd-dropout in that process, verbatim. */
  readonly info: Info;
  readonly native: NativeStatus;
  /**
   * How the native rows chose their thread count: `setThreads` when the build has it, else null
   * (every native call then runs on the thread that makes it).
   */
  readonly threadsApi: 'setThreads' | null;
  /** Present in the TF.js worker; null there when TF.js could not be loaded (`tfjsError` says why). */
  readonly tfjs?: TfjsDescription | null;
  readonly tfjsError?: string;
  /** Present in the main worker when native could be measured: the Python peers, timed in turns with native on 1 thread. */
  readonly pythonPeers?: PythonPeers;
  /** The rows; the main worker's include the Python peers' float32 forward, made of their paired samples. */
  readonly rows: readonly Row[];
}

/** A Python library's version, or why it did not import: unavailable is a result, not a failure. */
export type PythonLibrary = { readonly version: string } | { readonly error: string };

/** `NumPy 2.4.6`, or `no NumPy` when it did not import (and why, with `withError`). */
export function libraryLabel(name: string, library: PythonLibrary, withError = false): string {
  if ('version' in library) return `${name} ${library.version}`;
  return withError ? `**no ${name}** — ${library.error}` : `no ${name}`;
}

/** What bench/peers.py reports as it starts: the interpreter, and NumPy and PyTorch as it found them. */
export interface PythonDescription {
  readonly interpreter: { readonly executable: string; readonly implementation: string; readonly version: string };
  readonly numpy: PythonLibrary;
  readonly torch: PythonLibrary;
}

/**
 * One round of a pair: a turn of native on 1 thread and a turn of the peer, each the median of
 * its samples. Even rounds time native first, odd rounds the peer first (ABBA), so a drift of the
 * machine's speed that is linear over the rounds cancels in their median. The round's ratio, the
 * goals' number, is native's elements/s over the peer's.
 */
export interface PairRound {
  readonly nativeElementsPerSecond: number;
  readonly peerElementsPerSecond: number;
}

/** Which pair: native on 1 thread against a Python peer, `dropout` forward on n float32 elements. */
export interface PairKey {
  readonly peer: PythonPeer;
  readonly n: number;
}

/** A pair measured in `rounds`. */
export interface MeasuredPair extends PairKey {
  /** How long each turn sampled: the workload's `turnMs`, or 3 calls of the slower side when longer. */
  readonly turnMs: number;
  readonly rounds: readonly PairRound[];
}

/** A pair not measured because a call of one side takes (or, extrapolated from the size before, would take) too long. */
export interface SkippedPair extends PairKey {
  readonly skipped: string;
}

export type Pair = MeasuredPair | SkippedPair;

/** The q-quantile of ascending `sorted`: the element at ⌊q·(length − 1)⌋. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** A pair's ratios as the goals show them: the median over the rounds, and their range. */
export function describeRatios({ rounds }: MeasuredPair): string {
  const ratios = rounds.map((round) => round.nativeElementsPerSecond / round.peerElementsPerSecond);
  return `${formatRatio(median(ratios))} (${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))})`;
}

/** The Python peers as the main worker ran them: bench/peers.py, a server it spoke to one JSON line at a time. */
export type PythonPeers =
  | {
      /** `PYTHON` when it chose the interpreter. */
      readonly env: Readonly<Record<string, string>>;
      readonly python: PythonDescription;
      /** Per n, per peer that imported, in the order measured. */
      readonly pairs: readonly Pair[];
      /** Why the server stopped answering before the last pair (it exited, printed what is not a reply, or went silent). */
      readonly failure?: string;
    }
  | {
      readonly env: Readonly<Record<string, string>>;
      /** The server did not start, or its first line did not describe it. */
      readonly python: null;
      readonly failure: string;
    };

/** A worker that did not finish: its rows are missing from the results. */
export interface WorkerFailure {
  readonly role: WorkerRole;
  /** The environment variables that chose what it ran: SIMD_DROPOUT_ISA. */
  readonly env: Readonly<Record<string, string>>;
  readonly failure: string;
}

/** How long each row is measured, and which rows are not. */
export interface Budget {
  /** Every row has at least this many samples after warm-up: the median of several runs. */
  readonly minSamples: number;
  /** ... and at least this much sampled time. */
  readonly minTimeMs: number;
  /** Sampling stops once minSamples are in and this much time is spent: bounds the slow rows. */
  readonly maxTimeMs: number;
  /** A row whose single call takes (or, extrapolated from the size before, would take) longer is skipped. */
  readonly maxCallMs: number;
}

/**
 * Throughput of a peer measured for the issue, at the sizes of the forward float32 table: shown,
 * labelled as quoted, only when this run did not measure `system`.
 */
export interface QuotedPeer {
  readonly name: string;
  /** The system that measures this peer in a run. */
  readonly system: System;
  /** Millions of elements per second, by n. */
  readonly megaElementsPerSecond: Readonly<Record<string, number>>;
}

/** What every call computes, and at which sizes. */
export interface Workload {
  /** The drop rate of every op that has one (Gaussian dropout: the equivalent rate). */
  readonly rate: number;
  /** Seed and stream of every functional call; the `Dropout` layer and TF.js use the seed. */
  readonly seed: number;
  readonly stream: number;
  /** The standard deviation of `gaussianNoise`. */
  readonly noiseStddev: number;
  /** `biasDropoutAdd`: x is [n / biasColumns, biasColumns]. */
  readonly biasColumns: number;
  /** `spatialDropout`: x is NHWC [n / (H·W·C), H, W, C] with these [H, W, C]. */
  readonly spatialMap: readonly [number, number, number];
  readonly dtypes: readonly Dtype[];
  /** The sizes of copy, forward, backward and recompute. */
  readonly sizes: readonly number[];
  /** The sizes (and dtypes) of the family's rows; each is also in `sizes`, for `dropout` beside them. */
  readonly familySizes: readonly number[];
  readonly familyDtypes: readonly Dtype[];
  /** Every native row's output was compared bit for bit with the JS backend's up to this n. */
  readonly checkedUpToN: number;
  readonly budget: Budget;
  /** How the Python peers are paired with native on 1 thread. */
  readonly pairing: Pairing;
}

/** How long a pair of native and a Python peer is measured. */
export interface Pairing {
  /** Rounds per pair: each a turn of either side. */
  readonly rounds: number;
  /** Each turn samples at least this long (longer when 3 calls of the slower side take longer). */
  readonly turnMs: number;
}

/**
 * The version of this file's shape: 3 added the Python worker, the JS loop and the quoted peers'
 * systems; 4 times the Python peers in the main worker, in rounds paired with native.
 */
export const SCHEMA_VERSION = 4;

/** Everything a run measured, and everything needed to read it. */
export interface BenchResults {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  /** ISO 8601 time the run started. */
  readonly date: string;
  readonly durationSeconds: number;
  readonly mode: 'full' | 'quick';
  readonly machine: MachineDescription;
  readonly node: { readonly version: string; readonly v8: string };
  /** The harness and its version, e.g. `mitata 1.0.34`. */
  readonly harness: string;
  readonly workload: Workload;
  /** The worker processes in the order they ran: main first. */
  readonly workers: readonly (WorkerReport | WorkerFailure)[];
  /** Peers measured for the issue on this machine on another day: the stand-ins for those this run could not measure. */
  readonly quotedPeers: readonly QuotedPeer[];
}

/** A key that is equal for equal systems. */
export function systemKey(system: System): string {
  switch (system.kind) {
    case 'native':
      return `native/${system.isa}/${system.threads}`;
    case 'tfjs':
      return `tfjs/${system.backend}`;
    default:
      return system.kind;
  }
}

/** True for a measured row. */
export function isMeasured(row: Row): row is Measurement {
  return !('skipped' in row);
}

/** True for a worker that finished. */
export function isReport(worker: WorkerReport | WorkerFailure): worker is WorkerReport {
  return !('failure' in worker);
}

/** Elements per second of a measured row. */
export function elementsPerSecond(m: Measurement): number {
  return (m.n * 1e9) / m.p50Ns;
}

/** Gigabytes per second of a measured row (bytes per nanosecond). */
export function gigabytesPerSecond(m: Measurement): number {
  return (m.n * m.bytesPerElement) / m.p50Ns;
}

/** The rows of a run, with lookups by row key, and its systems in reading order. */
export class ResultsIndex {
  readonly rows: readonly Row[];
  /** The main worker's report: its native ISA is the best this CPU supports (unless forced). */
  readonly main: WorkerReport | undefined;
  readonly #byKey = new Map<string, Row>();
  readonly #pairs = new Map<string, Pair>();

  constructor(readonly results: BenchResults) {
    const reports = results.workers.filter(isReport);
    this.rows = reports.flatMap((report) => report.rows);
    this.main = reports.find((report) => report.role === 'main');
    for (const row of this.rows) this.#byKey.set(ResultsIndex.#key(row), row);
    const pythonPeers = this.main?.pythonPeers;
    for (const pair of pythonPeers?.python == null ? [] : pythonPeers.pairs) this.#pairs.set(`${pair.peer}|${pair.n}`, pair);
  }

  static #key({ system, operation, dtype, n }: RowKey): string {
    return `${systemKey(system)}|${operation}|${dtype}|${n}`;
  }

  /** The row of `system` doing `operation` on n elements of `dtype`, if it was run. */
  find(system: System, operation: Operation, dtype: Dtype, n: number): Row | undefined {
    return this.#byKey.get(ResultsIndex.#key({ system, operation, dtype, n }));
  }

  /** The pair of native on 1 thread and `peer` at n, if it was run. */
  pair(peer: PythonPeer, n: number): Pair | undefined {
    return this.#pairs.get(`${peer}|${n}`);
  }

  /** Like `find`, but only a measured row. */
  measured(system: System, operation: Operation, dtype: Dtype, n: number): Measurement | undefined {
    const row = this.find(system, operation, dtype, n);
    return row !== undefined && isMeasured(row) ? row : undefined;
  }

  /**
   * The systems that ran `operation` on `dtype`, in reading order: copy, native (the main
   * worker's ISA first, most threads first, then the forced ISAs fastest first), JS, TF.js, and
   * the peers: the plain JS loop, NumPy, PyTorch.
   */
  systems(operation: Operation, dtype: Dtype): System[] {
    const rank: Record<System['kind'], number> = { copy: 0, native: 1, js: 2, tfjs: 3, jsLoop: 4, numpy: 5, torch: 6 };
    const seen = new Map<string, System>();
    for (const row of this.rows) {
      if (row.operation === operation && row.dtype === dtype) seen.set(systemKey(row.system), row.system);
    }
    // a stable sort: within a kind, systems keep the order the workers measured them in
    return [...seen.values()].sort((a, b) => rank[a.kind] - rank[b.kind]);
  }

  /** True when `system` has a measured float32 forward row at some size. */
  measuredForward(system: System): boolean {
    return this.results.workload.sizes.some((n) => this.measured(system, 'forward', 'float32', n) !== undefined);
  }

  /** The quoted peers whose system this run did not measure: they stand in for it, labelled as quoted. */
  quotedPeers(): QuotedPeer[] {
    return this.results.quotedPeers.filter((peer) => !this.measuredForward(peer.system));
  }

  /** The native system of the main worker on `threads` threads, if it was measured. */
  mainNative(threads: 'one' | 'all'): System | undefined {
    const natives = (this.main?.rows ?? []).map((row) => row.system).filter((s) => s.kind === 'native');
    const counts = natives.map((s) => s.threads);
    const wanted = threads === 'one' ? 1 : Math.max(...counts);
    if (threads === 'all' && wanted <= 1) return undefined;
    return natives.find((s) => s.threads === wanted);
  }
}

/**
 * Above this 1-minute load average at the start, other work was sharing the cores: the report
 * says so, since every number is then noisier and threads gain less.
 */
export const BUSY_LOAD_AVERAGE = 0.5;

/** True when the machine was busy as the run started. */
export function startedBusy(results: BenchResults): boolean {
  return results.machine.loadAverage1m > BUSY_LOAD_AVERAGE;
}

/** The plain-text name of a system, as the table and the chart's legend show it. */
export function systemLabel(system: System, dtype: Dtype): string {
  switch (system.kind) {
    case 'copy':
      return `copy (${dtype === 'float32' ? 'Float32Array' : 'Float64Array'}.prototype.set)`;
    case 'native':
      return `native ${system.isa}, ${system.threads} thread${system.threads === 1 ? '' : 's'}`;
    case 'js':
      return 'JS backend';
    case 'tfjs':
      return `TF.js ${system.backend}`;
    case 'jsLoop':
      return 'plain JS loop, Math.random';
    case 'numpy':
      return 'NumPy, PCG64';
    case 'torch':
      return 'PyTorch F.dropout, 1 thread';
  }
}
