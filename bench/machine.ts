/**
 * The machine a benchmark ran on, recorded next to its numbers: a timing means little without
 * the CPU, its SIMD features and how busy the machine was.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What the results file records about the machine. */
export interface MachineDescription {
  /** `os.cpus()[0].model`, as the OS reports it (a VM may hide the exact part). */
  readonly cpuModel: string;
  /** Logical cores the OS offers this process: the threads of the "all threads" rows. */
  readonly logicalCores: number;
  readonly arch: string;
  readonly platform: string;
  readonly osRelease: string;
  readonly totalMemoryGiB: number;
  /** The SIMD features the CPU reports, from /proc/cpuinfo; null where that file does not exist. */
  readonly simdFlags: readonly string[] | null;
  /** The 1-minute load average when the run started: above 0 means other work shared the cores. */
  readonly loadAverage1m: number;
}

/** The cpuinfo flags that decide which kernels can run (x86 names, then arm64 ones). */
const SIMD_FLAGS = [
  'sse2', 'ssse3', 'sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl',
  'asimd', 'sve',
];

function readSimdFlags(): string[] | null {
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  // x86 lists features under "flags", arm64 under "Features"
  const featureLine = /^(?:flags|Features)\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '';
  const present = new Set(featureLine.trim().split(/\s+/));
  return SIMD_FLAGS.filter((flag) => present.has(flag));
}

/** Describes the machine this process runs on. */
export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    logicalCores: os.availableParallelism(),
    arch: os.arch(),
    platform: os.platform(),
    osRelease: os.release(),
    totalMemoryGiB: Math.round(os.totalmem() / 2 ** 30),
    simdFlags: readSimdFlags(),
    loadAverage1m: os.loadavg()[0]!,
  };
}
