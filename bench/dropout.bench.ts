/**
 * The benchmark suite of simd-dropout: copy limit, native (best ISA on 1 and all threads, and each
 * other ISA forced), the JS backend and TF.js (cpu and wasm), for dropout forward, backward and
 * recompute on float32 and float64 at n = 1e3 … 1.6e7, and the family's forwards; and the peers
 * of the float32 forward — a plain JS loop, and NumPy and PyTorch in bench/peers.py under python3
 * (or $PYTHON), timed in turns with native on 1 thread for the goals' ratios (pairs.ts).
 *
 * The ISA is fixed when the addon loads, so the driver runs worker processes of this same script
 * one after the other — the main systems and the Python peers; one per forced ISA
 * (SIMD_DROPOUT_ISA); TF.js — and merges their JSON into bench/results/latest.json, from which it
 * writes latest.md, latest.svg and README-snippet.md. The Markdown report goes to stdout, progress
 * to stderr.
 *
 * Usage: node bench/dist/dropout.bench.js [--quick]
 *   --quick (or BENCH_QUICK=1): n up to 1e5 and short rows, a smoke test of every path.
 *   --worker=main|isa|tfjs --report=FILE: a worker (run by the driver).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { log } from './log.js';
import { describeMachine } from './machine.js';
import { RESULTS_DIR, writeReports } from './publish.js';
import {
  isReport,
  SCHEMA_VERSION,
  type BenchResults,
  type QuotedPeer,
  type WorkerFailure,
  type WorkerReport,
  type WorkerRole,
} from './results.js';
import { runWorker } from './worker.js';
import { workloadFor } from './workloads.js';

/** The ISAs to force, fastest first, by architecture; the one the main worker already runs is skipped. */
const FORCED_ISAS: Readonly<Partial<Record<NodeJS.Architecture, readonly string[]>>> = {
  x64: ['avx2', 'sse2', 'scalar'],
  arm64: ['neon', 'scalar'],
};

/**
 * The peers as measured on this machine for the issue that asked for this suite (dropout forward,
 * float32, rate 0.5): the report quotes one, labelled as such, only when this run could not
 * measure it (no python3, NumPy or PyTorch).
 */
const QUOTED_PEERS: readonly QuotedPeer[] = [
  {
    name: 'PyTorch 1.13 CPU F.dropout, 1 thread',
    system: { kind: 'torch' },
    megaElementsPerSecond: { 1000: 40, 10000: 61, 100000: 62, 1000000: 61, 16000000: 40 },
  },
  {
    name: 'NumPy, PCG64',
    system: { kind: 'numpy' },
    megaElementsPerSecond: { 1000: 96, 10000: 272, 100000: 304, 1000000: 326, 16000000: 226 },
  },
  {
    name: 'plain JS loop, Math.random',
    system: { kind: 'jsLoop' },
    megaElementsPerSecond: { 1000: 57, 10000: 58, 100000: 60, 1000000: 61, 16000000: 59 },
  },
];

const SCRIPT = fileURLToPath(import.meta.url);

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** Why a worker process failed to start or finish, or undefined when it exited with 0. */
function spawnFailure({ status, signal, error }: SpawnSyncReturns<unknown>): string | undefined {
  if (error !== undefined) return error.message;
  if (signal !== null) return `killed by ${signal}`;
  return status === 0 ? undefined : `exited with code ${status}`;
}

/**
 * Runs one worker process and reads its report. The worker's stdout goes to stderr with its
 * progress; a worker that fails is recorded, and the run goes on without its rows.
 */
function runWorkerProcess(
  role: WorkerRole,
  isa: string | undefined,
  mode: 'full' | 'quick',
  scratch: string,
): WorkerReport | WorkerFailure {
  const reportFile = path.join(scratch, `${role}-${isa ?? 'default'}.json`);
  // calls name their backend, so a pinned default backend would only change what info() says
  const { SIMD_DROPOUT_BACKEND: _pinned, SIMD_DROPOUT_ISA: inheritedIsa, ...env } = process.env;
  const forcedIsa = isa ?? inheritedIsa;
  const workerEnv = forcedIsa === undefined ? env : { ...env, SIMD_DROPOUT_ISA: forcedIsa };
  const args = [...process.execArgv, SCRIPT, `--worker=${role}`, `--report=${reportFile}`, ...(mode === 'quick' ? ['--quick'] : [])];
  const failure = spawnFailure(spawnSync(process.execPath, args, { env: workerEnv, stdio: ['ignore', 2, 2] }));
  if (failure === undefined) return JSON.parse(readFileSync(reportFile, 'utf8')) as WorkerReport;
  log(`[${role}] FAILED: ${failure}`);
  return { role, env: forcedIsa === undefined ? {} : { SIMD_DROPOUT_ISA: forcedIsa }, failure };
}

async function drive(mode: 'full' | 'quick'): Promise<void> {
  const started = new Date();
  const machine = describeMachine();
  const workload = workloadFor(mode);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'simd-dropout-bench-'));
  log(`simd-dropout benchmark, ${mode} mode, on ${machine.cpuModel} (${machine.logicalCores} logical cores)`);

  const workers: (WorkerReport | WorkerFailure)[] = [];
  try {
    const main = runWorkerProcess('main', undefined, mode, scratch);
    workers.push(main);
    if (isReport(main) && main.native.available && process.env['SIMD_DROPOUT_ISA'] === undefined) {
      for (const isa of FORCED_ISAS[process.arch] ?? ['scalar']) {
        if (isa !== main.info.isa) workers.push(runWorkerProcess('isa', isa, mode, scratch));
      }
    }
    workers.push(runWorkerProcess('tfjs', undefined, mode, scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const { version: mitataVersion } = createRequire(import.meta.url)('mitata/package.json') as { version: string };
  const results: BenchResults = {
    schemaVersion: SCHEMA_VERSION,
    date: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    mode,
    machine,
    node: { version: process.version, v8: process.versions.v8 },
    harness: `mitata ${mitataVersion}`,
    workload,
    workers,
    quotedPeers: QUOTED_PEERS,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL('latest.json', RESULTS_DIR), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(writeReports(results));
  log(`done in ${(results.durationSeconds / 60).toFixed(1)} min: bench/results/latest.{json,md,svg}, README-snippet.md`);
}

const mode = process.argv.includes('--quick') || process.env['BENCH_QUICK'] === '1' ? 'quick' : 'full';
const role = option('worker');
if (role === undefined) {
  await drive(mode);
} else {
  const reportFile = option('report');
  if (reportFile === undefined) throw new Error('A worker needs --report=FILE');
  if (role !== 'main' && role !== 'isa' && role !== 'tfjs') throw new Error(`Unknown worker role '${role}'`);
  writeFileSync(reportFile, JSON.stringify(await runWorker(role, workloadFor(mode))));
}
