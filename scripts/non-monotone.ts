/**
 * How much of a measured GEMM file no model monotone in m can fit: per device, the rows that are
 * more than `--gap` (default 15%) slower than some LARGER m of the same (n, k) weight shape (the
 * library's kernel choices: more work never costs less in a physical model), and the error of the
 * best possible monotone fit (isotonic regression of log time on m per (n, k): any step heights,
 * anywhere), a lower bound on the median and p90 that a model monotone in m can reach.
 * `npx tsx scripts/non-monotone.ts [FILE] [--gap 0.15]`
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
/** Least-squares nondecreasing fit (pool adjacent violators). */
function isotonic(y: number[]): number[] {
  const blocks: { sum: number; count: number }[] = [];
  for (const v of y) {
    blocks.push({ sum: v, count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.count <= b.sum / b.count) break;
      a.sum += b.sum;
      a.count += b.count;
      blocks.pop();
    }
  }
  return blocks.flatMap((b) => Array.from({ length: b.count }, () => b.sum / b.count));
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const perDevice = new Map<string, { rows: number; slower: number; bestErrors: number[] }>();
for (const [key, list] of series) {
  const device = key.split(' ')[0]!;
  const d = perDevice.get(device) ?? { rows: 0, slower: 0, bestErrors: [] };
  list.sort((a, b) => a.m - b.m);
  // Fastest time among larger m, walking from the largest m down.
  let fastestLarger = Infinity;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.measuredUs > (1 + gap) * fastestLarger) d.slower++;
    fastestLarger = Math.min(fastestLarger, list[i]!.measuredUs);
  }
  d.rows += list.length;
  const fit = isotonic(list.map((r) => Math.log(r.measuredUs)));
  list.forEach((r, i) => d.bestErrors.push((100 * Math.abs(Math.exp(fit[i]!) - r.measuredUs)) / r.measuredUs));
  perDevice.set(device, d);
}
console.log(`rows more than ${(gap * 100).toFixed(0)}% slower than a larger m of the same (n, k), in ${file}:`);
for (const [device, d] of [...perDevice].sort()) {
  console.log(`  ${device.padEnd(12)} ${String(d.slower).padStart(5)} of ${d.rows} (${((100 * d.slower) / d.rows).toFixed(1)}%)`);
}
console.log('best monotone-in-m fit (isotonic, per (n, k)): |error| median / p90');
for (const [device, d] of [...perDevice].sort()) {
  const sorted = d.bestErrors.sort((a, b) => a - b);
  console.log(`  ${device.padEnd(12)} ${quantile(sorted, 0.5).toFixed(1)}% / ${quantile(sorted, 0.9).toFixed(1)}%`);
}
