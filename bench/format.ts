/**
 * How numbers are written in the Markdown table and the SVG chart.
 */

/** `v` with `digits` significant digits, never in exponent notation (99.5 to 2 digits: `100`). */
export function significant(v: number, digits: number): string {
  const rounded = v.toPrecision(digits);
  return Number(rounded) >= 10 ** digits ? v.toFixed(0) : rounded;
}

/** 1000 -> `1e3`, 16000000 -> `1.6e7`. */
export function formatCount(n: number): string {
  return n.toExponential().replace('e+', 'e');
}

/** 3.9 KiB, 61 MiB. */
export function formatBytes(bytes: number): string {
  const [value, unit] = bytes >= 2 ** 20 ? [bytes / 2 ** 20, 'MiB'] : [bytes / 2 ** 10, 'KiB'];
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${unit}`;
}

/** Elements per second with an SI prefix: `2.41 G/s`, `48.2 M/s`, `950 k/s`. */
export function formatElementRate(perSecond: number): string {
  const [scale, prefix] = perSecond >= 1e9 ? [1e9, 'G'] : perSecond >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
  return `${significant(perSecond / scale, 3)} ${prefix}/s`;
}

/** `12.3 GB/s`. */
export function formatGigabytesRate(gigabytesPerSecond: number): string {
  return `${significant(gigabytesPerSecond, 3)} GB/s`;
}

/** A speed-up: `×41.2`. */
export function formatRatio(ratio: number): string {
  return `×${significant(ratio, 3)}`;
}

/** A share: `61 %`. */
export function formatShare(share: number): string {
  return `${significant(100 * share, 2)} %`;
}
