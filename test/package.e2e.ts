/**
 * Ship what you test: pack the package and install the tarball into empty folders, as a user
 * would, (a) with the prebuilt binary and no compiler on PATH — the prebuild loads, nothing is
 * compiled — and (b) with neither — the install still succeeds and the JS backend runs with one
 * clear warning.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'simd-dropout-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Compilers, build tools and the Python node-gyp needs: left out of the PATH the installs see. */
const BUILD_TOOLS = /^(cc|c\+\+|gcc|g\+\+|clang|clang\+\+|cpp|make|gmake|cmake|ninja|python|python3|ld|as)([-.\d].*)?$|-(gcc|g\+\+|cc|c\+\+)(-[\d.]+)?$/;

/** A PATH with every program of this one but the build tools: a machine without a compiler. */
function pathWithoutCompiler(): string {
  const bin = join(work, 'bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin, { recursive: true });
  for (const directory of (process.env.PATH ?? '').split(':')) {
    if (!existsSync(directory)) continue;
    for (const program of readdirSync(directory)) {
      if (BUILD_TOOLS.test(program) || existsSync(join(bin, program))) continue;
      symlinkSync(join(directory, program), join(bin, program));
    }
  }
  return bin;
}

/** Packs the package (with or without prebuilds/) and returns the tarball's path. */
function pack(withPrebuild: boolean): string {
  const destination = join(work, withPrebuild ? 'with-prebuild' : 'without-prebuild');
  mkdirSync(destination, { recursive: true });
  const source = join(work, `source-${withPrebuild}`);
  // a copy of the work tree without node_modules, build/ and prebuilds/, so packing never touches it
  cpSync(root, source, {
    recursive: true,
    filter: (path) => !/\/(node_modules|build|prebuilds|\.git)(\/|$)/.test(path.slice(root.length - 1)),
  });
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
  // the prebuild this platform's users get, made in the copy: prebuilds/<platform>-<arch>/simd-dropout.node
  if (withPrebuild) execFileSync('npx', ['prebuildify', '--napi', '--strip'], { cwd: source, stdio: 'pipe' });
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', destination], { cwd: source, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  return join(destination, name);
}

/** Installs a tarball into a new empty project with a PATH that has no compiler. */
function installInEmptyProject(tarball: string, label: string) {
  const project = join(work, `app-${label}`);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `app-${label}`, private: true, type: 'module' }));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutCompiler(), CI: '' };
  delete env.SIMD_DROPOUT_BACKEND;
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, env, encoding: 'utf8' });
  const check = spawnSync(
    'node',
    [
      '--input-type=module',
      '-e',
      `import { dropout, info } from 'simd-dropout';
       const warnings = [];
       process.on('warning', (w) => warnings.push(w.code));
       const y = dropout(new Float32Array(8).fill(1), { rate: 0.5, seed: 42 });
       dropout(new Float32Array(8).fill(1), { rate: 0.5, seed: 43 });
       await new Promise((resolve) => setImmediate(resolve));
       console.log(JSON.stringify({ info: info(), warnings, y: [...y] }));`,
    ],
    { cwd: project, env, encoding: 'utf8' },
  );
  return { project, install, check };
}

describe('the packed tarball', () => {
  it('(a) with a prebuild and no compiler: installs, loads the prebuild, compiles nothing', () => {
    const { project, install, check } = installInEmptyProject(pack(true), 'prebuild');
    expect(install.status, install.stderr).toBe(0);
    const installed = join(project, 'node_modules', 'simd-dropout');
    expect(existsSync(join(installed, 'build'))).toBe(false);
    expect(readdirSync(join(installed, 'prebuilds'))).toContain(`${process.platform}-${process.arch}`);
    expect(check.status, check.stderr).toBe(0);
    const { info, warnings } = JSON.parse(check.stdout) as { info: { backend: string }; warnings: string[] };
    expect(info.backend).toBe('native');
    expect(warnings).toEqual([]);
  });

  it('(b) with neither: installs anyway and runs on the JS backend with one clear warning', () => {
    const { install, check } = installInEmptyProject(pack(false), 'no-prebuild');
    expect(install.status, install.stderr).toBe(0);
    // npm keeps a passing install script's output to itself: the warning at first use is what users see
    expect(check.status, check.stderr).toBe(0);
    const { info, warnings, y } = JSON.parse(check.stdout) as { info: { backend: string; loadError?: string }; warnings: string[]; y: number[] };
    expect(info.backend).toBe('js');
    expect(info.loadError).toMatch(/No native build was found/);
    expect(warnings).toEqual(['SIMD_DROPOUT_NATIVE_UNAVAILABLE']);
    expect(check.stderr.match(/SimdDropoutWarning/g)?.length).toBe(1);
    expect(y.length).toBe(8);
  });
});

