import type { Scenario } from './scenario.ts';
import type { RunSummary } from '../sim/index.ts';
import { InputError } from '../sim/validation.ts';

/** `start:stop:step` (inclusive stop) or a single value, as integers. */
export function parseRange(flag: string, text: string): number[] {
  const parts = text.split(':');
  const nums = parts.map(Number);
  const bad = () => new InputError(`${flag} "${text}": expected an integer or start:stop:step with integers >= 1, start <= stop, step >= 1`);
  if (parts.length === 1) {
    if (!Number.isInteger(nums[0]) || nums[0]! < 1) throw bad();
    return [nums[0]!];
  }
  if (parts.length !== 3 || nums.some((x) => !Number.isInteger(x) || x < 1)) throw bad();
  const [start, stop, step] = nums as [number, number, number];
  if (start > stop) throw bad();
  const count = Math.floor((stop - start) / step) + 1;
  if (count > 1_000_000) throw new InputError(`${flag} "${text}": ${count} points; at most 1,000,000`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

export interface GemmSweepArgs {
  device: string;
  m: string;
  n: string;
  k: string;
  batch?: string;
  dtype: string;
  deviceOverrides?: Record<string, unknown>;
}

export interface SweepPoint {
  index: number;
  parameter: string;
  value: number;
  scenario: Scenario;
}

/** The scenarios of a GEMM sweep: exactly one of m, n, k, batch may be a range. */
export function gemmSweepPoints(args: GemmSweepArgs): { parameter: string; points: SweepPoint[] } {
  const dims = { m: parseRange('--m', args.m), n: parseRange('--n', args.n), k: parseRange('--k', args.k), batch: parseRange('--batch', args.batch ?? '1') };
  const ranged = (Object.keys(dims) as (keyof typeof dims)[]).filter((d) => dims[d].length > 1);
  if (ranged.length > 1) throw new InputError(`sweep: only one of --m, --n, --k, --batch may be a range; got ranges for ${ranged.join(', ')}`);
  const parameter = ranged[0] ?? 'n';
  const values = dims[parameter as keyof typeof dims];
  const points = values.map((value, index): SweepPoint => {
    const shape = { m: dims.m[0]!, n: dims.n[0]!, k: dims.k[0]!, batch: dims.batch[0]!, [parameter]: value };
    return {
      index,
      parameter,
      value,
      scenario: {
        name: `gemm-${shape.m}x${shape.n}x${shape.k}${shape.batch > 1 ? `x${shape.batch}` : ''}-${args.dtype}-${args.device}`,
        seed: 1,
        device: args.device,
        deviceOverrides: args.deviceOverrides ?? {},
        traceDetail: 'none',
        workload: { ops: [{ type: 'gemm', name: 'gemm', stream: 0, after: [], m: shape.m, n: shape.n, k: shape.k, batch: shape.batch, dtype: args.dtype as 'fp16' }] },
      },
    };
  });
  return { parameter, points };
}

export const SWEEP_CSV_COLUMNS = ['parameter', 'value', 'device', 'dtype', 'm', 'n', 'k', 'batch', 'time_us', 'tflops', 'dram_gbps', 'tile', 'split_k', 'tail_split', 'ctas', 'waves'] as const;

/** One CSV row of a sweep from a run summary (numbers rounded so output is stable and readable). */
export function sweepRow(point: SweepPoint, summary: RunSummary): Record<(typeof SWEEP_CSV_COLUMNS)[number], string | number> {
  const op = summary.ops[0]!;
  const g = point.scenario.workload.ops[0] as { m: number; n: number; k: number; batch: number; dtype: string };
  return {
    parameter: point.parameter,
    value: point.value,
    device: summary.device.id,
    dtype: g.dtype,
    m: g.m,
    n: g.n,
    k: g.k,
    batch: g.batch,
    time_us: Math.round(op.durationNs) / 1000,
    tflops: Math.round(op.achievedFlopsPerSecond / 1e9) / 1000,
    dram_gbps: Math.round(op.achievedDramBytesPerSecond / 1e6) / 1000,
    tile: String(op.config?.tile ?? ''),
    split_k: Number(op.config?.splitK ?? 1),
    tail_split: Number(op.config?.tailSplit ?? 1),
    ctas: op.tiles ?? 0,
    waves: op.waves ?? 0,
  };
}
