/**
 * The Markdown made from a results file: the full report (bench/results/latest.md) and the part
 * the README shows (bench/results/README-snippet.md). Both are functions of the JSON alone.
 */
import {
  formatBytes,
  formatCount,
  formatElementRate,
  formatGigabytesRate,
  formatRatio,
  formatShare,
  significant,
} from './format.js';
import {
  elementsPerSecond,
  FAMILY_OPERATIONS,
  gigabytesPerSecond,
  isMeasured,
  describeRatios,
  isReport,
  libraryLabel,
  ResultsIndex,
  startedBusy,
  systemLabel,
  type BenchResults,
  type Dtype,
  type Measurement,
  type Operation,
  type PythonPeer,
  type System,
  type WorkerReport,
} from './results.js';

/** The call each operation times, as the tables name it. */
const OPERATION_LABELS: Readonly<Record<Exclude<Operation, 'copy'>, string>> = {
  forward: '`dropout`',
  backward: '`dropoutBackward`',
  recompute: "`Dropout` layer `backward`, `maskStorage: 'recompute'`",
  alphaDropout: '`alphaDropout`',
  gaussianDropout: '`gaussianDropout`',
  gaussianNoise: '`gaussianNoise`',
  biasDropoutAdd: '`biasDropoutAdd`',
  spatialDropout: '`spatialDropout` (2D)',
};

/** The sections of the per-size tables: what each operation is, in a heading. */
const SECTIONS: readonly { readonly operation: 'forward' | 'backward' | 'recompute'; readonly heading: string }[] = [
  { operation: 'forward', heading: 'Forward: `dropout`' },
  { operation: 'backward', heading: 'Backward with the stored mask: `dropoutBackward`' },
  { operation: 'recompute', heading: "Backward drawing the mask again: `Dropout` layer with `maskStorage: 'recompute'`" },
];

/**
 * The project's goals for `dropout` forward, float32: native on 1 thread at least `atLeast` times
 * as fast as each Python peer, for n from `fromN` on.
 */
const PEER_GOALS: readonly { readonly peer: PythonPeer; readonly atLeast: number; readonly fromN: number }[] = [
  { peer: 'numpy', atLeast: 4, fromN: 1e5 },
  { peer: 'torch', atLeast: 20, fromN: 1e5 },
];

/** Skipped rows, collected while a table is written, listed below it. */
class Footnotes {
  readonly #lines: string[] = [];

  /** A marker for the cell, and a line below the table saying why. */
  add(text: string): string {
    this.#lines.push(`${'†'.repeat(this.#lines.length + 1)} ${text}`);
    return 'skipped' + '†'.repeat(this.#lines.length);
  }

  lines(): string[] {
    return this.#lines.length === 0 ? [] : ['', ...this.#lines.map((line) => `${line}  `)];
  }
}

/** The thread counts and ISAs of the run, for the header. */
function describeNatives(index: ResultsIndex): string {
  const main = index.main;
  if (main === undefined) return '**native:** not measured (the main worker failed)';
  if (!main.native.available) return `**native:** unavailable — ${main.native.reason.replace(/\s+/g, ' ')}`;
  const forced = index.results.workers
    .filter(isReport)
    .filter((worker) => worker.role === 'isa' && worker.native.available)
    .map((worker) => worker.info.isa);
  const all = index.mainNative('all');
  const threads = all?.kind === 'native' ? `1 and ${all.threads}` : '1';
  const isas = [`${main.info.isa} (the best this CPU runs)`, ...forced.map((isa) => `${isa} (forced)`)].join(', ');
  return `**native ISAs:** ${isas} · **native threads:** ${threads}`;
}

/** The interpreter and libraries of the Python peers, for the header. */
function describePython(index: ResultsIndex): string {
  const python = index.main?.pythonPeers?.python;
  if (python == null) return '**Python:** not run (the goals say why)';
  const { interpreter, numpy, torch } = python;
  return `**Python:** ${interpreter.implementation} ${interpreter.version}, ${libraryLabel('NumPy', numpy)}, ${libraryLabel('PyTorch', torch)}`;
}

function headerLine(results: BenchResults, index: ResultsIndex): string {
  const { machine, node, workload } = results;
  const flags = machine.simdFlags === null ? 'unknown' : machine.simdFlags.join(' ') || 'none';
  return [
    `**Machine:** ${machine.cpuModel}, ${machine.logicalCores} logical cores, ${machine.arch} ${machine.platform} ${machine.osRelease}`,
    `**CPU SIMD flags:** ${flags}`,
    `**Node:** ${node.version} (V8 ${node.v8})`,
    describePython(index),
    `**simd-dropout:** ${index.main?.info.version ?? 'unknown'}`,
    describeNatives(index),
    `**rate:** ${workload.rate}`,
    `**seed:** ${workload.seed}, stream ${workload.stream}`,
    `${results.date.slice(0, 10)}, ${results.mode} mode, ${(results.durationSeconds / 60).toFixed(1)} min`,
  ].join(' · ');
}

/** A warning when other work shared the cores, else nothing. */
function busyWarning(results: BenchResults): string[] {
  if (!startedBusy(results)) return [];
  const { loadAverage1m, logicalCores } = results.machine;
  return [
    '',
    `> **The machine was busy:** 1-minute load average ${loadAverage1m.toFixed(2)} on ${logicalCores} logical cores as the ` +
      'run started, so other work shared the cores: every number is noisier than on a quiet machine, and the threaded rows gain less. ' +
      'Rerun `npm run bench` on a quiet machine before quoting these numbers.',
  ];
}

/** A cell of a per-size table: throughput, and the ratios against JS and the copy. */
function throughputCell(index: ResultsIndex, system: System, operation: Operation, dtype: Dtype, n: number, notes: Footnotes): string {
  const row = index.find(system, operation, dtype, n);
  if (row === undefined) return 'n/a';
  if (!isMeasured(row)) return notes.add(`${systemLabel(system, dtype)} at n = ${formatCount(n)}: ${row.skipped}.`);
  const ratios: string[] = [];
  const js = index.measured({ kind: 'js' }, operation, dtype, n);
  if (system.kind !== 'js' && js !== undefined) ratios.push(`${formatRatio(js.p50Ns / row.p50Ns)} JS`);
  const copy = index.measured({ kind: 'copy' }, 'copy', dtype, n);
  if (system.kind !== 'copy' && copy !== undefined) ratios.push(`${formatShare(gigabytesPerSecond(row) / gigabytesPerSecond(copy))} of copy`);
  const throughput = `${formatElementRate(elementsPerSecond(row))} · ${formatGigabytesRate(gigabytesPerSecond(row))}`;
  return ratios.length === 0 ? throughput : `${throughput}<br>${ratios.join(' · ')}`;
}

/**
 * One operation on one dtype at every size: a row per system (the copy limit first), a column per
 * n, each cell the throughput and its ratios against the JS backend and the copy.
 */
function sizeTable(index: ResultsIndex, operation: 'forward' | 'backward' | 'recompute', dtype: Dtype): string[] {
  const { sizes } = index.results.workload;
  const bytes = dtype === 'float32' ? 4 : 8;
  const systems = [...index.systems('copy', dtype), ...index.systems(operation, dtype)];
  const notes = new Footnotes();
  const rows = systems.map((system) => {
    const rowOperation = system.kind === 'copy' ? 'copy' : operation;
    const cells = sizes.map((n) => throughputCell(index, system, rowOperation, dtype, n, notes));
    return `| ${systemLabel(system, dtype)} | ${cells.join(' | ')} |`;
  });
  return [
    `### ${dtype}`,
    '',
    `| system | ${sizes.map((n) => `n = ${formatCount(n)}<br>${formatBytes(n * bytes)}`).join(' | ')} |`,
    `| --- | ${sizes.map(() => '---:').join(' | ')} |`,
    ...rows,
    ...notes.lines(),
  ];
}

/** `a ÷ b` of two rows' throughput, or a dash when either is missing. */
function speedUp(a: Measurement | undefined, b: Measurement | undefined): string {
  return a === undefined || b === undefined ? '—' : formatRatio(b.p50Ns / a.p50Ns);
}

/**
 * The family next to `dropout`, forward, at the family's sizes: elements/s of every native
 * configuration and the JS backend, and the speed-ups that show whether each variant scales like
 * `dropout` — with the ISA (best ÷ scalar), with threads, and over JS.
 */
function familyTable(index: ResultsIndex): string[] {
  const { familySizes, familyDtypes } = index.results.workload;
  const one = index.mainNative('one');
  const all = index.mainNative('all');
  const scalar: System = { kind: 'native', isa: 'scalar', threads: 1 };
  const bestIsaIsScalar = one?.kind === 'native' && one.isa === 'scalar';
  const systems = (familyDtypes.length === 0 ? [] : index.systems('alphaDropout', familyDtypes[0]!)).filter(
    (system) => system.kind === 'native' || system.kind === 'js',
  );
  const speedUpHeaders = [
    bestIsaIsScalar ? null : `SIMD: ${one?.kind === 'native' ? one.isa : 'best'} ÷ scalar`,
    all === undefined ? null : `threads: ${all.kind === 'native' ? all.threads : ''} ÷ 1`,
    'best native ÷ JS',
  ].filter((header) => header !== null);
  const notes = new Footnotes();
  const rows = familyDtypes.flatMap((dtype) =>
    familySizes.flatMap((n) =>
      (['forward', ...FAMILY_OPERATIONS] as const).map((operation) => {
        const measured = (system: System | undefined) =>
          system === undefined ? undefined : index.measured(system, operation, dtype, n);
        const cells = systems.map((system) => {
          const row = index.find(system, operation, dtype, n);
          if (row === undefined) return 'n/a';
          if (!isMeasured(row)) return notes.add(`${OPERATION_LABELS[operation]}, ${systemLabel(system, dtype)}: ${row.skipped}.`);
          return formatElementRate(elementsPerSecond(row));
        });
        const speedUps = [
          bestIsaIsScalar ? null : speedUp(measured(one), measured(scalar)),
          all === undefined ? null : speedUp(measured(all), measured(one)),
          speedUp(measured(all ?? one), measured({ kind: 'js' })),
        ].filter((cell) => cell !== null);
        return `| ${OPERATION_LABELS[operation]} | ${dtype} | ${formatCount(n)} | ${[...cells, ...speedUps].join(' | ')} |`;
      }),
    ),
  );
  const labels = systems.map((system) => systemLabel(system, 'float32'));
  return [
    '| function | dtype | n | ' + [...labels, ...speedUpHeaders].join(' | ') + ' |',
    '| --- | --- | ---: | ' + [...labels, ...speedUpHeaders].map(() => '---:').join(' | ') + ' |',
    ...rows,
    ...notes.lines(),
  ];
}

/**
 * Why this run has no float32 forward row of `system`, a peer: the main worker failed, there was no
 * native to pair a Python peer with, bench/peers.py failed, the library did not import, or every
 * size was skipped.
 */
function whyUnmeasured(results: BenchResults, system: System): string {
  const main = results.workers.find((candidate) => candidate.role === 'main');
  if (main === undefined) return 'the main worker did not run';
  if (!isReport(main)) return `the main worker failed: ${main.failure}`;
  if (system.kind === 'numpy' || system.kind === 'torch') {
    const pythonPeers = main.pythonPeers;
    if (pythonPeers === undefined) return 'native was not measured, and the Python peers are timed only in turns with it';
    if (pythonPeers.python === null) return pythonPeers.failure;
    const library = pythonPeers.python[system.kind];
    if ('error' in library) return library.error;
    if (pythonPeers.failure !== undefined) return pythonPeers.failure;
  }
  return 'every size was skipped';
}

/** What the goals' table shows, in a sentence above it. */
function goalsLead(results: BenchResults): string {
  const { rate, pairing } = results.workload;
  return (
    `The goals' ratios, \`dropout\` forward, float32, rate ${rate}: elements/s of native on 1 thread ÷ the peer's, same n, measured in ` +
    `${pairing.rounds} interleaved rounds — in each, a turn of native and a turn of the peer (at least ${pairing.turnMs} ms each), ` +
    'native first in even rounds and the peer first in odd ones, so a steady drift of the machine\'s speed cancels. ' +
    'Each cell: the median of the rounds\' ratios, and their range.'
  );
}

/**
 * The speed-ups the goals are about, after a sentence on how they were measured: native on 1
 * thread over each Python peer at every n, from the pairs' rounds; a peer this run did not measure
 * gets no ratio (its quoted figures come from another day).
 */
function peerGoalsTable(index: ResultsIndex): string[] {
  const one = index.mainNative('one');
  if (one === undefined) return ['Native on 1 thread was not measured, so there is no ratio against the Python peers.'];
  const { sizes } = index.results.workload;
  const measured = PEER_GOALS.filter(({ peer }) => index.measuredForward({ kind: peer }));
  const notes = new Footnotes();
  const rows = measured.map(({ peer, atLeast, fromN }) => {
    const cells = sizes.map((n) => {
      const pair = index.pair(peer, n);
      if (pair === undefined) return '—';
      if ('skipped' in pair) return notes.add(`At n = ${formatCount(n)}, ${pair.skipped}.`);
      return describeRatios(pair);
    });
    const goal = `≥ ×${atLeast} at n ≥ ${formatCount(fromN)}`;
    return `| ${systemLabel(one, 'float32')} ÷ ${systemLabel({ kind: peer }, 'float32')} | ${goal} | ${cells.join(' | ')} |`;
  });
  const pythonPeers = index.main?.pythonPeers;
  const stopped =
    pythonPeers?.python != null && pythonPeers.failure !== undefined && rows.length > 0
      ? [`The pairs after the last one shown are missing: ${pythonPeers.failure}.  `]
      : [];
  const unmeasured = PEER_GOALS.filter((goal) => !measured.includes(goal)).map(
    ({ peer }) =>
      `${systemLabel({ kind: peer }, 'float32')}: not measured in this run (${whyUnmeasured(index.results, { kind: peer })}), so no ratio; ` +
      'its figures from another day are quoted with the peers at the end of the report.  ',
  );
  const table =
    rows.length === 0
      ? []
      : [
          goalsLead(index.results),
          '',
          `| speed-up | goal | ${sizes.map((n) => `n = ${formatCount(n)}`).join(' | ')} |`,
          `| --- | ---: | ${sizes.map(() => '---:').join(' | ')} |`,
          ...rows,
          ...notes.lines(),
        ];
  const below = [...stopped, ...unmeasured];
  return [...table, ...(below.length === 0 || table.length === 0 ? [] : ['']), ...below];
}

/** The peers this run could not measure, as measured for the issue on another day: clearly apart from this run's numbers. */
function quotedPeersTable(index: ResultsIndex): string[] {
  const quotedPeers = index.quotedPeers();
  if (quotedPeers.length === 0) return [];
  const sizes = Object.keys(quotedPeers[0]!.megaElementsPerSecond);
  return [
    '## Peers — quoted, not measured in this run',
    '',
    'dropout forward, float32, rate 0.5, in elements/s, as measured on this machine for the issue that asked for ' +
      'this benchmark, on another day: this run could not measure them (the last column says why). The machine is ' +
      'shared and its numbers move between runs, so compare with care; in the chart they are the dashed lines.',
    '',
    `| system | ${sizes.map((n) => `n = ${formatCount(Number(n))}`).join(' | ')} | not measured because |`,
    `| --- | ${sizes.map(() => '---:').join(' | ')} | --- |`,
    ...quotedPeers.map((peer) => {
      const cells = sizes.map((n) => formatElementRate(peer.megaElementsPerSecond[n]! * 1e6));
      return `| ${peer.name} | ${cells.join(' | ')} | ${whyUnmeasured(index.results, peer.system)} |`;
    }),
  ];
}

/** `NAME=value` of each variable, or `fallback` when there are none. */
function describeEnv(env: Readonly<Record<string, string>>, fallback: string): string {
  return Object.entries(env).map(([name, value]) => `\`${name}=${value}\``).join(' ') || fallback;
}

/** How the main worker ran the Python peers: the interpreter and libraries, and how far it got. */
function pythonPeersNote(worker: WorkerReport): string[] {
  const { pythonPeers } = worker;
  if (pythonPeers === undefined) return [];
  const what = `then NumPy and PyTorch, \`bench/peers.py\` (${describeEnv(pythonPeers.env, '`python3` on PATH')})`;
  if (pythonPeers.python === null) return [`  - ${what}: **failed** — ${pythonPeers.failure}; their rows are missing.`];
  const { interpreter, numpy, torch } = pythonPeers.python;
  const stopped = pythonPeers.failure === undefined ? '' : `; **stopped early** — ${pythonPeers.failure}, the pairs after are missing`;
  return [
    `  - ${what}: ${interpreter.implementation} ${interpreter.version} (\`${interpreter.executable}\`), ${libraryLabel('NumPy', numpy, true)}, ${libraryLabel('PyTorch', torch, true)}; ` +
      `${pythonPeers.pairs.length} pairs with native on 1 thread${stopped}.`,
  ];
}

/** How the workers ran: their environment and ISA, or why one measured nothing. */
function workerNotes(results: BenchResults): string[] {
  return results.workers.flatMap((worker) => {
    const env = describeEnv(worker.env, 'no SIMD_DROPOUT_* variables');
    const what = {
      main: 'copy, native (best ISA), JS, the plain JS loop',
      isa: 'native with a forced ISA',
      tfjs: 'TF.js',
    }[worker.role];
    if (!isReport(worker)) return `  - ${what} (${env}): **failed** — ${worker.failure}; its rows are missing.`;
    if (worker.role === 'tfjs') {
      return worker.tfjs == null
        ? `  - ${what}: **not measured** — TF.js did not load: ${worker.tfjsError ?? 'unknown error'}.`
        : `  - ${what}: ${worker.rows.length} rows.`;
    }
    if (!worker.native.available) {
      return `  - ${what} (${env}): **native not measured** — ${worker.native.reason.replace(/\s+/g, ' ')}.`;
    }
    return [`  - ${what} (${env}): ISA ${worker.info.isa}, ${worker.rows.length} rows.`, ...pythonPeersNote(worker)];
  });
}

/** How the native rows chose their thread count, and where the library keeps small calls on one thread. */
function threadsNote(index: ResultsIndex): string[] {
  const main = index.main;
  if (main === undefined) return [];
  if (main.threadsApi === null) return ['- **Threads:** this build of simd-dropout has no `setThreads`, so every native row ran on 1 thread.'];
  // info() reports the crossovers in builds that have them; read loosely, like setThreads
  const crossover = (name: string) => {
    const value: unknown = Reflect.get(main.info, name);
    return typeof value === 'number' ? String(value) : 'unknown';
  };
  return [
    '- **Threads:** each native row set its thread count with `setThreads(n)` before timing: the main ISA on 1 thread and ' +
      'on every core; the forced ISAs and the JS backend on 1. With more than one thread set, calls below ' +
      `\`info().threadCrossover\` (${crossover('threadCrossover')} elements; \`applyThreadCrossover\` ${crossover('applyThreadCrossover')} ` +
      'for `dropoutBackward`) still run on one thread, as the library decides for every user.',
  ];
}

function notes(results: BenchResults, index: ResultsIndex): string[] {
  const { workload, machine } = results;
  const { budget, pairing } = workload;
  const tfjs = results.workers.filter(isReport).find((worker) => worker.role === 'tfjs')?.tfjs;
  const [height, width, channels] = workload.spatialMap;
  return [
    '## How this was measured',
    '',
    '- **Throughput:** n / median time per call, in elements/s (k, M, G = 10³, 10⁶, 10⁹) and in GB/s: the bytes a ' +
      'call reads plus writes, per element 2 arrays (copy, forward, recompute and the family), 2 arrays + 1 mask bit ' +
      '(backward), 3 arrays (`biasDropoutAdd`: x, residual, out).',
    '- **×N JS:** that system\'s speed over the JS backend\'s, same op, dtype and n. **% of copy:** its GB/s as a share of ' +
      '`TypedArray.prototype.set` at the same dtype and n — the memory-bandwidth limit (the cache\'s, while the arrays fit in it).',
    `- **Timing:** ${results.harness} \`measure\`, after warm-up; each row at least ${budget.minSamples} samples and ` +
      `${budget.minTimeMs} ms of samples, at most ${budget.maxTimeMs} ms once it has ${budget.minSamples}; the median ` +
      `(p50) is reported, p25 and p75 are in the JSON. A row whose single call takes over ${budget.maxCallMs / 1000} s ` +
      '(measured, or extrapolated linearly from the size before) is skipped. `out` is preallocated, so the timed ' +
      'calls of simd-dropout and the copy allocate nothing.',
    `- **Same work, checked:** every call uses seed ${workload.seed}, stream ${workload.stream} (the \`Dropout\` layer ` +
      `seed ${workload.seed}), so every iteration draws the same mask; before timing, every native configuration's ` +
      `output was compared bit for bit with the JS backend's at every n ≤ ${formatCount(workload.checkedUpToN)}.`,
    '- **Processes:** the ISA is chosen when the addon loads, so each forced ISA (`SIMD_DROPOUT_ISA`) ran in its own ' +
      'child process of the benchmark, one after the other, and the driver merged their JSON:',
    ...workerNotes(results),
    ...threadsNote(index),
    tfjs == null
      ? '- **TF.js:** not measured.'
      : `- **TF.js:** tfjs-core ${tfjs.version} in production mode, \`tf.dropout(tf.tensor1d(x), ${workload.rate}, undefined, ${workload.seed})\` ` +
        'in `tf.tidy`, then `dataSync()` and `dispose()`: from a Float32Array in to a Float32Array out, tensor creation, ' +
        `the output's allocation and the copy out included. wasm backend: ${tfjs.wasm.simd ? 'SIMD' : 'no SIMD'}, ` +
        `${tfjs.wasm.threads} thread${tfjs.wasm.threads === 1 ? '' : 's'}. TF.js has no float64 tensors and no dropout backward with a mask, so it has float32 forward rows only.`,
    `- **Peers, float32 forward only:** the plain JS loop \`out[i] = x[i] * (Math.random() >= p ? 1 / q : 0)\` (q = 1 − p) in ` +
      'the main worker. NumPy: the issue\'s `x * (rng.random(n) >= p) / q` as written, the form the goals were set against, ' +
      `with \`rng = np.random.default_rng(${workload.seed})\` (PCG64) on a float32 x: the draw is float64, the result float32, ` +
      'and each call allocates its temporaries and its output. PyTorch: `torch.nn.functional.dropout(x, p, training=True)` ' +
      `on a float32 tensor after \`torch.set_num_threads(1)\` and \`torch.manual_seed(${workload.seed})\`. Their GB/s count ` +
      'the 2 float32 arrays of `dropout`, whatever else they move.',
    `- **Python peers, in turns with native:** NumPy and PyTorch run in \`bench/peers.py\`, a server the main worker starts ` +
      'after its rows. The machine\'s speed drifts over minutes, so for each n and peer the worker times native on 1 thread ' +
      `and the peer in turns: ${pairing.rounds} rounds, native first in even rounds and the peer first in odd ones, so a ` +
      'steady drift cancels. Both sides are timed by one rule, in Node (`process.hrtime.bigint`) and in Python ' +
      '(`time.perf_counter_ns`): at each n, an untimed warm-up runs batches of 1, 2, 4, … calls until one lasts 1 ms, and ' +
      'that batch is one sample from then on; a turn takes samples until its time has passed and it has at least 3, and its ' +
      'time per call is the median sample. Before the rounds, a turn of 3 samples of each side gives the length of a call; ' +
      `each round's turns last ${pairing.turnMs} ms, or 3 calls of the slower side when longer. A round's ratio is native's ` +
      'elements/s over the peer\'s; the goals show the median over the rounds and their range. The peer\'s row in the tables ' +
      'is the median of its samples over the rounds, next to native\'s own rows, timed as above. A pair whose call, on either ' +
      `side, takes over ${budget.maxCallMs / 1000} s is skipped.`,
    `- **The family:** \`gaussianDropout\` rate ${workload.rate} (noise σ = ${significant(Math.sqrt(workload.rate / (1 - workload.rate)), 3)}), ` +
      `\`gaussianNoise\` stddev ${workload.noiseStddev}, \`biasDropoutAdd\` on [n / ${workload.biasColumns}, ${workload.biasColumns}], ` +
      `\`spatialDropout\` on NHWC [n / ${height * width * channels}, ${height}, ${width}, ${channels}] (mask n / ${height * width} elements, broadcast).`,
    `- **Machine:** ${machine.totalMemoryGiB} GiB RAM; 1-minute load average ${machine.loadAverage1m.toFixed(2)} at the start ` +
      '(the cores may be shared with other work: compare rows of one run, not across runs).',
  ];
}

/**
 * Renders a run as Markdown: a header naming machine, CPU flags, Node, Python, ISAs, threads, rate
 * and seeds; the chart; the goals' ratios; a table per operation and dtype; the family; the peers
 * this run could not measure, quoted; and notes on how it was measured.
 */
export function renderMarkdown(results: BenchResults): string {
  const index = new ResultsIndex(results);
  return [
    '# simd-dropout benchmark',
    '',
    headerLine(results, index),
    ...busyWarning(results),
    '',
    '![dropout forward, float32: elements/s vs n](latest.svg)',
    '',
    '## Goals: native on 1 thread against NumPy and PyTorch',
    '',
    ...peerGoalsTable(index),
    '',
    'Each cell below: elements/s · GB/s, then the speed-up over the JS backend and the share of the copy\'s bandwidth.',
    ...SECTIONS.flatMap(({ operation, heading }) => [
      '',
      `## ${heading}`,
      ...results.workload.dtypes.flatMap((dtype) => ['', ...sizeTable(index, operation, dtype)]),
    ]),
    '',
    '## The family, forward',
    '',
    'Elements/s; the speed-up columns show whether every variant gains from SIMD and threads as `dropout` does.',
    '',
    ...familyTable(index),
    '',
    ...quotedPeersTable(index),
    '',
    ...notes(results, index),
    '',
  ].join('\n');
}

/**
 * The README's part: the chart, the float32 forward table and the goals' ratios, linking to the full report. Paths
 * are relative to the package root, where the README is.
 */
export function renderReadmeSnippet(results: BenchResults): string {
  const index = new ResultsIndex(results);
  const float32 = results.workload.dtypes.includes('float32') ? sizeTable(index, 'forward', 'float32').slice(2) : [];
  return [
    '<!-- made by `npm run bench` from bench/results/latest.json -->',
    '![dropout forward, float32: elements/s vs n](bench/results/latest.svg)',
    '',
    headerLine(results, index),
    ...busyWarning(results),
    '',
    '`dropout` forward, float32 — each cell: elements/s · GB/s, then the speed-up over the JS backend and the share of the copy\'s bandwidth:',
    '',
    ...float32,
    '',
    ...peerGoalsTable(index),
    '',
    'Backward, recompute, float64, the rest of the family, any peer quoted because this run could not measure it, ' +
      'and how it was measured: [bench/results/latest.md](bench/results/latest.md).',
    '',
  ].join('\n');
}
