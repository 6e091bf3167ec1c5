/**
 * Writes the reports made from a results file next to it: the Markdown report, the README's part
 * and the SVG chart.
 */
import { writeFileSync } from 'node:fs';
import { renderChart } from './chart.js';
import { renderMarkdown, renderReadmeSnippet } from './report.js';
import type { BenchResults } from './results.js';

/** The directory of latest.json and the reports. */
export const RESULTS_DIR = new URL('../results/', import.meta.url);

/** Writes latest.md, latest.svg and README-snippet.md for `results` into `dir`; returns the Markdown report. */
export function writeReports(results: BenchResults, dir: URL = RESULTS_DIR): string {
  const markdown = renderMarkdown(results);
  writeFileSync(new URL('latest.md', dir), markdown);
  writeFileSync(new URL('latest.svg', dir), renderChart(results));
  writeFileSync(new URL('README-snippet.md', dir), renderReadmeSnippet(results));
  return markdown;
}
