/**
 * T3's experiment (Pati et al., ASPLOS 2024) on the presets: the row-parallel sublayers of
 * tensor-parallel transformers (attention output projection, OP: k = h / tp; second MLP GEMM,
 * FC-2: k = 4h / tp; n = h; m = tokens), each followed by a ring reduce-scatter of its output over
 * tp devices, run sequentially (GEMM, then the ring kernel on the SMs), tile-triggered with adds
 * on the SMs, and tile-triggered with adds near memory. Prints a markdown table and the geomeans.
 *
 *   npx tsx scripts/t3-table.ts [--device ID]... [--tp 8] [--tokens 8192]
 */
import { parseScenario, runScenario } from '../devices/scenario.ts';

const args = process.argv.slice(2);
const all = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]!] : []));
const one = (name: string, fallback: number) => {
  const v = all(name).at(-1);
  if (v === undefined) return fallback;
  const x = Number(v);
  if (!Number.isInteger(x) || x < 2) {
    process.stderr.write(`t3-table: ${name} = ${JSON.stringify(v)}: expected an integer >= 2\n`);
    process.exit(2);
  }
  return x;
};
const devices = all('--device').length > 0 ? all('--device') : ['a100-80gb', 'h100-80gb'];
const tp = one('--tp', 8);
const tokens = one('--tokens', 8192);

/** Hidden sizes of the models T3 and the reference name (Mega-GPT-2, T-NLG, GPT-3, PaLM, MT-NLG). */
const MODELS: [string, number][] = [['Mega-GPT-2', 3072], ['T-NLG', 4256], ['GPT-3', 12288], ['PaLM', 18432], ['MT-NLG', 20480]];
const MODES = [
  { name: 'sequential', overlap: 'none', reduction: 'sm' },
  { name: 'T3 (SM adds)', overlap: 'tile', reduction: 'sm' },
  { name: 'T3 (near-memory adds)', overlap: 'tile', reduction: 'near-memory' },
] as const;

function run(device: string, ops: object[]) {
  return runScenario(parseScenario({ name: 't3', device, traceDetail: 'none', workload: { ops } })).summary;
}

const us = (ns: number) => (ns / 1e3).toFixed(0);
console.log(`tokens ${tokens}, tensor parallelism ${tp}, fp16\n`);
console.log('| device | model | sublayer | m x n x k | GEMM µs | reduce-scatter µs | sequential µs | T3 SM adds µs | T3 near-memory µs | speedup (SM / near-mem) | DRAM bytes vs sequential (SM / near-mem) |');
console.log('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const device of devices) {
  const speedups: number[][] = [[], []];
  const traffic: number[][] = [[], []];
  for (const [model, h] of MODELS) {
    for (const [sublayer, k] of [['OP', h / tp], ['FC-2', (4 * h) / tp]] as const) {
      const gemm = { type: 'gemm', m: tokens, n: h, k: Math.round(k) };
      const s = run(device, MODES.map((mode) => ({ ...gemm, name: mode.name, reduceScatter: { ranks: tp, overlap: mode.overlap, reduction: mode.reduction } })));
      const [seq, sm, nm] = s.ops;
      const gemmNs = seq!.durationNs - (seq!.details!.reduceScatter as { exposedNs: number }).exposedNs;
      const rsNs = (seq!.details!.reduceScatter as { exposedNs: number }).exposedNs;
      speedups[0]!.push(seq!.durationNs / sm!.durationNs);
      speedups[1]!.push(seq!.durationNs / nm!.durationNs);
      traffic[0]!.push(sm!.dramBytes / seq!.dramBytes);
      traffic[1]!.push(nm!.dramBytes / seq!.dramBytes);
      console.log(`| ${device} | ${model} | ${sublayer} | ${tokens} x ${h} x ${Math.round(k)} | ${us(gemmNs)} | ${us(rsNs)} | ${us(seq!.durationNs)} | ${us(sm!.durationNs)} | ${us(nm!.durationNs)} | ${(seq!.durationNs / sm!.durationNs).toFixed(2)} / ${(seq!.durationNs / nm!.durationNs).toFixed(2)} | ${pct(sm!.dramBytes / seq!.dramBytes)} / ${pct(nm!.dramBytes / seq!.dramBytes)} |`);
    }
  }
  const g = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  console.log(`| ${device} | geomean | | | | | | | | ${g(speedups[0]!).toFixed(2)} / ${g(speedups[1]!).toFixed(2)} (max ${Math.max(...speedups[1]!).toFixed(2)}) | ${pct(g(traffic[0]!))} / ${pct(g(traffic[1]!))} (min ${pct(Math.min(...traffic[1]!))}) |`);
}

function pct(ratio: number): string {
  const d = (ratio - 1) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(0)}%`;
}
