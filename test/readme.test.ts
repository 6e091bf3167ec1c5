/**
 * The README's JavaScript examples run as written, against the compiled package, so the
 * documentation cannot drift from the API.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const examples = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples.map((code, index) => [index, code] as const))('example %i runs without an error', (index, code) => {
    // written beside package.json so that 'simd-dropout' resolves to this package by its own name
    const file = join(root, `.readme-example-${index}.mjs`);
    writeFileSync(file, code);
    try {
      const output = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
      expect(output).not.toMatch(/\bfalse\b/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
