/**
 * Error statistics of a validation, shared by the text report (`tilewave validate`) and the HTML
 * report's validation view, so both print the same figures. No dependencies: the viewer bundles it.
 */

export interface ErrorStats {
  count: number;
  medianAbsPctError: number;
  p90AbsPctError: number;
  meanAbsPctError: number;
  /** Mean signed error: > 0 means the model predicts too slow on average. */
  meanSignedPctError: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Percent errors (signed, (pred - meas) / meas * 100) to summary statistics. */
export function errorStats(signedPct: readonly number[]): ErrorStats {
  const abs = signedPct.map(Math.abs).sort((a, b) => a - b);
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);
  return {
    count: signedPct.length,
    medianAbsPctError: round(quantile(abs, 0.5)),
    p90AbsPctError: round(quantile(abs, 0.9)),
    meanAbsPctError: round(abs.reduce((a, b) => a + b, 0) / Math.max(1, abs.length)),
    meanSignedPctError: round(signedPct.reduce((a, b) => a + b, 0) / Math.max(1, signedPct.length)),
  };
}

/** Size classes by m (tokens): decode-like, mid, large. */
export function sizeClass(m: number): string {
  if (m <= 64) return 'm<=64';
  if (m <= 1024) return '64<m<=1024';
  return 'm>1024';
}

/** The layer a row's source names: its last ':'-separated field (gemm-vidur.csv: the linear layer). */
export function layerOfSource(source: string): string {
  return source.slice(source.lastIndexOf(':') + 1);
}

/** The models of a source "vidur:<model>+<model>:<layer>" (what lies between its first and last ':'), or "" without them. */
export function modelsOfSource(source: string): string {
  const first = source.indexOf(':');
  const last = source.lastIndexOf(':');
  return first >= 0 && last > first ? source.slice(first + 1, last) : '';
}

/** The tile of a kernel config label ("128x256x64 splitK=2" -> "128x256x64"). */
export function tileOfConfig(config: string): string {
  return config.split(' ')[0] ?? '';
}

/** Order of group values (`validate --by`, the validation view): numbers numerically, then text; empty values last. */
export function compareGroupValues(a: string | number, b: string | number): number {
  const na = typeof a === 'number' ? a : a.trim() !== '' && Number.isFinite(Number(a)) ? Number(a) : null;
  const nb = typeof b === 'number' ? b : b.trim() !== '' && Number.isFinite(Number(b)) ? Number(b) : null;
  if (na !== null && nb !== null) return na - nb;
  if (na !== null) return -1;
  if (nb !== null) return 1;
  const [sa, sb] = [String(a), String(b)];
  if (sa === '' || sb === '') return sa === sb ? 0 : sa === '' ? 1 : -1;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
