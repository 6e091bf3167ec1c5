/**
 * Ends a vitest run with the plain line "N passed, N failed" (", N skipped" when any were), which
 * CI reads to count the tests that ran.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class PlainCountReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // a file that failed to load has no test cases but is a failure all the same
      if (testModule.state() === 'failed' && !testModule.children.size) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
