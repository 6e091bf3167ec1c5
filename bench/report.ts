/**
 * The results file of the benchmark (bench/results/latest.json) and the Markdown made from it.
 * The Markdown is a function of the JSON alone, so a saved run's table can be regenerated
 * (`node bench/dist/render.js [results.json]`) without measuring again.
 */
import type { BackendName, Info } from 'simd-dropout';
import type { MachineDescription } from './machine.js';

/** What a row times: `dropout`, `dropoutBackward`, or a plain copy (the bandwidth limit). */
export type Operation = 'forward' | 'backward' | 'copy';

/** One timed call at one size: the statistics of its per-call time. */
export interface Measurement {
  readonly operation: Operation;
  /** The backend the call named; null for the copy, which is no library call. */
  readonly backend: BackendName | null;
  /** Elements per call. */
  readonly n: number;
  /** Bytes the call reads plus writes, per element. */
  readonly bytesPerElement: number;
  /** Median time per call, in nanoseconds: the number the table is made from. */
  readonly p50Ns: number;
  readonly p25Ns: number;
  readonly p75Ns: number;
  /** Samples mitata kept (each the mean of a batch of calls when calls are short). */
  readonly samples: number;
  /** Calls timed in all. */
  readonly iterations: number;
}

/** Whether the native backend could be measured, and if not, why. */
export type NativeStatus =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

/** Everything a run measured, and everything needed to read it. */
export interface BenchResults {
  readonly schemaVersion: 1;
  /** ISO 8601 time the run started. */
  readonly date: string;
  readonly mode: 'full' | 'quick';
  readonly machine: MachineDescription;
  readonly node: { readonly version: string; readonly v8: string };
  /** The harness and its version, e.g. `mitata 1.0.34`. */
  readonly harness: string;
  /** `info()` of simd-dropout, verbatim. */
  readonly info: Info;
  readonly native: NativeStatus;
  /** The SIMD_DROPOUT_* environment variables set during the run (they pin backend or ISA). */
  readonly env: Readonly<Record<string, string>>;
  readonly workload: {
    readonly dtype: 'float32';
    readonly rate: number;
    readonly seed: number;
    readonly stream: number;
    /** The kernels run synchronously on the main thread. */
    readonly threads: 1;
    /** `out` is allocated once per size, so no timed call allocates its output. */
    readonly outPreallocated: true;
    readonly sizes: readonly number[];
    /** Each row has at least this many samples and this much measured time, after warm-up. */
    readonly minSamples: number;
    readonly minTimeMs: number;
  };
  readonly measurements: readonly Measurement[];
}

/** The function each operation times, as the table names it. */
const OPERATION_LABELS: Readonly<Record<Operation, string>> = {
  forward: '`dropout`',
  backward: '`dropoutBackward`',
  copy: '`Float32Array.prototype.set`',
};

/** `v` with `digits` significant digits, never in exponent notation. */
function significant(v: number, digits: number): string {
  return v >= 10 ** digits ? v.toFixed(0) : v.toPrecision(digits);
}

/** 1000 -> `1e3`, 16000000 -> `1.6e7`. */
function formatCount(n: number): string {
  return n.toExponential().replace('e+', 'e');
}

function formatBytes(bytes: number): string {
  const [value, unit] = bytes >= 2 ** 20 ? [bytes / 2 ** 20, 'MiB'] : [bytes / 2 ** 10, 'KiB'];
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

function elementsPerSecond(m: Measurement): number {
  return (m.n * 1e9) / m.p50Ns;
}

/** Bytes per nanosecond is gigabytes per second. */
function gigabytesPerSecond(m: Measurement): number {
  return (m.n * m.bytesPerElement) / m.p50Ns;
}

/** `48.2 M/s · 0.386 GB/s`, or `n/a` for a row that was not measured. */
function formatThroughput(m: Measurement | undefined): string {
  if (m === undefined) return 'n/a';
  const perSecond = elementsPerSecond(m);
  const elements = perSecond >= 1e9 ? `${significant(perSecond / 1e9, 3)} G/s` : `${significant(perSecond / 1e6, 3)} M/s`;
  return `${elements} · ${significant(gigabytesPerSecond(m), 3)} GB/s`;
}

function formatSpeedUp(native: Measurement | undefined, js: Measurement | undefined): string {
  return native === undefined || js === undefined ? 'n/a' : `×${significant(js.p50Ns / native.p50Ns, 3)}`;
}

/** The share of the copy's bandwidth a kernel reaches (bytes, since they differ slightly per element). */
function formatShareOfCopy(m: Measurement | undefined, copy: Measurement | undefined): string {
  return m === undefined || copy === undefined
    ? 'n/a'
    : `${significant((100 * gigabytesPerSecond(m)) / gigabytesPerSecond(copy), 2)} %`;
}

function headerLine(results: BenchResults): string {
  const { machine, node, info, workload } = results;
  const isa = results.native.available ? `${info.isa} (\`info().backend\`: ${info.backend})` : 'n/a (native unavailable)';
  return [
    `**Machine:** ${machine.cpuModel}, ${machine.logicalCores} logical cores, ${machine.arch} ${machine.platform} ${machine.osRelease}`,
    `**Node:** ${node.version} (V8 ${node.v8})`,
    `**ISA:** ${isa}`,
    `**rate:** ${workload.rate}`,
    `**dtype:** ${workload.dtype}`,
    `${results.date.slice(0, 10)}, ${results.mode} mode`,
  ].join(' · ');
}

function notes(results: BenchResults): string[] {
  const { machine, workload, info } = results;
  const bytesPerElement = (['forward', 'backward', 'copy'] as const)
    .map((operation) => {
      const m = results.measurements.find((candidate) => candidate.operation === operation);
      return m === undefined ? undefined : `${OPERATION_LABELS[operation]} ${m.bytesPerElement}`;
    })
    .filter((entry) => entry !== undefined);
  const env = Object.entries(results.env).map(([name, value]) => `${name}=${value}`);
  return [
    `- Throughput: n / median time per call; GB/s counts the bytes a call reads plus writes ` +
      `(per element: ${bytesPerElement.join(', ')}).`,
    `- ÷ copy: GB/s as a share of \`Float32Array.prototype.set\` at the same n in the same run — ` +
      `the memory-bandwidth limit (the cache's, for arrays that fit in cache).`,
    `- Timing: ${results.harness} \`measure\`, p50 of per-call times, at least ${workload.minSamples} samples ` +
      `and ${workload.minTimeMs} ms per row after warm-up; \`out\` preallocated (allocation not measured); ` +
      `seed ${workload.seed}, stream ${workload.stream}, so every call does the same work; ` +
      `${workload.threads} thread (synchronous calls).`,
    `- CPU SIMD flags: ${machine.simdFlags === null ? 'unknown' : machine.simdFlags.join(' ') || 'none'}; ` +
      `${machine.totalMemoryGiB} GiB RAM; load average ${machine.loadAverage1m.toFixed(2)} at start; ` +
      `simd-dropout ${info.version}` +
      (env.length === 0 ? '.' : `; environment: ${env.join(' ')}.`),
  ];
}

/**
 * Renders a run as Markdown: a header line naming machine, Node, ISA, rate and dtype, a warning
 * when the native backend could not be measured, the table, and notes on how it was measured.
 */
export function renderMarkdown(results: BenchResults): string {
  const find = (operation: Operation, backend: BackendName | null, n: number): Measurement | undefined =>
    results.measurements.find((m) => m.operation === operation && m.backend === backend && m.n === n);

  const rows = (['forward', 'backward'] as const).flatMap((operation) =>
    results.workload.sizes.map((n) => {
      const js = find(operation, 'js', n);
      const native = find(operation, 'native', n);
      const copy = find('copy', null, n);
      const cells = [
        OPERATION_LABELS[operation],
        formatCount(n),
        formatBytes(n * Float32Array.BYTES_PER_ELEMENT),
        formatThroughput(js),
        formatThroughput(native),
        formatSpeedUp(native, js),
        formatThroughput(copy),
        formatShareOfCopy(js, copy),
        formatShareOfCopy(native, copy),
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  );

  const unavailable = results.native.available
    ? []
    : [
        // one line: a multi-line load error would break out of the blockquote
        `> **Native backend unavailable** — only the JS rows were measured. Reason: ${results.native.reason.replace(/\s+/g, ' ')}`,
        '',
      ];
  return [
    headerLine(results),
    '',
    ...unavailable,
    '| function | n | array | JS | native | native ÷ JS | copy | JS ÷ copy | native ÷ copy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...notes(results),
    '',
  ].join('\n');
}
