import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../cli/main.ts';
import type { RunSummary } from '../../sim/summary.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process, capturing its output; exit code as main returns it. */
export async function cli(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'tilewave', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    // Commands report their status through process.exitCode; do not let it leak into the next call.
    process.exitCode = undefined;
  }
}

export function tempDir(prefix = 'tilewave-regress-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small valid summary whose numbers are easy to reason about (time 1000 ns, one op). */
export function fakeSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    schema: 'tilewave.summary',
    schemaVersion: '1.0.0',
    scenario: 'fake',
    seed: 1,
    device: { id: 'h100-80gb', name: 'H100', family: 'gpu', peakFlopsPerSecond: { fp16: 1e15 }, memoryBandwidthBytesPerSecond: 3e12 },
    simulatedTimeNs: 1000,
    eventCount: 10,
    totals: { flops: 1e9, dramBytes: 1e6, achievedFlopsPerSecond: 1e15, achievedDramBytesPerSecond: 1e12 },
    ops: [
      { name: 'gemm', type: 'gemm', startNs: 0, durationNs: 1000, flops: 1e9, dramBytes: 1e6, achievedFlopsPerSecond: 1e15, achievedDramBytesPerSecond: 1e12, config: { tile: '128x128x64', splitK: 1 }, waves: 1, tiles: 64 },
    ],
    units: [],
    ...overrides,
  };
}

/** The summary with run time and every op duration scaled by `factor` (throughput scaled by 1/factor). */
export function scaled(s: RunSummary, factor: number): RunSummary {
  return {
    ...s,
    simulatedTimeNs: s.simulatedTimeNs * factor,
    totals: { ...s.totals, achievedFlopsPerSecond: s.totals.achievedFlopsPerSecond / factor, achievedDramBytesPerSecond: s.totals.achievedDramBytesPerSecond / factor },
    ops: s.ops.map((o) => ({ ...o, durationNs: o.durationNs * factor, achievedFlopsPerSecond: o.achievedFlopsPerSecond / factor, achievedDramBytesPerSecond: o.achievedDramBytesPerSecond / factor })),
  };
}
