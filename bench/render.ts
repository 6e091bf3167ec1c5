/**
 * Prints the Markdown of a saved run, e.g. to refresh the README's table without measuring again.
 *
 * Usage: node bench/dist/render.js [results.json]   (default: bench/results/latest.json)
 */
import { readFileSync } from 'node:fs';
import { renderMarkdown, type BenchResults } from './report.js';

const resultsFile = process.argv[2] ?? new URL('../results/latest.json', import.meta.url);
process.stdout.write(renderMarkdown(JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults));
