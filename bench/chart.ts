/**
 * The SVG chart of a run (bench/results/latest.svg): dropout forward on float32, elements/s
 * against n on log axes, a line per system measured and a dashed line per peer this run could not
 * measure, quoted. Plain string templating: the chart is a function of the results file alone.
 */
import { formatBytes, formatCount, formatElementRate } from './format.js';
import { elementsPerSecond, isMeasured, ResultsIndex, startedBusy, systemLabel, type BenchResults, type System } from './results.js';

/** A line of the chart: its points (n, elements/s) and how it is drawn; quoted lines are dashed. */
interface Series {
  readonly label: string;
  readonly points: readonly (readonly [n: number, perSecond: number])[];
  readonly color: string;
  readonly quoted: boolean;
}

const WIDTH = 1120;
const HEIGHT = 590;
const PLOT = { left: 100, right: 720, top: 86, bottom: 500 } as const;
const FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'";

/** Blues and greens for the native configurations, fastest first; one colour per other system, a peer's the same measured or quoted. */
const NATIVE_COLORS = ['#08306b', '#2b8cbe', '#238b45', '#74c476', '#6baed6', '#9ecae1'];
const SYSTEM_COLORS = {
  copy: '#222222',
  js: '#e6550d',
  tfjs: { wasm: '#756bb1', cpu: '#a05d56' },
  jsLoop: '#e377c2',
  numpy: '#bcbd22',
  torch: '#d62728',
} as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');
}

/** 1e6 -> 10⁶, 1.6e7 -> 1.6·10⁷. */
function powerOfTen(n: number): string {
  const superscripts = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  const [mantissa, exponent] = formatCount(n).split('e') as [string, string];
  const power = `10${[...exponent].map((digit) => superscripts[Number(digit)]).join('')}`;
  return mantissa === '1' ? power : `${mantissa}·${power}`;
}

function seriesColor(system: System, nativeIndex: number): string {
  switch (system.kind) {
    case 'native':
      return NATIVE_COLORS[nativeIndex % NATIVE_COLORS.length]!;
    case 'tfjs':
      return SYSTEM_COLORS.tfjs[system.backend];
    default:
      return SYSTEM_COLORS[system.kind];
  }
}

/** A tick label of the throughput axis: `1 M/s`, `10 G/s`. */
function formatDecade(perSecond: number): string {
  return formatElementRate(perSecond).replace(/\.0+ /, ' ');
}

/** The measured float32 forward lines (their skipped sizes named), and the quoted ones of the peers not measured, at the run's sizes. */
function collectSeries(results: BenchResults): Series[] {
  const index = new ResultsIndex(results);
  const { sizes } = results.workload;
  const systems = [...index.systems('copy', 'float32'), ...index.systems('forward', 'float32')];
  let natives = 0;
  const measured = systems.map((system) => {
    const operation = system.kind === 'copy' ? 'copy' : 'forward';
    const rows = sizes.map((n) => index.find(system, operation, 'float32', n));
    const points = rows.flatMap((row) => (row !== undefined && isMeasured(row) ? [[row.n, elementsPerSecond(row)] as const] : []));
    const skipped = rows.flatMap((row) => (row !== undefined && !isMeasured(row) ? [powerOfTen(row.n)] : []));
    const label = systemLabel(system, 'float32') + (skipped.length === 0 ? '' : ` (n = ${skipped.join(', ')} skipped)`);
    const color = seriesColor(system, system.kind === 'native' ? natives++ : 0);
    return { label, points, color, quoted: false };
  });
  const peers = index.quotedPeers().map((peer) => ({
    label: peer.name,
    points: sizes.flatMap((n) => {
      const mega = peer.megaElementsPerSecond[String(n)];
      return mega === undefined ? [] : [[n, mega * 1e6] as const];
    }),
    color: seriesColor(peer.system, 0),
    quoted: true,
  }));
  return [...measured, ...peers].filter((series) => series.points.length > 0);
}

/**
 * Renders the chart: title naming op, dtype, rate and machine; log axes with units; a legend in
 * the order the lines end at the largest n, top to bottom.
 */
export function renderChart(results: BenchResults): string {
  const series = collectSeries(results);
  const { sizes, rate } = results.workload;
  const allRates = series.flatMap((s) => s.points.map(([, perSecond]) => perSecond));
  const [yMin, yMax] = [Math.floor(Math.log10(Math.min(...allRates))), Math.ceil(Math.log10(Math.max(...allRates)))];
  const [xMin, xMax] = [Math.log10(Math.min(...sizes)) - 0.15, Math.log10(Math.max(...sizes)) + 0.15];
  const x = (n: number) => PLOT.left + ((Math.log10(n) - xMin) / (xMax - xMin)) * (PLOT.right - PLOT.left);
  const y = (perSecond: number) => PLOT.bottom - ((Math.log10(perSecond) - yMin) / (yMax - yMin)) * (PLOT.bottom - PLOT.top);
  const px = (v: number) => v.toFixed(1);

  const grid: string[] = [];
  for (let decade = yMin; decade <= yMax; decade++) {
    const yy = px(y(10 ** decade));
    grid.push(`<line x1='${PLOT.left}' x2='${PLOT.right}' y1='${yy}' y2='${yy}' stroke='#cccccc'/>`);
    grid.push(`<text x='${PLOT.left - 8}' y='${yy}' dy='4' text-anchor='end'>${formatDecade(10 ** decade)}</text>`);
    if (decade === yMax) break;
    for (const minor of [2, 5]) {
      const ym = px(y(minor * 10 ** decade));
      grid.push(`<line x1='${PLOT.left}' x2='${PLOT.right}' y1='${ym}' y2='${ym}' stroke='#eeeeee'/>`);
    }
  }
  for (const n of sizes) {
    const xx = px(x(n));
    grid.push(`<line x1='${xx}' x2='${xx}' y1='${PLOT.top}' y2='${PLOT.bottom}' stroke='#e4e4e4'/>`);
    grid.push(`<text x='${xx}' y='${PLOT.bottom + 20}' text-anchor='middle'>${powerOfTen(n)}</text>`);
    grid.push(`<text x='${xx}' y='${PLOT.bottom + 35}' text-anchor='middle' font-size='11' fill='#666666'>${formatBytes(4 * n)}</text>`);
  }

  const stroke = (s: Series) =>
    `stroke='${s.color}' stroke-width='${s.quoted ? 1.6 : 2.4}'${s.quoted ? ` stroke-dasharray='7 4'` : ''}`;
  const marker = (s: Series, cx: number, cy: number) =>
    `<circle cx='${px(cx)}' cy='${px(cy)}' r='3.5' fill='${s.quoted ? 'white' : s.color}' stroke='${s.color}' stroke-width='1.5'/>`;
  const lines = series.map((s) => {
    const path = s.points.map(([n, perSecond], i) => `${i === 0 ? 'M' : 'L'}${px(x(n))},${px(y(perSecond))}`).join(' ');
    const markers = s.points.map(([n, perSecond]) => marker(s, x(n), y(perSecond))).join('');
    return `<g><title>${escapeXml(s.label)}</title><path d='${path}' fill='none' ${stroke(s)}/>${markers}</g>`;
  });

  // two groups, measured then quoted, each in the order its lines end (highest first), like the chart's right edge
  const byLastValue = (a: Series, b: Series) => b.points.at(-1)![1] - a.points.at(-1)![1];
  const groups = [
    { heading: 'measured in this run', members: series.filter((s) => !s.quoted).sort(byLastValue) },
    { heading: 'quoted from the issue, not measured here', members: series.filter((s) => s.quoted).sort(byLastValue) },
  ].filter((group) => group.members.length > 0);
  const legend: string[] = [];
  let ly = PLOT.top + 4;
  for (const { heading, members } of groups) {
    legend.push(`<text x='${PLOT.right + 24}' y='${ly}' dy='4' font-size='12' font-style='italic' fill='#555555'>${heading}</text>`);
    ly += 22;
    for (const s of members) {
      legend.push(
        `<line x1='${PLOT.right + 24}' x2='${PLOT.right + 56}' y1='${ly}' y2='${ly}' ${stroke(s)}/>` +
          marker(s, PLOT.right + 40, ly) +
          `<text x='${PLOT.right + 64}' y='${ly}' dy='4'>${escapeXml(s.label)}</text>`,
      );
      ly += 22;
    }
    ly += 12;
  }

  const { machine, node } = results;
  const index = new ResultsIndex(results);
  const title = `simd-dropout: dropout forward, float32, rate ${rate}`;
  const subtitle =
    `${machine.cpuModel}, ${machine.logicalCores} logical cores (${machine.simdFlags?.includes('avx2') ? 'AVX2' : machine.arch}) · ` +
    `Node ${node.version} · simd-dropout ${index.main?.info.version ?? ''} · ${results.date.slice(0, 10)} · ` +
    `median of ≥ ${results.workload.budget.minSamples} runs · higher is better` +
    (startedBusy(results) ? ` · machine busy (load ${machine.loadAverage1m.toFixed(1)}): noisy` : '');
  return [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH}' height='${HEIGHT}' viewBox='0 0 ${WIDTH} ${HEIGHT}' ${FONT} font-size='13' fill='#222222'>`,
    `<rect width='${WIDTH}' height='${HEIGHT}' fill='white'/>`,
    `<text x='${PLOT.left}' y='32' font-size='19' font-weight='bold'>${escapeXml(title)}</text>`,
    `<text x='${PLOT.left}' y='56' font-size='12.5' fill='#555555'>${escapeXml(subtitle)}</text>`,
    ...grid,
    `<rect x='${PLOT.left}' y='${PLOT.top}' width='${PLOT.right - PLOT.left}' height='${PLOT.bottom - PLOT.top}' fill='none' stroke='#888888'/>`,
    ...lines,
    ...legend,
    `<text x='${(PLOT.left + PLOT.right) / 2}' y='${PLOT.bottom + 60}' text-anchor='middle' font-size='14'>n — elements per call (log scale), and the float32 array's size</text>`,
    `<text transform='translate(24 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)' text-anchor='middle' font-size='14'>throughput — elements/s (log scale)</text>`,
    '</svg>',
    '',
  ].join('\n');
}
