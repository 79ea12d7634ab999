/**
 * How much of a measured GEMM file no model monotone in m can fit: per device, the rows that are
 * more than `--gap` (default 15%) slower than some LARGER m of the same (n, k) weight shape. Such
 * rows come from the library's kernel choices (more work never costs less in a physical model), so
 * they bound what a p90 can reach. `npx tsx scripts/non-monotone.ts [FILE] [--gap 0.15]`
 */
import { readFileSync } from 'node:fs';
import { parseMeasuredCsv, type MeasuredRow } from '../devices/validation/measured.ts';

const args = process.argv.slice(2);
const gapAt = args.indexOf('--gap');
const gap = gapAt >= 0 ? Number(args[gapAt + 1]) : 0.15;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--gap') ?? '../shared/data/measured/gemm-vidur.csv';
const { rows } = parseMeasuredCsv(readFileSync(file, 'utf8'), file);

const series = new Map<string, MeasuredRow[]>();
for (const r of rows.filter((r) => r.op === 'gemm')) {
  const key = `${r.device} ${r.n}x${r.k}x${r.dtype}`;
  series.set(key, [...(series.get(key) ?? []), r]);
}
const perDevice = new Map<string, { rows: number; slower: number }>();
for (const [key, list] of series) {
  const device = key.split(' ')[0]!;
  const d = perDevice.get(device) ?? { rows: 0, slower: 0 };
  list.sort((a, b) => a.m - b.m);
  // Fastest time among larger m, walking from the largest m down.
  let fastestLarger = Infinity;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.measuredUs > (1 + gap) * fastestLarger) d.slower++;
    fastestLarger = Math.min(fastestLarger, list[i]!.measuredUs);
  }
  d.rows += list.length;
  perDevice.set(device, d);
}
console.log(`rows more than ${(gap * 100).toFixed(0)}% slower than a larger m of the same (n, k), in ${file}:`);
for (const [device, d] of [...perDevice].sort()) {
  console.log(`  ${device.padEnd(12)} ${String(d.slower).padStart(5)} of ${d.rows} (${((100 * d.slower) / d.rows).toFixed(1)}%)`);
}
