import { parse } from 'csv-parse/sync';
import { InputError } from '../../sim/validation.ts';

/** One measured kernel time (the CSV format of shared/data/measured/, see its README). */
export interface MeasuredRow {
  line: number;
  device: string;
  op: string;
  dtype: string;
  m: number;
  n: number;
  k: number;
  /** Optional columns used by non-GEMM ops (attention: batch, heads, seq, head_dim, causal). */
  extra: Record<string, string>;
  measuredUs: number;
  source: string;
}

export interface SkippedRow {
  line: number;
  reason: string;
}

const REQUIRED = ['device', 'op', 'measured_us'] as const;

/** Parse a measured-data CSV. Rows with unusable numbers are returned as skipped, with the reason. */
export function parseMeasuredCsv(text: string, file: string): { rows: MeasuredRow[]; skipped: SkippedRow[] } {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#' });
  } catch (error) {
    throw new InputError(`measured data "${file}": not valid CSV (${(error as Error).message})`);
  }
  if (records.length === 0) throw new InputError(`measured data "${file}": no rows`);
  const header = Object.keys(records[0]!);
  for (const col of REQUIRED) {
    if (!header.includes(col)) throw new InputError(`measured data "${file}": missing column "${col}" (columns: ${header.join(', ')})`);
  }
  const rows: MeasuredRow[] = [];
  const skipped: SkippedRow[] = [];
  records.forEach((r, i) => {
    const line = i + 2;
    const measuredUs = Number(r.measured_us);
    if (!(measuredUs > 0)) {
      skipped.push({ line, reason: `measured_us = ${JSON.stringify(r.measured_us)}: expected a number > 0` });
      return;
    }
    const dims = ['m', 'n', 'k'].map((d) => (r[d] === undefined || r[d] === '' ? 1 : Number(r[d])));
    const bad = dims.findIndex((x) => !Number.isInteger(x) || x < 1);
    if (bad >= 0) {
      skipped.push({ line, reason: `${'mnk'[bad]} = ${JSON.stringify(r['mnk'[bad]!])}: expected an integer >= 1` });
      return;
    }
    const { device, op, dtype, m, n, k, measured_us, source, ...extra } = r;
    void m; void n; void k; void measured_us;
    rows.push({ line, device: device!, op: op!, dtype: dtype || 'fp16', m: dims[0]!, n: dims[1]!, k: dims[2]!, extra, measuredUs, source: source ?? '' });
  });
  return { rows, skipped };
}

export { errorStats, sizeClass, type ErrorStats } from './error-stats.ts';
