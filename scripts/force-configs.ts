/**
 * Turn a `tilewave validate --rows` CSV back into measured data that names each GEMM row's kernel
 * (columns tile, split_k, tail_split), so that validating it again simulates exactly those configs,
 * optionally with one knob changed: what a different kernel choice would do to the errors, row by row.
 *
 *   npx tilewave validate ../shared/data/measured/gemm-vidur.csv --device h100-80gb --rows pred.csv
 *   npx tsx scripts/force-configs.ts pred.csv --tail-split 1 --only-tail-split > no-tail.csv
 *   npx tilewave validate no-tail.csv --rows no-tail-pred.csv
 *
 * `--tail-split N` / `--split-k N` replace that factor; `--only-tail-split` / `--only-split-k` keep
 * only the rows whose chosen config had one.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

const args = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} "${args[i + 1]}": expected an integer >= 1`);
    process.exit(2);
  }
  return value;
};
const file = args.find((a, i) => !a.startsWith('--') && !['--tail-split', '--split-k'].includes(args[i - 1] ?? ''));
if (file === undefined) {
  console.error('usage: npx tsx scripts/force-configs.ts PRED.csv [--tail-split N] [--split-k N] [--only-tail-split] [--only-split-k]');
  process.exit(2);
}
const tailSplit = flag('--tail-split');
const splitK = flag('--split-k');

const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
const out: Record<string, string | number>[] = [];
for (const r of rows) {
  if (r.op !== 'gemm') continue;
  // A config label: "128x256x64", "128x256x64 splitK=3", "128x256x64 tailSplit=2".
  const [tile, ...parts] = (r.config ?? '').split(' ');
  const factor = (name: string) => Number(parts.find((p) => p.startsWith(`${name}=`))?.split('=')[1] ?? 1);
  const had = { splitK: factor('splitK'), tailSplit: factor('tailSplit') };
  if (args.includes('--only-tail-split') && had.tailSplit === 1) continue;
  if (args.includes('--only-split-k') && had.splitK === 1) continue;
  out.push({
    device: r.device!, op: 'gemm', dtype: r.dtype!, m: r.m!, n: r.n!, k: r.k!, measured_us: r.measured_us!, source: `line ${r.line} ${r.config}`,
    tile: tile!, split_k: splitK ?? had.splitK, tail_split: tailSplit ?? had.tailSplit,
  });
}
process.stdout.write(stringify(out, { header: true, columns: ['device', 'op', 'dtype', 'm', 'n', 'k', 'measured_us', 'source', 'tile', 'split_k', 'tail_split'] }));
