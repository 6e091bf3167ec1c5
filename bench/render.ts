/**
 * Remakes the reports of a saved run — latest.md, latest.svg and README-snippet.md, next to its
 * JSON — without measuring again, and prints the Markdown report.
 *
 * Usage: node bench/dist/render.js [results.json]   (default: bench/results/latest.json)
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { RESULTS_DIR, writeReports } from './publish.js';
import { SCHEMA_VERSION, type BenchResults } from './results.js';

const resultsFile = process.argv[2] === undefined ? new URL('latest.json', RESULTS_DIR) : pathToFileURL(process.argv[2]);
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
if (results.schemaVersion !== SCHEMA_VERSION) {
  throw new Error(
    `Expected a results file of schema version ${SCHEMA_VERSION} but ${resultsFile.pathname} has ${String(results.schemaVersion)}`,
  );
}
process.stdout.write(writeReports(results, new URL('.', resultsFile)));
