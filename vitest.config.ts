import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Every ISA the addon knows (native/dispatch.cc), slowest first. */
const KNOWN_ISAS = ['scalar', 'sse2', 'avx2', 'avx512', 'neon'];

/**
 * The ISAs the addon runs on this machine, slowest first, asked of the addon itself: it loads with
 * SIMD_DROPOUT_ISA set to a supported ISA and throws for any other. Empty when there is no addon
 * (its load error is the suites' business) or SIMD_DROPOUT_BACKEND=js.
 */
function supportedIsas(): string[] {
  if (process.env.SIMD_DROPOUT_BACKEND === 'js') return [];
  const probe = `const b = require('node-gyp-build')(${JSON.stringify(root)}); process.stdout.write(b.isa);`;
  return KNOWN_ISAS.filter((isa) => {
    const child = spawnSync(process.execPath, ['-e', probe], {
      cwd: root,
      env: { ...process.env, SIMD_DROPOUT_ISA: isa },
      encoding: 'utf8',
    });
    return child.status === 0 && child.stdout === isa;
  });
}

const isas = supportedIsas();

/** The suites that compare kernels bit for bit: run once more per ISA, with that ISA forced. */
const PARITY_SUITES = [
  'test/isa.test.ts',
  'test/parity.test.ts',
  'test/variants.test.ts',
  'test/mapping.test.ts',
  'test/philox.test.ts',
  'test/normal.test.ts',
  'test/dropout.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/plain-count-reporter.ts'],
    // the statistics suites draw millions of elements through the JS backend
    testTimeout: 60_000,
    // what isa.test.ts checks the active ISA against
    env: { SIMD_DROPOUT_TEST_SUPPORTED_ISAS: isas.join(',') },
    projects: [
      // everything, on the best ISA (or whatever SIMD_DROPOUT_ISA says)
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      ...isas.map((isa): TestProjectInlineConfiguration => ({
        extends: true,
        test: {
          name: `isa:${isa}`,
          include: PARITY_SUITES,
          env: { SIMD_DROPOUT_TEST_SUPPORTED_ISAS: isas.join(','), SIMD_DROPOUT_ISA: isa },
        },
      })),
    ],
  },
});
