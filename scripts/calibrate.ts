/**
 * Fit each GPU preset's efficiency parameters to measured GEMM times, and write them into the
 * preset JSON. Rerunnable: `npx tsx scripts/calibrate.ts [--device ID] [--data FILE] [--objective mean|median]
 * [--dram-from-streaming] [--hold NAME,...] [--only NAME,...] [--iterations N] [--dry-run]` (`--hold`: keep those parameters at the preset's value;
 * `--only`: fit those alone, every other parameter held, and write only them).
 *
 * Parameters (each physical, see devices/gpu/spec.ts): tensorFraction, powerFraction,
 * dramFraction, kernelOverheadNs (event-timed rows), graphKernelOverheadNs (graph-timed rows: column
 * `timing`; each is held where no row is timed that way), sharedMemoryFraction, l2ReuseFraction,
 * overlapFraction, dramPicojoulesPerByte, zeroOperandPowerShare (rows whose A operand has zeros;
 * held without any). The objective is the mean absolute log error of predicted vs
 * measured time (symmetric in over/under-prediction) plus the 90th percentile, on a calibration
 * split: the (n, k) weight shapes are sorted and every third one is held out, so the report shows
 * the error on shapes the fit never saw. Presets whose `fittedTo` reads "inherited from <device>"
 * (same architecture, no measurements) receive the fitted values too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseMeasuredCsv, type MeasuredRow } from '../devices/validation/measured.ts';
import { aZeroFractionOf } from '../devices/validation/operand-data.ts';
import { presetIds, presetPath, resolveDevice } from '../devices/presets.ts';
import type { Efficiency, Prediction } from '../devices/validation/predict.ts';
import { runPool } from '../cli/workers/pool.ts';

const WORKER = new URL('../cli/workers/validate-worker.ts', import.meta.url);
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dataFile = flag('--data') ?? '../shared/data/measured/gemm-vidur.csv';
const onlyDevice = flag('--device');
const dryRun = args.includes('--dry-run');
/** mean (default): mean + p90 of the absolute log error; median: median + p90, the validation report's figures. */
const OBJECTIVE = flag('--objective') ?? 'mean';
/** Use every `stride`-th calibration row (the objective is evaluated many times). */
const stride = Number(flag('--stride') ?? 6);
/**
 * Take dramFraction from the weight-streaming rows instead of the joint fit: the slope of time
 * against weight bytes over the calibration rows with m <= 16 (GEMV-like kernels that only stream
 * weights) is the bandwidth the device reaches; held at that value while the rest is fitted.
 */
const dramFromStreaming = args.includes('--dram-from-streaming');
/** Parameters kept at the preset's value instead of fitted, e.g. `--hold overlapFraction`. */
const holdNames = (flag('--hold') ?? '').split(',').filter((x) => x !== '');
/**
 * Fit only these parameters and hold the rest at the preset's values (`--only zeroOperandPowerShare`):
 * a second stage on top of a fit, which moves no prediction the listed parameters do not touch.
 * Only these are written into the preset.
 */
const onlyNames = (flag('--only') ?? '').split(',').filter((x) => x !== '');

/** The fitted parameters, in this order, with their bounds and printed precision. */
const PARAMS = [
  { name: 'tensorFraction', bounds: [0.3, 1], digits: 4 },
  { name: 'powerFraction', bounds: [0.3, 1], digits: 4 },
  { name: 'settledPowerFraction', bounds: [0.3, 1], digits: 4 },
  { name: 'dramFraction', bounds: [0.3, 1], digits: 4 },
  { name: 'kernelOverheadNs', bounds: [0, 20000], digits: 0 },
  { name: 'graphKernelOverheadNs', bounds: [0, 10000], digits: 0 },
  { name: 'sharedMemoryFraction', bounds: [0.2, 1], digits: 4 },
  { name: 'l2ReuseFraction', bounds: [0.02, 1], digits: 4 },
  { name: 'overlapFraction', bounds: [0.3, 1], digits: 4 },
  { name: 'dramPicojoulesPerByte', bounds: [0, 200], digits: 1 },
  { name: 'zeroOperandPowerShare', bounds: [0, 0.6], digits: 3 },
] as const;
type Params = number[];
for (const name of holdNames) {
  if (!PARAMS.some((d) => d.name === name)) throw new Error(`--hold: unknown parameter "${name}" (expected one of ${PARAMS.map((d) => d.name).join(', ')})`);
}
for (const name of onlyNames) {
  if (!PARAMS.some((d) => d.name === name)) throw new Error(`--only: unknown parameter "${name}" (expected one of ${PARAMS.map((d) => d.name).join(', ')})`);
}
if (onlyNames.length > 0 && (holdNames.length > 0 || dramFromStreaming)) throw new Error('--only fits the listed parameters and holds the rest: it does not combine with --hold or --dram-from-streaming');
const held = new Set(onlyNames.length > 0 ? PARAMS.map((d, i) => i).filter((i) => !onlyNames.includes(PARAMS[i]!.name)) : holdNames.map((name) => PARAMS.findIndex((d) => d.name === name)));
/** The parameters as efficiency overrides, less those in `absent` (held, and not in the preset: they stay unset). */
const toEff = (p: Params, absent: ReadonlySet<string> = new Set()): Efficiency =>
  Object.fromEntries(PARAMS.flatMap((d, i) => (absent.has(d.name) ? [] : [[d.name, p[i]!]]))) as Efficiency;
const BOUNDS: [number, number][] = PARAMS.map((d) => [d.bounds[0], d.bounds[1]]);
const clamp = (p: number[]): Params => p.map((x, i) => Math.min(BOUNDS[i]![1], Math.max(BOUNDS[i]![0], x))) as Params;

/** Least-squares bandwidth of time = a + bytes / bandwidth over weight-streaming rows, bytes/s. */
function streamingBandwidth(rows: MeasuredRow[]): number {
  const pts = rows.filter((r) => r.m <= 16).map((r) => [(r.n * r.k + r.m * r.k + r.m * r.n) * 2, r.measuredUs * 1e-6] as const);
  const mean = (f: (p: (typeof pts)[number]) => number) => pts.reduce((a, p) => a + f(p), 0) / pts.length;
  const mx = mean((p) => p[0]);
  const my = mean((p) => p[1]);
  const slope = mean((p) => (p[0] - mx) * (p[1] - my)) / mean((p) => (p[0] - mx) ** 2);
  return 1 / slope;
}

function isHeldOut(row: MeasuredRow, shapes: string[]): boolean {
  return shapes.indexOf(`${row.n}x${row.k}`) % 3 === 2;
}

async function predict(rows: MeasuredRow[], eff: Efficiency): Promise<number[]> {
  const res = await runPool<{ row: MeasuredRow; efficiency: Efficiency }, Prediction>(WORKER, rows.map((row) => ({ row, efficiency: eff })), { batchSize: 32 });
  return res.map((r) => r.predictedUs);
}

function stats(rows: MeasuredRow[], pred: number[]) {
  const logErr = rows.map((r, i) => Math.abs(Math.log(pred[i]! / r.measuredUs)));
  const pct = rows.map((r, i) => Math.abs(pred[i]! - r.measuredUs) / r.measuredUs * 100).sort((a, b) => a - b);
  const sortedLog = [...logErr].sort((a, b) => a - b);
  const q = (a: number[], f: number) => a[Math.min(a.length - 1, Math.floor(f * (a.length - 1)))]!;
  return {
    objective: OBJECTIVE === 'median' ? q(sortedLog, 0.5) + 0.5 * q(sortedLog, 0.9) : logErr.reduce((a, b) => a + b, 0) / logErr.length + 0.5 * q(sortedLog, 0.9),
    median: q(pct, 0.5), p90: q(pct, 0.9), mean: pct.reduce((a, b) => a + b, 0) / pct.length,
  };
}

/** Nelder-Mead in a scaled space (each parameter divided by its range). */
async function nelderMead(f: (p: Params) => Promise<number>, start: Params, iterations: number, held: ReadonlySet<number>): Promise<{ best: Params; value: number }> {
  const scale = BOUNDS.map(([lo, hi]) => hi - lo);
  const toP = (x: number[]) => clamp(x.map((v, i) => v * scale[i]!));
  const x0 = start.map((v, i) => v / scale[i]!);
  // One vertex per free parameter: a held one keeps its start value in every vertex, and so in
  // every affine combination the method makes of them.
  const free = x0.map((_, i) => i).filter((i) => !held.has(i));
  let simplex = [x0, ...free.map((i) => x0.map((v, j) => (i === j ? v + 0.08 : v)))];
  let values = await Promise.all(simplex.map(async (x) => f(toP(x))));
  for (let it = 0; it < iterations; it++) {
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    const n = simplex.length - 1;
    const centroid = x0.map((_, j) => simplex.slice(0, n).reduce((a, x) => a + x[j]!, 0) / n);
    const worst = simplex[n]!;
    const at = (t: number) => centroid.map((c, j) => c + t * (worst[j]! - c));
    const xr = at(-1);
    const fr = await f(toP(xr));
    if (fr < values[0]!) {
      const xe = at(-2);
      const fe = await f(toP(xe));
      [simplex[n], values[n]] = fe < fr ? [xe, fe] : [xr, fr];
    } else if (fr < values[n - 1]!) {
      [simplex[n], values[n]] = [xr, fr];
    } else {
      const xc = at(0.5);
      const fc = await f(toP(xc));
      if (fc < values[n]!) [simplex[n], values[n]] = [xc, fc];
      else {
        for (let i = 1; i <= n; i++) simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
        values = [values[0]!, ...(await Promise.all(simplex.slice(1).map((x) => f(toP(x)))))];
      }
    }
  }
  const bestIndex = values.indexOf(Math.min(...values));
  return { best: toP(simplex[bestIndex]!), value: values[bestIndex]! };
}

const { rows } = parseMeasuredCsv(readFileSync(dataFile, 'utf8'), dataFile);
const devices = [...new Set(rows.map((r) => r.device))].filter((d) => onlyDevice === undefined || d === onlyDevice).sort();
for (const device of devices) {
  const all = rows.filter((r) => r.device === device && r.op === 'gemm');
  const shapes = [...new Set(all.map((r) => `${r.n}x${r.k}`))].sort();
  const calibration = all.filter((r) => !isHeldOut(r, shapes));
  const heldOut = all.filter((r) => isHeldOut(r, shapes));
  const sample = calibration.filter((_, i) => i % stride === 0);
  const spec = resolveDevice(device);
  const e = spec.efficiency;
  const start: Params = PARAMS.map((d) => e[d.name] ?? 0);
  const heldHere = new Set(held);
  // A fixed cost no row's timing includes cannot be fitted: hold it.
  const graphTimed = (r: MeasuredRow) => r.extra.timing === 'graph';
  if (!all.some(graphTimed)) heldHere.add(PARAMS.findIndex((d) => d.name === 'graphKernelOverheadNs'));
  if (all.every(graphTimed)) heldHere.add(PARAMS.findIndex((d) => d.name === 'kernelOverheadNs'));
  // Likewise the power zero operands save, without rows whose A has zeros (column
  // a_zero_fraction, or Vidur's gated down-projections: devices/validation/operand-data.ts).
  const zeroAt = PARAMS.findIndex((d) => d.name === 'zeroOperandPowerShare');
  if (!all.some((r) => Number(aZeroFractionOf(r) ?? 0) > 0)) heldHere.add(zeroAt);
  else if (e.zeroOperandPowerShare <= 0 && !held.has(zeroAt)) start[zeroAt] = 0.05;
  // The settled power state, likewise, without rows timed after a heater (column preheat_ms).
  const settledAt = PARAMS.findIndex((d) => d.name === 'settledPowerFraction');
  if (!all.some((r) => Number(r.extra.preheat_ms ?? 0) > 0)) heldHere.add(settledAt);
  else if (e.settledPowerFraction === undefined) start[settledAt] = 0.9 * e.powerFraction;
  if (dramFromStreaming) {
    const dramAt = PARAMS.findIndex((d) => d.name === 'dramFraction');
    const bandwidth = streamingBandwidth(calibration);
    start[dramAt] = Math.min(1, bandwidth / spec.memory.bandwidthBytesPerSecond);
    heldHere.add(dramAt);
    console.log(`${device}: weight streaming (m <= 16) reaches ${(bandwidth / 1e9).toFixed(0)} GB/s: dramFraction ${start[dramAt]!.toFixed(4)}`);
  }
  // An unfitted power limit sits on its bound (1), where the simplex cannot move it: start below,
  // with the per-SM rate raised to match.
  if (e.powerFraction >= 1) {
    start[PARAMS.findIndex((d) => d.name === 'powerFraction')] = 0.85;
    start[0] = Math.min(0.98, e.tensorFraction / 0.85);
  }
  // Likewise perfect overlap (1, the default): start where the simplex can move both ways.
  const overlapAt = PARAMS.findIndex((d) => d.name === 'overlapFraction');
  if (e.overlapFraction >= 1 && !held.has(overlapAt)) start[overlapAt] = 0.8;
  // No DRAM energy yet (0, on its bound): start where DRAM at full bandwidth draws ~15% of the
  // board power (a preset without a board power keeps 0).
  const energyAt = PARAMS.findIndex((d) => d.name === 'dramPicojoulesPerByte');
  if (spec.powerWatts === undefined) heldHere.add(energyAt);
  else if (e.dramPicojoulesPerByte <= 0 && !held.has(energyAt)) {
    start[energyAt] = (0.15 * spec.powerWatts) / (spec.memory.bandwidthBytesPerSecond * start[PARAMS.findIndex((d) => d.name === 'dramFraction')]! * 1e-12);
  }
  if (heldHere.size === PARAMS.length) {
    console.log(`${device}: nothing to fit (every parameter held${onlyNames.length > 0 ? `; ${onlyNames.join(', ')} has no rows to fit it here` : ''})`);
    continue;
  }
  // A held parameter the preset lacks (a graph overhead with no graph-timed row, a settled state
  // with no heated row) stays unset, rather than simulated at its 0 start.
  const absent = new Set(PARAMS.filter((d, i) => heldHere.has(i) && e[d.name] === undefined).map((d) => d.name));
  let evals = 0;
  const objective = async (p: Params) => {
    evals++;
    return stats(sample, await predict(sample, toEff(p, absent))).objective;
  };
  const t0 = performance.now();
  const { best } = await nelderMead(objective, start, Number(flag('--iterations') ?? 40), heldHere);
  const fitS = stats(calibration, await predict(calibration, toEff(best, absent)));
  const holdS = stats(heldOut, await predict(heldOut, toEff(best, absent)));
  const fmt = (s: ReturnType<typeof stats>) => `median ${s.median.toFixed(1)}% p90 ${s.p90.toFixed(1)}% mean ${s.mean.toFixed(1)}%`;
  const fitted = PARAMS.flatMap((d, i) => (absent.has(d.name) ? [] : [`${d.name}=${best[i]!.toFixed(d.digits)}`])).join(' ');
  console.log(`${device}: ${fitted} (${evals} evaluations, ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(`  calibration rows (${calibration.length}): ${fmt(fitS)}`);
  console.log(`  held-out shapes (${heldOut.length}): ${fmt(holdS)}`);
  if (!dryRun) {
    const path = presetPath(device);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    if (onlyNames.length > 0) {
      // A second stage: only the listed values change, and fittedTo says how they were fitted.
      const on = flag('--data') === undefined ? '' : ` to ${dataFile.split('/').pop()}`;
      const stage = `${onlyNames.join(', ')} then alone${on}, every other parameter held (scripts/calibrate.ts --only ${onlyNames.join(',')}${on === '' ? '' : ` --data ${dataFile}`})`;
      const fittedTo = String(json.efficiency.fittedTo ?? '').split('; ').filter((part: string) => !part.startsWith(`${onlyNames.join(', ')} then alone`)).concat(stage).join('; ');
      const { fittedTo: _, ...values } = json.efficiency;
      for (const name of onlyNames) values[name] = Number(best[PARAMS.findIndex((d) => d.name === name)]!.toFixed(PARAMS.find((d) => d.name === name)!.digits));
      json.efficiency = { ...values, fittedTo };
    } else {
      // A parameter the preset lacks and the fit held (no row timed that way) stays absent.
      const written = PARAMS.map((d, i) => [d.name, i] as const).filter(([name]) => !absent.has(name));
      json.efficiency = {
        ...Object.fromEntries(written.map(([name, i]) => [name, Number(best[i]!.toFixed(PARAMS[i]!.digits))])),
        fittedTo: `${dataFile.split('/').pop()} ${device} rows, ${shapes.length - Math.floor(shapes.length / 3)} of ${shapes.length} (n,k) shapes (scripts/calibrate.ts${dramFromStreaming ? ' --dram-from-streaming' : ''}${holdNames.length > 0 ? ` --hold ${holdNames.join(',')}` : ''})`,
      };
    }
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`  wrote ${path}`);
    // Presets of the same architecture without measurements of their own take these values.
    for (const id of presetIds()) {
      const other = presetPath(id);
      const o = JSON.parse(readFileSync(other, 'utf8'));
      if (id === device || !String(o.efficiency?.fittedTo ?? '').startsWith(`inherited from ${device}`)) continue;
      const values = onlyNames.length > 0 ? Object.fromEntries(onlyNames.map((name) => [name, json.efficiency[name]])) : json.efficiency;
      o.efficiency = { ...o.efficiency, ...values, fittedTo: o.efficiency.fittedTo };
      writeFileSync(other, `${JSON.stringify(o, null, 2)}\n`);
      console.log(`  wrote ${other} (${o.efficiency.fittedTo})`);
    }
  }
}
