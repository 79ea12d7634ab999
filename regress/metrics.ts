import type { OpSummary, RunSummary } from '../sim/summary.ts';
import { UsageError } from '../cli/errors.ts';
import { formatDuration, formatSi } from '../cli/format.ts';

export type MetricName = 'time' | 'tflops' | 'bytes';
export const METRIC_NAMES: readonly MetricName[] = ['time', 'tflops', 'bytes'];

/** What compare measures: a number per run and per op, and which direction is better. */
export interface Metric {
  name: MetricName;
  label: string;
  higherIsBetter: boolean;
  ofRun(s: RunSummary): number;
  ofOp(o: OpSummary): number;
  format(value: number): string;
}

export const METRICS: Record<MetricName, Metric> = {
  time: {
    name: 'time',
    label: 'simulated time',
    higherIsBetter: false,
    ofRun: (s) => s.simulatedTimeNs,
    ofOp: (o) => o.durationNs,
    format: formatDuration,
  },
  tflops: {
    name: 'tflops',
    label: 'achieved TFLOP/s',
    higherIsBetter: true,
    ofRun: (s) => s.totals.achievedFlopsPerSecond,
    ofOp: (o) => o.achievedFlopsPerSecond,
    format: (v) => `${(v / 1e12).toFixed(2)} TFLOP/s`,
  },
  bytes: {
    name: 'bytes',
    label: 'DRAM bytes',
    higherIsBetter: false,
    ofRun: (s) => s.totals.dramBytes,
    ofOp: (o) => o.dramBytes,
    format: (v) => formatSi(v, 'B'),
  },
};

export function parseMetric(text: string, flag = '--metric'): Metric {
  const m = METRICS[text as MetricName];
  if (m === undefined || !Object.hasOwn(METRICS, text)) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected one of ${METRIC_NAMES.join(', ')}`);
  return m;
}
