import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/plain-count-reporter.ts'],
    // the statistics suites draw millions of elements through the JS backend
    testTimeout: 60_000,
  },
});
