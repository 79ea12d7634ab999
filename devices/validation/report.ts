import { errorStats, sizeClass, type ErrorStats, type MeasuredRow, type SkippedRow } from './measured.ts';
import type { Prediction } from './predict.ts';

export interface ValidationReport {
  file: string;
  overall: ErrorStats;
  devices: Record<string, ErrorStats>;
  /** Per device, per size class of m. */
  sizeClasses: Record<string, Record<string, ErrorStats>>;
  worst: { line: number; device: string; op: string; m: number; n: number; k: number; measuredUs: number; predictedUs: number; errorPct: number; config: string }[];
  skipped: { count: number; reasons: Record<string, number> };
  /** Device-spec overrides the rows were simulated with (`validate --set`), when any. */
  overrides?: Record<string, unknown>;
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
  };
}

/** Columns of the per-row CSV (`tilewave validate --rows FILE`), in order. */
export const ROW_CSV_COLUMNS = ['line', 'device', 'op', 'dtype', 'm', 'n', 'k', 'measured_us', 'predicted_us', 'error_pct', 'config', 'source'] as const;

/**
 * One record per simulated row, for residual analysis outside tilewave (by shape, config, source).
 * error_pct is signed: positive when the model is slower than the measurement.
 */
export function predictionRecords(rows: MeasuredRow[], predictions: Prediction[]): Record<(typeof ROW_CSV_COLUMNS)[number], string | number>[] {
  return rows.map((r, i) => {
    const p = predictions[i]!;
    return {
      line: r.line, device: r.device, op: r.op, dtype: r.dtype, m: r.m, n: r.n, k: r.k,
      measured_us: r.measuredUs,
      predicted_us: Math.round(p.predictedUs * 1000) / 1000,
      error_pct: Math.round(signedErrorPct(p.predictedUs, r.measuredUs) * 10) / 10,
      config: p.config,
      source: r.source,
    };
  });
}
