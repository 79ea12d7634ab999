/**
 * What a correction factor could still buy: per device, the error that remains after every row's
 * prediction is scaled by the ideal factor of its group (the group's median measured/predicted
 * ratio, fitted on the very rows it is judged on, so an optimistic bound), for groupings that a
 * smooth physical correction could express: size class, size class x kernel config, weight shape
 * (n, k), and weight shape x size class. If even these oracles leave the p90 above a target, the
 * remaining error is in steps finer than the groups (the library's kernel choice per m range).
 * `npx tilewave validate FILE --rows pred.csv && npx tsx scripts/oracle-factors.ts pred.csv`
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

interface Row { device: string; m: number; n: number; k: number; measured: number; predicted: number; config: string }

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: npx tsx scripts/oracle-factors.ts PRED.csv (from tilewave validate --rows)');
  process.exit(2);
}
const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
const rows: Row[] = records
  .filter((r) => r.op === 'gemm' && Number(r.predicted_us) > 0)
  .map((r) => ({ device: r.device!, m: Number(r.m), n: Number(r.n), k: Number(r.k), measured: Number(r.measured_us), predicted: Number(r.predicted_us), config: r.config! }));

const sizeClass = (m: number) => (m <= 64 ? 'm<=64' : m <= 1024 ? '64<m<=1024' : 'm>1024');
const groupings: [string, ((r: Row) => string) | null][] = [
  ['none (the model as is)', null],
  ['one factor per device', () => ''],
  ['size class', (r) => sizeClass(r.m)],
  ['size class x config', (r) => `${sizeClass(r.m)} ${r.config}`],
  ['weight shape (n, k)', (r) => `${r.n}x${r.k}`],
  ['weight shape x size class', (r) => `${r.n}x${r.k} ${sizeClass(r.m)}`],
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

const cell = (errors: number[]) => `${median(errors).toFixed(1)} / ${quantile(errors, 0.9).toFixed(1)}`.padStart(14);
const devices = [...new Set(rows.map((r) => r.device))].sort();
console.log('ideal per-group factor: median / p90 |error| (%) after scaling each group by its own median ratio\n');
console.log(['grouping'.padEnd(28), ...devices.map((d) => d.padStart(14))].join(''));
for (const [name, key] of groupings) {
  const cells = devices.map((device) => {
    const mine = rows.filter((r) => r.device === device);
    if (key === null) return cell(mine.map((r) => Math.abs(r.predicted / r.measured - 1) * 100));
    const logs = new Map<string, number[]>();
    for (const r of mine) logs.set(key(r), [...(logs.get(key(r)) ?? []), Math.log(r.measured / r.predicted)]);
    const factor = new Map([...logs].map(([g, xs]) => [g, Math.exp(median(xs))]));
    return cell(mine.map((r) => Math.abs((r.predicted * factor.get(key(r))!) / r.measured - 1) * 100));
  });
  console.log([name.padEnd(28), ...cells].join(''));
}
