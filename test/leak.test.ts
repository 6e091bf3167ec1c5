/**
 * Leaks: 100 000 calls of every public call kind, sync and async, with and without `out`, in a
 * child process under --expose-gc (test/fixtures/leak.mjs), after a warm-up of 20 000 calls.
 *
 * Bounds, per call kind, measured after full collections: growth of the ArrayBuffer memory and of
 * V8's heap, which a leak of an array or a pinned reference would show at once (n = 1024 float32
 * elements: one leaked 4 KiB array per 400 calls is 1 MiB), and a looser bound on the resident
 * set, which also holds the C++ allocator's arenas for the libuv threads (measured here: at most
 * 14 MiB for an async kind, under 5 MiB for the sync ones). Then every array of 3000 settled
 * async calls must be collectable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAX_ARRAY_BUFFER_GROWTH_MIB = 1;
const MAX_HEAP_GROWTH_MIB = 4;
const MAX_RSS_GROWTH_MIB = 48;

interface Growth {
  name: string;
  calls: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

describe.runIf(existsSync(new URL('../dist/index.js', import.meta.url)))('memory over 100 000 calls of each kind', () => {
  it('stays bounded, and settled async calls let go of their arrays (node --expose-gc)', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', 'test/fixtures/leak.mjs', '100000'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 280_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line) as Growth & { registered?: number; released?: number });
    const released = lines.pop()!;
    expect(released.name).toBe('released after settling');
    expect(released.released).toBe(released.registered);
    expect(lines.length).toBeGreaterThanOrEqual(25);
    for (const growth of lines) {
      expect(growth.calls, growth.name).toBe(100_000);
      expect(growth.arrayBuffersMiB, growth.name).toBeLessThanOrEqual(MAX_ARRAY_BUFFER_GROWTH_MIB);
      expect(growth.externalMiB, growth.name).toBeLessThanOrEqual(MAX_ARRAY_BUFFER_GROWTH_MIB);
      expect(growth.heapUsedMiB, growth.name).toBeLessThanOrEqual(MAX_HEAP_GROWTH_MIB);
      expect(growth.rssMiB, growth.name).toBeLessThanOrEqual(MAX_RSS_GROWTH_MIB);
    }
  }, 300_000);
});
