import { errorStats, sizeClass, type ErrorStats, type MeasuredRow, type SkippedRow } from './measured.ts';
import type { ResidualGroups } from './groups.ts';
import type { Prediction } from './predict.ts';

export interface ValidationReport {
  file: string;
  overall: ErrorStats;
  devices: Record<string, ErrorStats>;
  /** Per device, per size class of m. */
  sizeClasses: Record<string, Record<string, ErrorStats>>;
  worst: { line: number; device: string; op: string; m: number; n: number; k: number; measuredUs: number; predictedUs: number; errorPct: number; config: string }[];
  skipped: { count: number; reasons: Record<string, number> };
  /** Rows whose A operand had zeros (column a_zero_fraction, or what the source implies), when any. */
  zeroInputRows?: number;
  /** Device-spec overrides the rows were simulated with (`validate --set`), when any. */
  overrides?: Record<string, unknown>;
  /** With `--max-median` / `--max-p90`: the limits per device, and the statistics beyond them. */
  limits?: AccuracyLimits;
  /** With `--by`: the error per device and group of rows. */
  groups?: ResidualGroups;
  /** With `--candidates`: per device and size class, the kernel choice against its alternatives. */
  choice?: Record<string, Record<string, ChoiceStats>>;
}

/**
 * How much of the error is the kernel choice. `picked`: the heuristic's config (the report's
 * error); `fastest`: the fastest simulated config; `closest`: the config nearest the measurement
 * (a lower bound: the error if the model always knew the library's choice).
 */
export interface ChoiceStats {
  count: number;
  /** Rows where the heuristic picks the fastest simulated config, %. */
  pickedFastestPct: number;
  picked: ErrorStats;
  fastest: ErrorStats;
  closest: ErrorStats;
}

export interface AccuracyLimits {
  medianAbsPctError?: number;
  p90AbsPctError?: number;
  /** Each device statistic beyond its limit (empty: the validation passes). */
  exceeded: { device: string; statistic: 'medianAbsPctError' | 'p90AbsPctError'; value: number; limit: number }[];
}

/** Check every device's statistics against accuracy limits (a CI gate: `validate --max-p90 15`). */
export function checkLimits(report: ValidationReport, limits: { medianAbsPctError?: number; p90AbsPctError?: number }): AccuracyLimits {
  const exceeded: AccuracyLimits['exceeded'] = [];
  for (const [device, stats] of Object.entries(report.devices)) {
    for (const statistic of ['medianAbsPctError', 'p90AbsPctError'] as const) {
      const limit = limits[statistic];
      if (limit !== undefined && stats[statistic] > limit) exceeded.push({ device, statistic, value: stats[statistic], limit });
    }
  }
  return { ...limits, exceeded };
}

/** Signed error of a prediction, % of the measurement: positive when the model is slower. */
function signedErrorPct(predictedUs: number, measuredUs: number): number {
  return ((predictedUs - measuredUs) / measuredUs) * 100;
}

/** Aggregate predictions against measurements into the report `tilewave validate` prints. */
export function buildReport(file: string, rows: MeasuredRow[], predictions: Prediction[], skipped: SkippedRow[], worstCount = 10): ValidationReport {
  const errs = rows.map((r, i) => signedErrorPct(predictions[i]!.predictedUs, r.measuredUs));
  const byDevice = new Map<string, number[]>();
  const byClass = new Map<string, Map<string, number[]>>();
  rows.forEach((r, i) => {
    if (!byDevice.has(r.device)) byDevice.set(r.device, []);
    byDevice.get(r.device)!.push(errs[i]!);
    if (!byClass.has(r.device)) byClass.set(r.device, new Map());
    const cls = byClass.get(r.device)!;
    const c = sizeClass(r.m);
    if (!cls.has(c)) cls.set(c, []);
    cls.get(c)!.push(errs[i]!);
  });
  const order = rows.map((_, i) => i).sort((a, b) => Math.abs(errs[b]!) - Math.abs(errs[a]!) || a - b);
  const reasons: Record<string, number> = {};
  for (const s of skipped) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
  const sortedKeys = <T>(m: Map<string, T>) => [...m.keys()].sort();
  return {
    file,
    overall: errorStats(errs),
    devices: Object.fromEntries(sortedKeys(byDevice).map((d) => [d, errorStats(byDevice.get(d)!)])),
    sizeClasses: Object.fromEntries(
      sortedKeys(byClass).map((d) => {
        const cls = byClass.get(d)!;
        return [d, Object.fromEntries(['m<=64', '64<m<=1024', 'm>1024'].filter((c) => cls.has(c)).map((c) => [c, errorStats(cls.get(c)!)]))];
      }),
    ),
    worst: order.slice(0, worstCount).map((i) => {
      const r = rows[i]!;
      return {
        line: r.line, device: r.device, op: r.op, m: r.m, n: r.n, k: r.k, measuredUs: r.measuredUs,
        predictedUs: Math.round(predictions[i]!.predictedUs * 100) / 100,
        errorPct: Math.round(errs[i]! * 10) / 10,
        config: predictions[i]!.config,
      };
    }),
    skipped: { count: skipped.length, reasons },
    ...(predictions.some((p) => p.choice !== undefined) ? { choice: choiceStats(rows, predictions) } : {}),
  };
}

function choiceStats(rows: MeasuredRow[], predictions: Prediction[]): Record<string, Record<string, ChoiceStats>> {
  const groups = new Map<string, { picked: number[]; fastest: number[]; closest: number[]; same: number }>();
  rows.forEach((r, i) => {
    const p = predictions[i]!;
    if (p.choice === undefined) return;
    for (const key of [`${r.device}\tall`, `${r.device}\t${sizeClass(r.m)}`]) {
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { picked: [], fastest: [], closest: [], same: 0 }));
      g.picked.push(signedErrorPct(p.predictedUs, r.measuredUs));
      g.fastest.push(signedErrorPct(p.choice.fastestUs, r.measuredUs));
      g.closest.push(signedErrorPct(p.choice.closestUs, r.measuredUs));
      if (p.choice.fastestUs >= p.predictedUs) g.same++;
    }
  });
  const out: Record<string, Record<string, ChoiceStats>> = {};
  const order = ['all', 'm<=64', '64<m<=1024', 'm>1024'];
  const rank = (key: string) => order.indexOf(key.split('\t')[1]!);
  const device = (key: string) => key.split('\t')[0]!;
  // Code-unit order of device ids (as the rest of the report), then the size classes in order.
  for (const key of [...groups.keys()].sort((a, b) => (device(a) < device(b) ? -1 : device(a) > device(b) ? 1 : rank(a) - rank(b)))) {
    const [id, cls] = key.split('\t') as [string, string];
    const g = groups.get(key)!;
    (out[id] ??= {})[cls] = {
      count: g.picked.length,
      pickedFastestPct: Math.round((g.same / g.picked.length) * 1000) / 10,
      picked: errorStats(g.picked), fastest: errorStats(g.fastest), closest: errorStats(g.closest),
    };
  }
  return out;
}

/** Columns of `validate --candidates-csv`: one line per row and simulated kernel config. */
export const CANDIDATE_CSV_COLUMNS = ['line', 'device', 'm', 'n', 'k', 'measured_us', 'config', 'estimated_us', 'simulated_us', 'error_pct', 'chosen', 'waves', 'work_items'] as const;

/**
 * Every simulated config of every GEMM row (`--candidates`), for kernel-choice studies outside
 * tilewave: which rule over the configs would have matched the library.
 */
export function candidateRecords(rows: MeasuredRow[], predictions: Prediction[]): Record<string, string | number>[] {
  const out: Record<string, string | number>[] = [];
  rows.forEach((r, i) => {
    for (const c of predictions[i]!.choice?.all ?? []) {
      out.push({
        line: r.line, device: r.device, m: r.m, n: r.n, k: r.k, measured_us: r.measuredUs, config: c.config,
        estimated_us: Math.round(c.estimatedUs * 1000) / 1000, simulated_us: Math.round(c.simulatedUs * 1000) / 1000,
        error_pct: Math.round(signedErrorPct(c.simulatedUs, r.measuredUs) * 10) / 10, chosen: c.chosen ? 1 : 0, waves: c.waves, work_items: c.workItems,
      });
    }
  });
  return out;
}

/** Columns of the per-row CSV (`tilewave validate --rows FILE`), in order. */
export const ROW_CSV_COLUMNS = ['line', 'device', 'op', 'dtype', 'm', 'n', 'k', 'measured_us', 'predicted_us', 'error_pct', 'config', 'source'] as const;

/** Extra columns with `--candidates` (GEMM rows; empty for others). */
export const CHOICE_CSV_COLUMNS = ['fastest_us', 'fastest_config', 'closest_us', 'closest_config', 'candidates'] as const;

/**
 * One record per simulated row, for residual analysis outside tilewave (by shape, config, source).
 * error_pct is signed: positive when the model is slower than the measurement.
 */
export function predictionRecords(rows: MeasuredRow[], predictions: Prediction[]): Record<string, string | number>[] {
  return rows.map((r, i) => {
    const p = predictions[i]!;
    const c = p.choice;
    const choice: Record<string, string | number> = c === undefined ? {} : {
      fastest_us: Math.round(c.fastestUs * 1000) / 1000, fastest_config: c.fastestConfig,
      closest_us: Math.round(c.closestUs * 1000) / 1000, closest_config: c.closestConfig, candidates: c.candidates,
    };
    return {
      ...choice,
      line: r.line, device: r.device, op: r.op, dtype: r.dtype, m: r.m, n: r.n, k: r.k,
      measured_us: r.measuredUs,
      predicted_us: Math.round(p.predictedUs * 1000) / 1000,
      error_pct: Math.round(signedErrorPct(p.predictedUs, r.measuredUs) * 10) / 10,
      config: p.config,
      source: r.source,
    };
  });
}
