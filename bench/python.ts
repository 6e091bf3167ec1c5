/**
 * The Python worker: NumPy and PyTorch, the peers the project's goals are set against, measured
 * in the same run as everything else by bench/peers.py under `python3` (or `$PYTHON`). A missing
 * interpreter, or one that fails, is a worker failure; a missing library is in the report.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PythonLibrary, PythonWorkerReport, Row, WorkerFailure, Workload } from './results.js';
import { bytesPerElement } from './workloads.js';
import { log, spawnFailure } from './worker.js';

/** What peers.py prints on stdout: rows of its own, which `runPythonWorker` makes into the results' rows. */
interface PeersOutput {
  readonly python: PythonWorkerReport['python'];
  readonly numpy: PythonLibrary;
  readonly torch: PythonLibrary;
  readonly rows: readonly ({ readonly kind: 'numpy' | 'torch'; readonly n: number } & (
    | { readonly p50Ns: number; readonly p25Ns: number; readonly p75Ns: number; readonly samples: number; readonly iterations: number }
    | { readonly skipped: string }
  ))[];
}

const PEERS_SCRIPT = fileURLToPath(new URL('../peers.py', import.meta.url));

/** The Python worker's report from what peers.py printed; throws on anything else. */
function readReport(stdout: string, env: PythonWorkerReport['env']): PythonWorkerReport {
  const output = JSON.parse(stdout) as PeersOutput;
  const rows = output.rows.map(({ kind, ...outcome }): Row => {
    const key = { system: { kind }, operation: 'forward', dtype: 'float32' } as const;
    return 'skipped' in outcome ? { ...key, ...outcome } : { ...key, bytesPerElement: bytesPerElement('forward', 'float32'), ...outcome };
  });
  return { role: 'python', env, python: output.python, numpy: output.numpy, torch: output.torch, rows };
}

/** Runs bench/peers.py on the workload's sizes (float32 forward only) and reads its report. */
export function runPythonWorker(workload: Workload): PythonWorkerReport | WorkerFailure {
  const interpreter = process.env['PYTHON'];
  const env: Record<string, string> = interpreter === undefined ? {} : { PYTHON: interpreter };
  const request = { rate: workload.rate, seed: workload.seed, sizes: workload.sizes, budget: workload.budget };
  const result = spawnSync(interpreter ?? 'python3', [PEERS_SCRIPT], {
    input: JSON.stringify(request),
    stdio: ['pipe', 'pipe', 2],
    encoding: 'utf8',
  });
  let failure = spawnFailure(result);
  if (failure === undefined) {
    try {
      return readReport(result.stdout, env);
    } catch (error) {
      failure = `printed no report: ${(error as Error).message}`;
    }
  }
  log(`[python] FAILED: ${failure}`);
  return { role: 'python', env, failure };
}
