/**
 * Progress of the benchmark's processes.
 */

/** Progress goes to stderr: stdout is the driver's (the Markdown report). */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
