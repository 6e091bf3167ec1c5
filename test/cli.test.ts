/** The `simd-dropout` command (dist/cli.js, the package's bin), run as a user runs it. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { philoxWords } from '../lib/index.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'buffer', maxBuffer: 1 << 26 });

describe('simd-dropout rng', () => {
  it('writes the library\'s Philox words as little-endian uint32', () => {
    const child = run(['rng', '--seed', '0x123456789abcdef0', '--stream', '5', '--offset', '3', '--count', '1000003']);
    expect(child.status).toBe(0);
    const expected = philoxWords(new Uint32Array(1_000_003), { seed: 0x123456789abcdef0n, stream: 5, offset: 3 });
    expect(child.stdout.length).toBe(4 * 1_000_003);
    expect(Buffer.compare(child.stdout, Buffer.from(expected.buffer))).toBe(0);
  });

  it('stops quietly when the reader closes the pipe', () => {
    const child = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" rng --seed 1 | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      cwd: join(cli, '..'),
    });
    expect(child.stdout.trim()).toBe('0');
    expect(child.stderr).toBe('');
  });

  it('explains its usage and rejects bad arguments with exit code 2', () => {
    expect(run(['rng']).status).toBe(2);
    expect(run(['rng']).stderr.toString()).toMatch(/Missing --seed/);
    expect(run(['rng', '--seed', 'x']).stderr.toString()).toMatch(/Expected an integer for --seed but received 'x'/);
    expect(run(['rng', '--seed', '1', '--bogus', '2']).status).toBe(2);
    expect(run(['frobnicate']).status).toBe(2);
    expect(run(['--help']).status).toBe(0);
    expect(run(['--help']).stderr.toString()).toMatch(/Usage: simd-dropout rng --seed S/);
  });
});
