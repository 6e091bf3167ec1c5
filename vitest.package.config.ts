import { defineConfig } from 'vitest/config';

/** The packaging tests: slow (they build a prebuild, pack and install), so run apart from `npm test`. */
export default defineConfig({
  test: {
    include: ['test/package.e2e.ts'],
    reporters: ['default', './test/plain-count-reporter.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
