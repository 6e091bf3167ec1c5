import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, existsSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { info } from '../../lib/index.js';
import { nativeLoad } from '../support.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('native addon', () => {
  it.runIf(process.env.CI === 'true')('loads in CI, and is the default backend', () => {
    expect(nativeLoad.loadError).toBeUndefined();
    expect(info()).toMatchObject({ backend: 'native' });
    expect(info().loadError).toBeUndefined();
  });

  it.runIf(nativeLoad.backend !== undefined)('reports its instruction set and the package version', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(info()).toEqual({ backend: 'native', isa: nativeLoad.backend!.isa, version });
    expect(nativeLoad.backend!.isa).toMatch(/^(scalar|sse2|avx2|avx512|neon)$/);
  });
});

/**
 * The loader, run in a child process on a copy of the compiled package that has no addon: the
 * situation of a user whose install could not compile it.
 */
describe('loader without an addon', () => {
  const packageDir = mkdtempSync(join(tmpdir(), 'simd-dropout-noaddon-'));
  afterAll(() => rmSync(packageDir, { recursive: true, force: true }));
  const compiled = existsSync(join(root, 'dist/index.js'));
  if (compiled) {
    cpSync(join(root, 'dist'), join(packageDir, 'dist'), { recursive: true });
    writeFileSync(join(packageDir, 'package.json'), readFileSync(join(root, 'package.json')));
    symlinkSync(join(root, 'node_modules'), join(packageDir, 'node_modules'));
  }

  function runChild(script: string, env: Record<string, string> = {}) {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!('SIMD_DROPOUT_BACKEND' in env)) delete childEnv.SIMD_DROPOUT_BACKEND;
    return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageDir,
      env: childEnv,
      encoding: 'utf8',
    });
  }

  it('needs the compiled package (npm run build)', () => {
    expect(compiled).toBe(true);
  });

  it.runIf(compiled)('falls back to JS with exactly one warning, and info() says why', () => {
    const child = runChild(`
      import { dropout, info } from './dist/index.js';
      const warnings = [];
      process.on('warning', (w) => warnings.push({ name: w.name, code: w.code }));
      dropout(new Float32Array(10), { rate: 0.5, seed: 1 });
      dropout(new Float32Array(10), { rate: 0.5, seed: 2 });
      await new Promise((resolve) => setImmediate(resolve));
      console.log(JSON.stringify({ info: info(), warnings }));
    `);
    expect(child.status, child.stderr).toBe(0);
    const { info: reported, warnings } = JSON.parse(child.stdout) as {
      info: { backend: string; isa: string; loadError?: string };
      warnings: { name: string; code: string }[];
    };
    expect(reported.backend).toBe('js');
    expect(reported.isa).toBe('js');
    expect(reported.loadError).toMatch(/No native build was found/);
    expect(warnings).toEqual([{ name: 'SimdDropoutWarning', code: 'SIMD_DROPOUT_NATIVE_UNAVAILABLE' }]);
  });

  it.runIf(compiled)("fails loudly when native is required (SIMD_DROPOUT_BACKEND=native or backend: 'native')", () => {
    const pinned = runChild(`import { info } from './dist/index.js'; info();`, { SIMD_DROPOUT_BACKEND: 'native' });
    expect(pinned.status).not.toBe(0);
    expect(pinned.stderr).toMatch(/SIMD_DROPOUT_BACKEND=native.*did not load/);

    const perCall = runChild(`
      import { dropout } from './dist/index.js';
      try { dropout(new Float32Array(4), { rate: 0.5, seed: 1, backend: 'native' }); }
      catch (error) { console.log(error.code); }
    `);
    expect(perCall.stdout.trim()).toBe('ERR_SIMD_DROPOUT_NATIVE_UNAVAILABLE');
  });

  it.runIf(compiled)('uses JS without a warning when SIMD_DROPOUT_BACKEND=js, and rejects other values', () => {
    const js = runChild(
      `import { info } from './dist/index.js'; console.log(JSON.stringify(info()));`,
      { SIMD_DROPOUT_BACKEND: 'js' },
    );
    expect(js.status, js.stderr).toBe(0);
    expect(JSON.parse(js.stdout)).toMatchObject({ backend: 'js' });
    expect(js.stderr).not.toMatch(/Warning/);

    const bogus = runChild(`import { info } from './dist/index.js'; info();`, { SIMD_DROPOUT_BACKEND: 'gpu' });
    expect(bogus.status).not.toBe(0);
    expect(bogus.stderr).toMatch(/RangeError: Expected 'js' or 'native' for the environment variable SIMD_DROPOUT_BACKEND/);
  });
});
