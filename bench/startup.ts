/**
 * CLI start-up: wall time of `tilewave devices` (a command that simulates nothing) as a process,
 * from the bundle (dist/cli.mjs) and from the TypeScript sources, median of 5 each.
 *
 *   npx tsx bench/startup.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const BIN = new URL('../bin/tilewave.mjs', import.meta.url).pathname;
const BUNDLE = new URL('../dist/cli.mjs', import.meta.url).pathname;

function medianMs(env: Record<string, string>, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'devices'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tilewave devices failed: ${r.stderr}`);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(runs / 2)]!);
}

export function benchStartup(): { from: string; medianMs: number }[] {
  const rows = [{ from: 'sources (tsx)', medianMs: medianMs({ TILEWAVE_FROM_SOURCE: '1' }) }];
  // The bundle only runs when it is fresh (bin/tilewave.mjs checks); build it with `npm run build`.
  if (existsSync(BUNDLE)) rows.unshift({ from: 'bundle (dist/cli.mjs, if fresh)', medianMs: medianMs({}) });
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.table(benchStartup());
