/**
 * One worker process of the benchmark: measures the rows of its role — the main systems, then the
 * Python peers paired with native (pairs.ts); the native backend with the ISA forced by
 * SIMD_DROPOUT_ISA; or TF.js — and returns them with a description of the process. The driver
 * (dropout.bench.ts) runs the workers and merges them.
 */
import os from 'node:os';
import { dropout, info, type FloatArray } from 'simd-dropout';
import { timeCall, type CallEstimate } from './measure.js';
import { formatCount, formatElementRate } from './format.js';
import { log } from './log.js';
import { measurePythonPeers } from './pairs.js';
import {
  FAMILY_OPERATIONS,
  systemKey,
  systemLabel,
  type Dtype,
  type NativeStatus,
  type Operation,
  type Budget,
  type Row,
  type WorkerReport,
  type WorkerRole,
  type Workload,
} from './results.js';
import { loadTfjs } from './tfjs.js';
import {
  bytesPerElement,
  copyRunner,
  jsLoopRunner,
  libraryCall,
  libraryRunner,
  makeFixture,
  newArray,
  RATE,
  setThreads,
  type Fixture,
  type SystemRunner,
} from './workloads.js';

/** Probes the native backend with one tiny call; unavailable is a result, not a failure. */
function probeNative(): NativeStatus {
  try {
    dropout(new Float32Array(1), { rate: RATE, backend: 'native' });
    return { available: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_SIMD_DROPOUT_NATIVE_UNAVAILABLE') throw error;
    return { available: false, reason: info().loadError ?? (error as Error).message };
  }
}

/** The SIMD_DROPOUT_* variables in effect: they can pin the ISA being measured. */
function packageEnvironment(): Record<string, string> {
  const variables = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[0].startsWith('SIMD_DROPOUT_') && entry[1] !== undefined,
  );
  return Object.fromEntries(variables);
}

function sameBytes(a: FloatArray, b: FloatArray): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The JS backend's output of an operation on a fixture, made once and compared with every exact system. */
class JsReference {
  #output: FloatArray | undefined;

  constructor(
    private readonly operation: Exclude<Operation, 'copy'>,
    private readonly fixture: Fixture,
  ) {}

  /** Throws unless `runner`'s output equals the JS backend's bit for bit: a speed-up is only meaningful for the same work. */
  check(runner: SystemRunner): void {
    const { dtype, n } = this.fixture;
    if (this.#output === undefined) {
      this.#output = newArray(dtype, n);
      libraryCall(this.operation, 'js', this.fixture, this.#output)();
    }
    const actual = newArray(dtype, n);
    runner.prepare(this.operation, this.fixture, actual)();
    if (!sameBytes(actual, this.#output)) {
      throw new Error(
        `${systemLabel(runner.system, dtype)}: the ${this.operation} output differs from the JS backend's at n = ${n}; not timing different work`,
      );
    }
  }
}

/** Operations, dtypes and sizes measured together: each size's rows run back to back, so their ratios share the machine's state. */
interface Suite {
  readonly operations: readonly Operation[];
  readonly dtypes: readonly Dtype[];
  readonly sizes: readonly number[];
}

/** The systems a role measures, and, for the TF.js worker, TF.js's description or why it did not load. */
async function systemsOf(
  role: WorkerRole,
  native: NativeStatus,
): Promise<Pick<WorkerReport, 'tfjs' | 'tfjsError'> & { runners: SystemRunner[] }> {
  if (role === 'tfjs') {
    try {
      const { runners, description } = await loadTfjs();
      return { runners: [...runners], tfjs: description };
    } catch (error) {
      return { runners: [], tfjs: null, tfjsError: error instanceof Error ? error.message : String(error) };
    }
  }
  const nativeRunners: SystemRunner[] = [];
  if (native.available) {
    const { isa } = info();
    const cores = os.availableParallelism();
    if (role === 'main' && setThreads !== undefined && cores > 1) {
      nativeRunners.push(libraryRunner({ kind: 'native', isa, threads: cores }));
    }
    nativeRunners.push(libraryRunner({ kind: 'native', isa, threads: 1 }));
  }
  return { runners: role === 'main' ? [copyRunner, ...nativeRunners, libraryRunner({ kind: 'js' }), jsLoopRunner] : nativeRunners };
}

/** Times rows one after another, extrapolating each system's call time from its previous size. */
class RowTimer {
  /** Per system, operation and dtype: the last measured call. */
  readonly #lastCalls = new Map<string, { readonly ms: number; readonly n: number }>();

  constructor(
    private readonly role: WorkerRole,
    private readonly budget: Budget,
  ) {}

  /** Times `runner` doing `operation` on `fixture` (the runner already active), or skips it when too slow. */
  async time(runner: SystemRunner, operation: Operation, fixture: Fixture): Promise<Row> {
    const { system } = runner;
    const { dtype, n } = fixture;
    const key = `${systemKey(system)}|${operation}|${dtype}`;
    const last = this.#lastCalls.get(key);
    const estimate: CallEstimate | undefined = last === undefined ? undefined : { ms: (last.ms * n) / last.n, fromN: last.n };
    const outcome = await timeCall(runner.prepare(operation, fixture, fixture.out), this.budget, estimate);
    const label = `[${this.role}] ${dtype} n=${formatCount(n)} ${operation} ${systemLabel(system, dtype)}`;
    if ('skipped' in outcome) {
      log(`${label}: skipped, ${outcome.skipped}`);
      return { system, operation, dtype, n, skipped: outcome.skipped };
    }
    const { timing } = outcome;
    this.#lastCalls.set(key, { ms: timing.p50Ns / 1e6, n });
    log(`${label}: ${formatElementRate((n * 1e9) / timing.p50Ns)} (p50 ${(timing.p50Ns / 1e6).toFixed(3)} ms, ${timing.samples} samples)`);
    return { system, operation, dtype, n, bytesPerElement: bytesPerElement(operation, dtype), ...timing };
  }
}

/** Measures the rows of `role` for `workload` in this process. */
export async function runWorker(role: WorkerRole, workload: Workload): Promise<WorkerReport> {
  const native = probeNative();
  const { runners, ...tfjs } = await systemsOf(role, native);
  if (role === 'isa' && native.available && info().isa !== process.env['SIMD_DROPOUT_ISA']) {
    throw new Error(`SIMD_DROPOUT_ISA=${process.env['SIMD_DROPOUT_ISA']} but the addon runs ${info().isa}`);
  }
  log(`[${role}] ${runners.map((runner) => systemLabel(runner.system, 'float32')).join('; ') || 'nothing to measure'}`);

  const suites: Suite[] = [
    { operations: ['copy', 'forward', 'backward', 'recompute'], dtypes: workload.dtypes, sizes: workload.sizes },
    { operations: FAMILY_OPERATIONS, dtypes: workload.familyDtypes, sizes: workload.familySizes },
  ];
  const timer = new RowTimer(role, workload.budget);
  const rows: Row[] = [];
  for (const { operations, dtypes, sizes } of suites) {
    for (const dtype of dtypes) {
      for (const n of sizes) {
        if (!operations.some((operation) => runners.some((runner) => runner.supports(operation, dtype)))) continue;
        const fixture = makeFixture(dtype, n);
        for (const operation of operations) {
          const reference = operation === 'copy' || n > workload.checkedUpToN ? undefined : new JsReference(operation, fixture);
          for (const runner of runners.filter((candidate) => candidate.supports(operation, dtype))) {
            await runner.activate();
            if (runner.exact) reference?.check(runner);
            rows.push(await timer.time(runner, operation, fixture));
          }
        }
      }
    }
  }
  const nativeOnOneThread = runners.find(({ system }) => system.kind === 'native' && system.threads === 1);
  const peers = role === 'main' && nativeOnOneThread !== undefined ? await measurePythonPeers(workload, nativeOnOneThread) : undefined;
  return {
    role,
    env: packageEnvironment(),
    info: info(),
    native,
    threadsApi: setThreads === undefined ? null : 'setThreads',
    ...tfjs,
    ...(peers === undefined ? {} : { pythonPeers: peers.pythonPeers }),
    rows: [...rows, ...(peers?.rows ?? [])],
  };
}
