import type { ChromeTraceObject } from '../viz/validate-trace.ts';
import { UsageError } from './errors.ts';

/**
 * With `--vary` a command writes a CSV row per value (and `--html`, their chart); the outputs of a
 * single run make no sense there, nor `--out` without it.
 */
export function checkVaryOutputs(opts: { vary?: string; out?: string; trace?: string; summary?: string; json?: boolean }): void {
  if (opts.vary === undefined) {
    if (opts.out !== undefined) throw new UsageError('--out goes with --vary (the CSV); a single run writes --summary, --trace or --html');
    return;
  }
  const single = (['trace', 'summary', 'json'] as const).filter((k) => opts[k] !== undefined);
  if (single.length > 0) {
    throw new UsageError(`--vary writes one CSV row per value (and --html, its chart); ${single.map((k) => `--${k}`).join(', ')} ${single.length === 1 ? 'is' : 'are'} for a single run (drop --vary, or use --set for one value)`);
  }
}

/** A sweep chart's trace (docs/trace-format.md, kind "sweep"): `points` carry `value` and the metric. */
export function sweepChartTrace(title: string, parameter: string, metric: string, points: Record<string, unknown>[]): ChromeTraceObject {
  return { traceEvents: [], displayTimeUnit: 'ns', otherData: { tilewave: { formatVersion: '1.0', kind: 'sweep', title, tracks: [], sweep: { parameter, metric, points } } } };
}
