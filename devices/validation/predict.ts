import { parseWith, Simulation, TraceRecorder } from '../../sim/index.ts';
import { GpuDevice } from '../gpu/gpu-device.ts';
import { lowerToKernels } from '../gpu/lower.ts';
import { AllReduceOpSchema, AttentionOpSchema, GemmOpSchema, type WorkloadOp } from '../../workloads/index.ts';
import { candidateLabel, gemmCandidates, type GemmCandidate } from '../gpu/gemm-candidates.ts';
import { configLabel } from '../gpu/kernel.ts';
import { simulateOpAlone } from '../gpu/simulate-op.ts';
import { graphReplayed, settledAfterHeater, type GpuSpec } from '../gpu/spec.ts';
import { presetIds, resolveDevice } from '../presets.ts';
import { withNamedKernel, type KernelFields } from './kernel-names.ts';
import type { MeasuredRow } from './measured.ts';
import { aZeroFractionOf } from './operand-data.ts';

/**
 * Measured-row ops the validator can simulate, by the CSV's `op` column: each turns a row into a
 * workload op. Attention rows etc. register here.
 */
export const ROW_OPS: Record<string, (row: MeasuredRow) => WorkloadOp> = {
  gemm: (row) => parseWith(GemmOpSchema, { type: 'gemm', m: row.m, n: row.n, k: row.k, dtype: row.dtype, batch: Number(row.extra.batch ?? 1), ...outDtypeColumn(row), ...aZeroColumn(row), ...kernelColumns(row) }, 'row'),
  // Attention rows (data/measured/flash-attention2.csv): shape in the extra columns, impl column optional.
  attention: (row) => attentionRowOp(row),
  'flash-attention2': (row) => attentionRowOp({ ...row, extra: { ...row.extra, impl: 'flash2' } }),
  // All-reduce rows (data/measured/allreduce-*.csv): columns `bytes` (per device) and `ranks`.
  allreduce: (row) => parseWith(AllReduceOpSchema, { type: 'allreduce', bytes: cellValue(row.extra.bytes), ranks: cellValue(row.extra.ranks), dtype: row.dtype }, 'row'),
};

/** The CSV column that fills each GEMM op field of a kernel config (for error messages). */
const KERNEL_COLUMN: Record<string, string> = { tile: 'tile', stages: 'stages', splitK: 'split_k', tailSplit: 'tail_split' };
/** Columns that name the kernel a row ran (a profiler's names, or explicit config columns). */
export const KERNEL_NAMING_COLUMNS = ['kernel', 'grid', ...Object.values(KERNEL_COLUMN)] as const;

/** The row as if it named no kernel: the heuristic chooses (validate --heuristic). */
export function withoutKernelColumns(row: MeasuredRow): MeasuredRow {
  const extra = { ...row.extra };
  for (const column of KERNEL_NAMING_COLUMNS) delete extra[column];
  return { ...row, extra };
}

/** The CSV column of every GEMM op field a row may set beyond its shape and dtype. */
const FIELD_COLUMN: Record<string, string> = { ...KERNEL_COLUMN, outDtype: 'out_dtype', aZeroFraction: 'a_zero_fraction' };

/** Optional column `out_dtype`: C's element type when it differs from the operands' (an FP8 product writing bf16). */
function outDtypeColumn(row: MeasuredRow): { outDtype?: string } {
  const v = row.extra.out_dtype;
  return v === undefined || v === '' ? {} : { outDtype: v };
}

/** Optional column `a_zero_fraction`, or what the row's source implies (operand-data.ts). */
function aZeroColumn(row: MeasuredRow): { aZeroFraction?: number | string } {
  const v = aZeroFractionOf(row);
  return v === undefined ? {} : { aZeroFraction: v };
}

/**
 * Optional columns naming the kernel a GEMM row ran (from a profiler: tile, split_k, tail_split):
 * the row is then simulated with that config instead of the heuristic's, which validates kernel
 * time apart from kernel choice. Empty cells leave the choice to the heuristic.
 */
function kernelColumns(row: MeasuredRow): KernelFields {
  const x = row.extra;
  const num = numberCell;
  const out: KernelFields = {};
  if (x.tile !== undefined && x.tile !== '') out.tile = x.tile;
  if (num(x.stages) !== undefined) out.stages = num(x.stages);
  if (num(x.split_k) !== undefined) out.splitK = num(x.split_k);
  if (num(x.tail_split) !== undefined) out.tailSplit = num(x.tail_split);
  // A profiler's kernel names (column `kernel`, with the main kernel's `grid`) fill what the
  // explicit columns leave empty.
  if (out.tile === undefined && x.kernel !== undefined && x.kernel !== '') return withNamedKernel(out, x.kernel, x.grid ?? '') ?? out;
  return out;
}

/** A cell for a schema to check: its number, or the text itself when it is not one (so errors quote it); undefined when empty. */
function cellValue(v: string | undefined): number | string | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

/** An optional numeric cell: undefined when absent or empty. */
function numberCell(v: string | undefined): number | undefined {
  return v === undefined || v === '' ? undefined : Number(v);
}

function attentionRowOp(row: MeasuredRow): WorkloadOp {
  const x = row.extra;
  const num = (v: string | undefined, fallback: number) => numberCell(v) ?? fallback;
  return AttentionOpSchema.parse({
    type: 'attention',
    impl: x.impl || 'flash2',
    batch: num(x.batch, 1),
    heads: num(x.heads, 1),
    kvHeads: num(x.kv_heads, num(x.heads, 1)),
    seqQ: num(x.seq_q, row.m),
    seqKv: num(x.seq_kv, row.n),
    headDim: num(x.head_dim, row.k),
    causal: x.causal === 'true' || x.causal === '1',
    dtype: row.dtype,
  });
}

export type Efficiency = Partial<GpuSpec['efficiency']>;

const specCache = new Map<string, GpuSpec>();

/** A device preset with overrides, resolved once per process (asked for on every row). */
function specFor(device: string, overrides: Record<string, unknown>): GpuSpec {
  const key = Object.keys(overrides).length === 0 ? device : `${device} ${JSON.stringify(overrides)}`;
  let spec = specCache.get(key);
  if (spec === undefined) specCache.set(key, (spec = resolveDevice(device, overrides)));
  return spec;
}

/**
 * How a row's time was taken (optional column `timing`): `events` (the default), each call between
 * its own pair of CUDA events, so the time includes the launch and timing overhead
 * (efficiency.kernelOverheadNs); `graph`, back-to-back calls replayed from a CUDA graph and divided
 * by their count, so a launch overlaps the previous kernel: each kernel then costs
 * efficiency.graphKernelOverheadNs in place of kernelOverheadNs.
 */
export const TIMINGS = ['events', 'graph'] as const;
export type Timing = (typeof TIMINGS)[number];

function timingOf(row: MeasuredRow): Timing {
  const v = row.extra.timing;
  return v === undefined || v === '' ? 'events' : (v as Timing);
}

const graphSpecCache = new Map<string, GpuSpec>();

/** specFor's spec as graph-replayed kernels see it (graphReplayed), or the spec itself without one. */
function graphSpecFor(device: string, overrides: Record<string, unknown>): GpuSpec {
  const key = Object.keys(overrides).length === 0 ? device : `${device} ${JSON.stringify(overrides)}`;
  let spec = graphSpecCache.get(key);
  if (spec === undefined) {
    const base = specFor(device, overrides);
    graphSpecCache.set(key, (spec = graphReplayed(base) ?? base));
  }
  return spec;
}

/**
 * Milliseconds of a heater GEMM run right before the row's kernel (optional column `preheat_ms`,
 * scripts/measure/gemm_kernels.py --preheat-ms): above 0, the row was timed in the settled power
 * state (efficiency.settledPowerFraction). A cell that is not a number >= 0 is returned as written.
 */
function preheatOf(row: MeasuredRow): number | string {
  const cell = row.extra.preheat_ms;
  if (cell === undefined || cell === '') return 0;
  const ms = Number(cell);
  return Number.isFinite(ms) && ms >= 0 ? ms : cell;
}

/** Why a row cannot be simulated, or null when it can. */
export function skipReason(row: MeasuredRow, overrides: Record<string, unknown> = {}): string | null {
  if (!presetIds().includes(row.device)) return `unknown device "${row.device}"`;
  if (!(TIMINGS as readonly string[]).includes(timingOf(row))) return `column "timing" = ${JSON.stringify(row.extra.timing)}: expected ${TIMINGS.join(' or ')}`;
  if (timingOf(row) === 'graph' && specFor(row.device, overrides).efficiency.graphKernelOverheadNs === undefined) {
    return `column "timing" = "graph": device ${row.device} has no efficiency.graphKernelOverheadNs (the fixed cost of a graph-replayed kernel); expected events, or --set efficiency.graphKernelOverheadNs=NS`;
  }
  const preheat = preheatOf(row);
  if (typeof preheat === 'string') return `column "preheat_ms" = ${JSON.stringify(preheat)}: expected a number of milliseconds >= 0`;
  if (preheat > 0 && specFor(row.device, overrides).efficiency.settledPowerFraction === undefined) {
    return `column "preheat_ms" = "${row.extra.preheat_ms}": device ${row.device} has no efficiency.settledPowerFraction (its settled power state); expected 0, or --set efficiency.settledPowerFraction=F`;
  }
  if (!(row.op in ROW_OPS)) return `unsupported op "${row.op}" (supported: ${Object.keys(ROW_OPS).join(', ')})`;
  try {
    const op = ROW_OPS[row.op]!(row);
    // A kernel config named by the row must exist on the device: lower it once, unsimulated.
    if (op.type === 'gemm' && Object.keys(kernelColumns(row)).length > 0) {
      const spec = specFor(row.device, overrides);
      lowerToKernels(new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none'), op, 'gemm');
    }
  } catch (error) {
    // Name the CSV column, not the op field it fills (the kernel column where the config was read from a name).
    const fromKernel = (field: string) => field in KERNEL_COLUMN && (row.extra[KERNEL_COLUMN[field]!] ?? '') === '' && (row.extra.kernel ?? '') !== '';
    return (error as Error).message.replace(/^(?:row: )?field "(\w+)"( = "?[^":]*"?)?/, (_, field: string, value: string | undefined) =>
      fromKernel(field) ? `column "kernel" (read as ${field}${value ?? ''})` : `column "${FIELD_COLUMN[field] ?? field}"${value ?? ''}`);
  }
  return null;
}

export interface Prediction {
  predictedUs: number;
  config: string;
  /** With `validate --candidates`, for GEMM rows: what other kernel choices would have given. */
  choice?: KernelChoice;
}

/** A GEMM row's kernel choice against every config the heuristic weighs (simulated). */
export interface KernelChoice {
  /** Configs simulated. */
  candidates: number;
  /** The fastest simulated config: what an autotuner that trusts the model would run. */
  fastestUs: number;
  fastestConfig: string;
  /** The config closest to the measurement: the error left if the choice were always right. */
  closestUs: number;
  closestConfig: string;
  /** Every config simulated, fastest first (`validate --candidates-csv`). */
  all: { config: string; estimatedUs: number; simulatedUs: number; chosen: boolean; waves: number; workItems: number }[];
}

/**
 * Simulate one measured row on its device preset, with optional efficiency overrides (calibration)
 * and dotted-path spec overrides (what-ifs: `validate --set l2.bandwidthBytesPerSecond=2e12`).
 */
export function predictRow(row: MeasuredRow, efficiency: Efficiency = {}, overrides: Record<string, unknown> = {}, withChoice = false): Prediction {
  const base = specFor(row.device, overrides);
  const graph = timingOf(row) === 'graph';
  // A graph-timed row has no launch in its time: its kernels cost the graph's fixed overhead
  // (skipReason has refused a part without one). Without efficiency overrides the graph variant
  // is resolved once per device, like the preset.
  let spec: GpuSpec;
  if (Object.keys(efficiency).length === 0) spec = graph ? graphSpecFor(row.device, overrides) : base;
  else {
    const fitted = { ...base, efficiency: { ...base.efficiency, ...efficiency } };
    spec = graph ? (graphReplayed(fitted) ?? fitted) : fitted;
  }
  // A row timed after a heater sees the settled power state (skipReason has refused a part without one).
  if ((preheatOf(row) as number) > 0) spec = settledAfterHeater(spec) ?? spec;
  const op = ROW_OPS[row.op]!(row);
  const { timeNs, configs } = simulateOpAlone(spec, op);
  const prediction: Prediction = {
    predictedUs: timeNs / 1000,
    config: configs.map(configLabel).filter((label) => label !== '').join(' + '),
  };
  if (withChoice && op.type === 'gemm') {
    const { candidates } = gemmCandidates(spec, op);
    if (candidates.length > 0) prediction.choice = kernelChoice(candidates, row.measuredUs);
  }
  return prediction;
}

function kernelChoice(candidates: GemmCandidate[], measuredUs: number): KernelChoice {
  const fastest = candidates[0]!;
  let closest = fastest;
  for (const c of candidates) if (Math.abs(Math.log(c.simulatedUs / measuredUs)) < Math.abs(Math.log(closest.simulatedUs / measuredUs))) closest = c;
  return {
    candidates: candidates.length, fastestUs: fastest.simulatedUs, fastestConfig: candidateLabel(fastest), closestUs: closest.simulatedUs, closestConfig: candidateLabel(closest),
    all: candidates.map((c) => ({ config: candidateLabel(c), estimatedUs: c.estimatedUs, simulatedUs: c.simulatedUs, chosen: c.chosen, waves: c.waves, workItems: c.workItems })),
  };
}
