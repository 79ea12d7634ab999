/**
 * Fit a preset's device-to-device link to measured all-reduce times: the share of the one-way link
 * bandwidth NCCL's transfers reach (`interconnect.achievableFraction`) and the latency of one ring
 * step (`interconnect.latencyNs`), and write them into the preset. Rerunnable:
 * `npx tsx scripts/calibrate-link.ts --device ID [--data FILE] [--ranks N] [--dry-run]`.
 *
 * The fit uses the rows with `--ranks` GPUs (default 8: tensor parallelism over a whole node) and
 * reports the other GPU counts as a check. Objective: the mean absolute log error. Presets whose
 * `interconnect.fittedTo` reads "inherited from <device>" receive the fitted values too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { errorStats, parseMeasuredCsv, type MeasuredRow } from '../devices/validation/measured.ts';
import { predictRow } from '../devices/validation/predict.ts';
import { presetIds, presetPath } from '../devices/presets.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const device = flag('--device');
const dataFile = flag('--data') ?? 'data/measured/allreduce-vidur.csv';
const ranks = flag('--ranks') ?? '8';
const dryRun = args.includes('--dry-run');
/** Bad input: one line naming it, exit 2 (no stack trace). */
const fail = (message: string): never => {
  process.stderr.write(`calibrate-link: ${message}\n`);
  process.exit(2);
};
if (device === undefined) fail('--device: expected a preset id with measured all-reduce rows');

const rows = parseMeasuredCsv(readFileSync(dataFile, 'utf8'), dataFile).rows.filter((r) => r.op === 'allreduce' && r.device === device);
const fitRows = rows.filter((r) => r.extra.ranks === ranks);
if (fitRows.length === 0) fail(`${dataFile}: no all-reduce rows for ${device} with ${ranks} GPUs`);

interface Link { achievableFraction: number; latencyNs: number }
const overrides = (l: Link) => ({ 'interconnect.achievableFraction': l.achievableFraction, 'interconnect.latencyNs': l.latencyNs });
const errorsOf = (rs: MeasuredRow[], l: Link) => rs.map((r) => predictRow(r, {}, overrides(l)).predictedUs / r.measuredUs - 1);
const objective = (l: Link) => {
  const e = errorsOf(fitRows, l);
  return e.reduce((a, x) => a + Math.abs(Math.log1p(x)), 0) / e.length;
};

// Two parameters: a grid, then finer grids around the best point (deterministic).
let best: Link = { achievableFraction: 1, latencyNs: 0 };
let bestObj = Infinity;
let step = { achievableFraction: 0.05, latencyNs: 500 };
let lo: Link = { achievableFraction: 0.2, latencyNs: 0 };
let hi: Link = { achievableFraction: 1, latencyNs: 10000 };
for (let round = 0; round < 3; round++) {
  for (let f = lo.achievableFraction; f <= hi.achievableFraction + 1e-9; f += step.achievableFraction) {
    for (let lat = lo.latencyNs; lat <= hi.latencyNs + 1e-9; lat += step.latencyNs) {
      const l = { achievableFraction: Number(f.toFixed(4)), latencyNs: Math.round(lat) };
      const o = objective(l);
      if (o < bestObj) [best, bestObj] = [l, o];
    }
  }
  lo = { achievableFraction: Math.max(0.05, best.achievableFraction - step.achievableFraction), latencyNs: Math.max(0, best.latencyNs - step.latencyNs) };
  hi = { achievableFraction: Math.min(1, best.achievableFraction + step.achievableFraction), latencyNs: best.latencyNs + step.latencyNs };
  step = { achievableFraction: step.achievableFraction / 5, latencyNs: step.latencyNs / 5 };
}

const stats = (e: number[]) => {
  const s = errorStats(e.map((x) => x * 100));
  return `median ${s.medianAbsPctError.toFixed(1)}% p90 ${s.p90AbsPctError.toFixed(1)}% mean signed ${s.meanSignedPctError >= 0 ? '+' : ''}${s.meanSignedPctError.toFixed(1)}%`;
};
console.log(`${device}: achievableFraction=${best.achievableFraction} latencyNs=${best.latencyNs} (fitted on ${fitRows.length} rows with ${ranks} GPUs)`);
for (const p of [...new Set(rows.map((r) => r.extra.ranks!))].sort((a, b) => Number(a) - Number(b))) {
  const rs = rows.filter((r) => r.extra.ranks === p);
  console.log(`  ${p} GPUs (${rs.length} rows${p === ranks ? ', fitted' : ''}): ${stats(errorsOf(rs, best))}`);
}
if (!dryRun) {
  const fittedTo = `${dataFile.split('/').pop()} ${device} rows with ${ranks} GPUs (scripts/calibrate-link.ts)`;
  for (const id of presetIds()) {
    const path = presetPath(id);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    const link = json.interconnect;
    if (link === undefined || (id !== device && !String(link.fittedTo ?? '').startsWith(`inherited from ${device}`))) continue;
    const { achievableFraction: _old, fittedTo: previous, ...rest } = link;
    json.interconnect = { ...rest, latencyNs: best.latencyNs, achievableFraction: best.achievableFraction, fittedTo: id === device ? fittedTo : previous };
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`  wrote ${path}`);
  }
}
