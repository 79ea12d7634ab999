/**
 * Sweep throughput: the scenarios of a GEMM design-space sweep simulated on worker threads, on 1
 * worker and on all cores. Wall time includes starting the workers, as a real `tilewave sweep` pays
 * it; every run's summaries must be identical, whatever the worker count.
 *
 *   npx tsx bench/sweep.ts [points] [workers...]
 */
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { gemmSweepPoints } from '../devices/sweep.ts';
import { defaultWorkers } from '../cli/workers/pool.ts';
import { runScenarios, summaryOf } from '../regress/parallel.ts';

export interface SweepBenchRow extends Record<string, string | number> {
  workers: number;
  scenarios: number;
  seconds: number;
  scenariosPerSecond: number;
  speedup: number;
  /** Process CPU time (all threads) over wall time: the cores actually obtained; below `workers` on a busy machine. */
  coresUsed: number;
}

/** A sweep of `points` GEMM shapes on A100: n from 128 in steps of 128 at m = k = 2048. */
export function benchPoints(points: number) {
  return gemmSweepPoints({ device: 'a100-80gb', m: '2048', n: `128:${128 * points}:128`, k: '2048', dtype: 'fp16' }).points.map((p) => p.scenario);
}

export async function benchSweep(points = 96, workerCounts: number[] = [...new Set([1, defaultWorkers()])]): Promise<{ rows: SweepBenchRow[] }> {
  const scenarios = benchPoints(points);
  const rows: SweepBenchRow[] = [];
  let reference: unknown;
  for (const workers of workerCounts) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const summaries = (await runScenarios(scenarios, { workers })).map(summaryOf);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (reference === undefined) reference = summaries;
    else if (!isDeepStrictEqual(summaries, reference)) throw new Error(`sweep bench: results on ${workers} workers differ from ${workerCounts[0]} worker(s)`);
    const rate = scenarios.length / seconds;
    rows.push({ workers, scenarios: scenarios.length, seconds: round(seconds, 3), scenariosPerSecond: round(rate, 1), speedup: round(rate / (rows[0]?.scenariosPerSecond ?? rate), 2), coresUsed: round((cpu.user + cpu.system) / 1e6 / seconds, 2) });
  }
  return { rows };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const points = Number(process.argv[2] ?? 96);
  const counts = process.argv.slice(3).map(Number);
  const { rows } = await benchSweep(points, counts.length > 0 ? counts : undefined);
  console.table(rows);
}
