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
    expect(info()).toMatchObject({ backend: 'native', isa: nativeLoad.backend!.isa, version });
    expect(info().loadError).toBeUndefined();
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

/** The addon re-checks what its kernels rely on, for callers that bypass the TypeScript API. */
describe.runIf(nativeLoad.backend !== undefined)('native binding checks', () => {
  const native = () => nativeLoad.backend!;
  const stream = { keyLo: 1, keyHi: 2, streamLo: 3, streamHi: 4, offsetLo: 0, offsetHi: 0, dropThreshold: 2 ** 31 };
  const layout = { dims: [8], maskStrides: [1] };
  const double = { scale: 2, shift: null, dropValue: 0 };

  it.each([
    ['x of the wrong type', () => native().dropoutFused(new Int32Array(8) as never, new Float32Array(8), null, stream, double), TypeError, /x must be a Float32Array or Float64Array/],
    ['out of another type', () => native().dropoutFused(new Float32Array(8), new Float64Array(8), null, stream, double), TypeError, /out must have the same type and length as x/],
    ['out of another length', () => native().dropoutFused(new Float32Array(8), new Float32Array(7), null, stream, double), RangeError, /out must have the same type and length as x/],
    ['a short mask', () => native().dropoutFused(new Float32Array(33), new Float32Array(33), new Uint32Array(1), stream, double), RangeError, /maskBits is too short: need 2 words, got 1/],
    ['a threshold above 2**32', () => native().dropoutFused(new Float32Array(8), new Float32Array(8), null, { ...stream, dropThreshold: 2 ** 32 + 1 }, double), RangeError, /dropThreshold must be an integer in \[0, 2\*\*32\]/],
    ['a fractional key', () => native().generateMask(new Uint32Array(1), 8, { ...stream, keyLo: 0.5 }), RangeError, /keyLo must be an integer/],
    ['an offset that wraps past 2**64', () => native().randomWords(new Uint32Array(8), { ...stream, offsetLo: 2 ** 32 - 4, offsetHi: 2 ** 32 - 1 }), RangeError, /offset \+ words.length - 1 exceeds 2\*\*64 - 1/],
    ['dims whose product is not the length', () => native().applyMask(new Float32Array(8), new Float32Array(8), new Uint32Array(1), double, { dims: [3], maskStrides: [1] }), RangeError, /the product of dims must equal x.length \(8\)/],
    ['mask indices past the mask', () => native().applyMask(new Float32Array(8), new Float32Array(8), new Uint32Array(1), double, { dims: [8], maskStrides: [5] }), RangeError, /maskBits is too short/],
    ['a rank above 32', () => native().applyMask(new Float32Array(1), new Float32Array(1), new Uint32Array(1), double, { dims: new Array(33).fill(1), maskStrides: new Array(33).fill(0) }), RangeError, /dims must be an array of 1 to 32 integers/],
    ['a partly overlapping out', () => { const b = new Float32Array(12); native().applyMask(b.subarray(0, 8), b.subarray(4, 12), new Uint32Array(1), double, layout); }, RangeError, /out must be x itself or not overlap x/],
    ['rounds other than 7 or 10', () => native().philoxBlock(new Uint32Array(4), new Uint32Array(2), 8 as never, new Uint32Array(4)), RangeError, /rounds must be 7 or 10/],
    ['a key of 3 words', () => native().philoxBlock(new Uint32Array(4), new Uint32Array(3), 10, new Uint32Array(4)), RangeError, /key must be a Uint32Array of 2 words/],
  ] as const)('throws on %s', (_, call, error, message) => {
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });

  it('treats a detached buffer as empty without crashing', () => {
    const x = new Float32Array(16);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    expect(x.length).toBe(0);
    expect(() => native().dropoutFused(x, x, null, stream, double)).not.toThrow();
  });
});
