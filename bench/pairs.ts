/**
 * The goals' ratios, measured in pairs: native on 1 thread against each Python peer — NumPy and
 * PyTorch, timed by bench/peers.py, a server this module runs — in the main worker after its rows.
 * The machine's speed drifts by tens of percent over minutes, so the two sides of a ratio take
 * turns: per n and peer, rounds of a native turn and a peer turn in ABBA order (even rounds native
 * first, odd rounds the peer first), which cancels a linear drift. Each round gives a ratio; the
 * report keeps their median and range, and the peer's row is the median of its samples over the
 * rounds.
 *
 * Both sides are timed by one rule, here and in peers.py: a side's first turn at an n warms up,
 * untimed, with batches of 1, 2, 4, … calls until one lasts 1 ms, and that batch is one sample from
 * then on; a turn takes samples until its time has passed and at least 3 are in; the median sample
 * is the turn's time per call.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { formatCount } from './format.js';
import { log } from './log.js';
import { tooSlowReason } from './measure.js';
import {
  describeRatios,
  libraryLabel,
  median,
  quantile,
  systemLabel,
  type Pair,
  type PairKey,
  type PairRound,
  type PythonDescription,
  type PythonLibrary,
  type PythonPeer,
  type PythonPeers,
  type Row,
  type Workload,
} from './results.js';
import { bytesPerElement, makeFixture, type SystemRunner } from './workloads.js';

const PEERS_SCRIPT = fileURLToPath(new URL('../peers.py', import.meta.url));

/** The peers, in the order they are paired at each n. */
const PYTHON_PEERS: readonly PythonPeer[] = ['numpy', 'torch'];

/** A sample lasts at least this long: short calls are timed in batches. */
const SAMPLE_NS = 1_000_000n;
const MIN_SAMPLES = 3;

/** Importing PyTorch can take tens of seconds from a cold disk. */
const START_TIMEOUT_MS = 60_000;
/**
 * How long a reply to a turn of `ms` may take: beyond the turn, its arrays, warm-up and 3 samples
 * of calls within maxCallMs take far less than 10 calls and 10 s; a server silent for longer hangs.
 */
function replyTimeoutMs(ms: number, maxCallMs: number): number {
  return ms + 10 * maxCallMs + 10_000;
}
/** peers.py exits at EOF on its stdin; one still running this long after is killed. */
const STOP_TIMEOUT_MS = 2_000;

/** A turn of one side: calls per sample, and the nanoseconds per call of each sample. */
interface Turn {
  readonly calls: number;
  readonly samplesNs: readonly number[];
}

/** One side of a pair at one n: its label, and a turn of `ms` milliseconds (0: just the 3 samples). */
interface Side {
  readonly label: string;
  turn(ms: number): Promise<Turn>;
}

/** Warm-up, untimed: batches of 1, 2, 4, … calls until one lasts SAMPLE_NS; returns its size. */
function batchSize(call: () => unknown): number {
  for (let calls = 1; ; calls *= 2) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) call();
    if (process.hrtime.bigint() - start >= SAMPLE_NS) return calls;
  }
}

/** Samples of `calls` calls until `ms` have passed and MIN_SAMPLES are in: nanoseconds per call of each. */
function takeSamples(call: () => unknown, calls: number, ms: number): number[] {
  const samplesNs: number[] = [];
  const turnNs = BigInt(Math.round(ms * 1e6));
  const started = process.hrtime.bigint();
  while (samplesNs.length < MIN_SAMPLES || process.hrtime.bigint() - started < turnNs) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) call();
    samplesNs.push(Number(process.hrtime.bigint() - start) / calls);
  }
  return samplesNs;
}

/** The side of a call timed in this process, warmed up on its first turn. */
function localSide(label: string, call: () => unknown): Side {
  let calls: number | undefined;
  return {
    label,
    async turn(ms) {
      calls ??= batchSize(call);
      return { calls, samplesNs: takeSamples(call, calls, ms) };
    },
  };
}

/** Why peers.py cannot go on: it did not start, exited, printed what is not a reply, or went silent. */
class PythonServerError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function readLibrary(value: unknown): PythonLibrary | undefined {
  if (!isRecord(value)) return undefined;
  const { version, error } = value;
  if (typeof version === 'string') return { version };
  return typeof error === 'string' ? { error } : undefined;
}

/** peers.py's first line as a description, or undefined when it is not one. */
function readDescription(value: unknown): PythonDescription | undefined {
  if (!isRecord(value) || !isRecord(value['interpreter'])) return undefined;
  const { executable, implementation, version } = value['interpreter'];
  const [numpy, torch] = [readLibrary(value['numpy']), readLibrary(value['torch'])];
  if (typeof executable !== 'string' || typeof implementation !== 'string' || typeof version !== 'string') return undefined;
  return numpy === undefined || torch === undefined ? undefined : { interpreter: { executable, implementation, version }, numpy, torch };
}

/** A reply as the turn of `peer` at n, or undefined when it is not one. */
function readTurn(value: unknown, { peer, n }: PairKey): Turn | undefined {
  if (!isRecord(value) || value['peer'] !== peer || value['n'] !== n) return undefined;
  const { calls, samplesNs } = value;
  const valid =
    Number.isInteger(calls) &&
    (calls as number) >= 1 &&
    Array.isArray(samplesNs) &&
    samplesNs.length >= MIN_SAMPLES &&
    samplesNs.every((sample) => typeof sample === 'number' && Number.isFinite(sample) && sample > 0);
  return valid ? { calls: calls as number, samplesNs: samplesNs as number[] } : undefined;
}

/** `line` read by `read`; a PythonServerError saying what was printed when it is not `expected`. */
function readLine<T>(line: string, read: (value: unknown) => T | undefined, expected: string): T {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const result = read(value);
  if (result === undefined) throw new PythonServerError(`printed ${JSON.stringify(line.slice(0, 200))} instead of ${expected}`);
  return result;
}

/** bench/peers.py, running: a JSON request line in, a JSON reply line out, one at a time. */
class PythonServer {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: string[] = [];
  #partial = '';
  /** Why no more lines will come, once that is known. */
  #ended: string | undefined;
  #wake: (() => void) | undefined;
  /** Settles when the process has exited (or never started). */
  readonly #gone: Promise<void>;

  constructor(interpreter: string, workload: Workload) {
    const args = [PEERS_SCRIPT, `--rate=${workload.rate}`, `--seed=${workload.seed}`];
    this.#child = spawn(interpreter, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\n');
      this.#partial = lines.pop()!;
      this.#lines.push(...lines);
      this.#wake?.();
    });
    this.#child.on('error', (error) => this.#end(`could not run ${interpreter}: ${error.message}`));
    // a write after it exited fails with EPIPE; 'close' says why it exited
    this.#child.stdin.on('error', () => {});
    this.#child.on('close', (code, signal) => this.#end(signal === null ? `exited with code ${code}` : `was killed by ${signal}`));
    // 'exit' does not come when it never started, 'close' not before a process it started lets go of stdout
    this.#gone = new Promise((resolve) => {
      this.#child.once('exit', () => resolve());
      this.#child.once('close', () => resolve());
    });
  }

  #end(reason: string): void {
    this.#ended ??= reason;
    this.#wake?.();
  }

  /**
   * The next line it prints, `awaited` (named in errors); when none comes within `timeoutMs`, it
   * is killed and a PythonServerError thrown.
   */
  async #nextLine(awaited: string, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#ended !== undefined) {
        // a process that never started has no pid, and no line to wait for
        throw new PythonServerError(this.#child.pid === undefined ? this.#ended : `${this.#ended} before ${awaited}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#child.kill('SIGKILL');
        throw new PythonServerError(`did not print ${awaited} within ${(timeoutMs / 1000).toFixed(0)} s`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return this.#lines.shift()!;
  }

  /** Its first line: the interpreter, and NumPy and PyTorch as it found them. */
  async start(): Promise<PythonDescription> {
    return readLine(await this.#nextLine('its first line', START_TIMEOUT_MS), readDescription, 'a description of the interpreter');
  }

  /** A turn of `peer` at n for `ms` milliseconds. */
  async turn(key: PairKey, ms: number, maxCallMs: number): Promise<Turn> {
    const request = JSON.stringify({ ...key, ms });
    this.#child.stdin.write(`${request}\n`);
    const line = await this.#nextLine(`its reply to ${request}`, replyTimeoutMs(ms, maxCallMs));
    return readLine(line, (value) => readTurn(value, key), `a reply to ${request}`);
  }

  /** Closes its stdin, so it exits, and kills it if it has not within STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.#gone;
    clearTimeout(timer);
    // a process it started could hold the pipe open, and with it this process
    this.#child.stdout.destroy();
  }
}

/** A pair, and the peer's row of the same n: both skipped, or the row the median of the peer's samples over the rounds. */
interface PairOutcome {
  readonly pair: Pair;
  readonly row: Row;
}

/** Each side's last measured call, by label: the next size's is extrapolated from it. */
type LastCalls = Map<string, { readonly ms: number; readonly n: number }>;

/**
 * Measures native against a peer at one n: skipped when a call of either side takes longer than
 * the workload's maxCallMs (extrapolated from the size before, else measured on a first turn of
 * no time, which also warms it up); else `pairing.rounds` rounds in ABBA order, each turn
 * `pairing.turnMs` or 3 calls of the slower side, whichever is longer.
 */
async function measurePair(key: PairKey, native: Side, peer: Side, workload: Workload, lastCalls: LastCalls): Promise<PairOutcome> {
  const { n } = key;
  const { budget, pairing } = workload;
  const rowKey = { system: { kind: key.peer }, operation: 'forward', dtype: 'float32', n } as const;
  // the row names the side only when it is native: the table already names the peer
  const skip = (side: Side, reason: string): PairOutcome => ({
    pair: { ...key, skipped: `${side.label}: ${reason}` },
    row: { ...rowKey, skipped: side === peer ? reason : `${side.label}: ${reason}` },
  });
  for (const side of [native, peer]) {
    const last = lastCalls.get(side.label);
    if (last !== undefined && (last.ms * n) / last.n > budget.maxCallMs) {
      return skip(side, tooSlowReason((last.ms * n) / last.n, `extrapolated from n = ${formatCount(last.n)}`, budget.maxCallMs));
    }
  }
  const callsMs: number[] = [];
  for (const side of [native, peer]) {
    const callMs = median((await side.turn(0)).samplesNs) / 1e6;
    if (callMs > budget.maxCallMs) return skip(side, tooSlowReason(callMs, 'measured', budget.maxCallMs));
    lastCalls.set(side.label, { ms: callMs, n });
    callsMs.push(callMs);
  }

  const turnMs = Math.max(pairing.turnMs, 3 * Math.max(...callsMs));
  const rounds: PairRound[] = [];
  const peerSamplesNs: number[] = [];
  let peerIterations = 0;
  for (let round = 0; round < pairing.rounds; round++) {
    const nativeFirst = round % 2 === 0;
    const first = await (nativeFirst ? native : peer).turn(turnMs);
    const second = await (nativeFirst ? peer : native).turn(turnMs);
    const [nativeTurn, peerTurn] = nativeFirst ? [first, second] : [second, first];
    rounds.push({
      nativeElementsPerSecond: (n * 1e9) / median(nativeTurn.samplesNs),
      peerElementsPerSecond: (n * 1e9) / median(peerTurn.samplesNs),
    });
    peerSamplesNs.push(...peerTurn.samplesNs);
    peerIterations += peerTurn.samplesNs.length * peerTurn.calls;
  }

  peerSamplesNs.sort((a, b) => a - b);
  return {
    pair: { ...key, turnMs, rounds },
    row: {
      ...rowKey,
      bytesPerElement: bytesPerElement('forward', 'float32'),
      p50Ns: quantile(peerSamplesNs, 0.5),
      p25Ns: quantile(peerSamplesNs, 0.25),
      p75Ns: quantile(peerSamplesNs, 0.75),
      samples: peerSamplesNs.length,
      iterations: peerIterations,
    },
  };
}

function logPair(native: Side, peer: Side, { pair }: PairOutcome): void {
  const label = `[main] float32 n=${formatCount(pair.n)} forward ${native.label} ÷ ${peer.label}`;
  if ('skipped' in pair) {
    log(`${label}: skipped, ${pair.skipped}`);
    return;
  }
  log(`${label}: ${describeRatios(pair)}, ${pair.rounds.length} rounds of ${pair.turnMs.toFixed(0)} ms turns`);
}

/**
 * Runs bench/peers.py under `$PYTHON` (else python3) and pairs `native`, simd-dropout's native
 * backend on 1 thread, with each peer that imported, at every n of `workload`. Returns what the
 * server reported and measured, and the peers' float32 forward rows. A server that cannot go on is
 * a result: its failure is recorded, the pairs before it kept, and it does not outlive this call.
 */
export async function measurePythonPeers(workload: Workload, native: SystemRunner): Promise<{ pythonPeers: PythonPeers; rows: Row[] }> {
  const interpreter = process.env['PYTHON'];
  const env: Record<string, string> = interpreter === undefined ? {} : { PYTHON: interpreter };
  const server = new PythonServer(interpreter ?? 'python3', workload);
  let python: PythonDescription | null = null;
  const pairs: Pair[] = [];
  const rows: Row[] = [];
  try {
    const description = await server.start();
    python = description;
    const { implementation, version } = description.interpreter;
    const libraries = `${libraryLabel('NumPy', description.numpy)}, ${libraryLabel('PyTorch', description.torch)}`;
    log(`[main] ${implementation} ${version}, ${libraries}: paired with ${systemLabel(native.system, 'float32')}`);
    const peers = PYTHON_PEERS.filter((peer) => 'version' in description[peer]);
    await native.activate();
    const lastCalls: LastCalls = new Map();
    for (const n of peers.length === 0 ? [] : workload.sizes) {
      const fixture = makeFixture('float32', n);
      const nativeSide = localSide(systemLabel(native.system, 'float32'), native.prepare('forward', fixture, fixture.out));
      for (const peer of peers) {
        const key = { peer, n };
        const peerSide: Side = {
          label: systemLabel({ kind: peer }, 'float32'),
          turn: (ms) => server.turn(key, ms, workload.budget.maxCallMs),
        };
        const outcome = await measurePair(key, nativeSide, peerSide, workload, lastCalls);
        logPair(nativeSide, peerSide, outcome);
        pairs.push(outcome.pair);
        rows.push(outcome.row);
      }
    }
    return { pythonPeers: { env, python, pairs }, rows };
  } catch (error) {
    if (!(error instanceof PythonServerError)) throw error;
    log(`[main] bench/peers.py FAILED: ${error.message}`);
    const failure = `bench/peers.py ${error.message}`;
    return { pythonPeers: python === null ? { env, python, failure } : { env, python, pairs, failure }, rows };
  } finally {
    await server.stop();
  }
}
