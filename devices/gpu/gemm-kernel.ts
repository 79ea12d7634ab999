import type { GemmOp } from '../../workloads/ops.ts';
import { gemmFlops } from '../../workloads/ops.ts';
import type { CtaResources, CtaWork, Kernel, OperandLoad } from './kernel.ts';
import { BYTES_PER_ELEMENT, type Dtype, type GpuSpec } from './spec.ts';

/** A CUTLASS-style tile configuration: CTA tile, pipeline depth and warp count. */
export interface TileConfig {
  tileM: number;
  tileN: number;
  tileK: number;
  stages: number;
  warps: number;
}

/**
 * The candidate set, as in CUTLASS/cuBLAS kernel libraries: large tiles for big problems (best
 * operand reuse), small ones so that small problems still produce enough CTAs.
 */
export const TILE_CANDIDATES: readonly TileConfig[] = [
  { tileM: 128, tileN: 256, tileK: 64, stages: 3, warps: 8 },
  { tileM: 256, tileN: 128, tileK: 64, stages: 3, warps: 8 },
  { tileM: 128, tileN: 128, tileK: 64, stages: 3, warps: 4 },
  { tileM: 128, tileN: 64, tileK: 64, stages: 4, warps: 4 },
  { tileM: 64, tileN: 128, tileK: 64, stages: 4, warps: 4 },
  { tileM: 64, tileN: 256, tileK: 64, stages: 3, warps: 4 },
  { tileM: 64, tileN: 64, tileK: 64, stages: 4, warps: 4 },
];

export const SPLIT_K_CANDIDATES: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16];

/** Pipelined steps a CTA's K loop is simulated in (each step = several tileK iterations). */
export const MAX_STEPS_PER_CTA = 4;

/** Rows of the CTA grid walked together (grouped raster order) so a wave shares panels in L2. */
const RASTER_GROUP_ROWS = 8;

/** Split-K: each split writes its fp32 partial tile, and the reduction reads it back. */
const SPLIT_K_PARTIAL_BYTES = 8;

/**
 * Loop iterations per simulated step: one-iteration first and last steps (pipeline fill and drain,
 * which a real kernel exposes), the rest in at most MAX_STEPS_PER_CTA - 2 long, overlapped steps.
 */
export function pipelineSteps(iters: number): number[] {
  if (iters <= 0) return [0];
  if (iters <= MAX_STEPS_PER_CTA) return Array.from({ length: iters }, () => 1);
  const middle = iters - 2;
  const chunks = MAX_STEPS_PER_CTA - 2;
  const out = [1];
  for (let c = 0; c < chunks; c++) out.push(Math.floor(middle / chunks) + (c < middle % chunks ? 1 : 0));
  out.push(1);
  return out;
}

export interface GemmPlan {
  tile: TileConfig;
  splitK: number;
  gridM: number;
  gridN: number;
  ctaCount: number;
  estimatedNs: number;
}

export function tileName(t: TileConfig): string {
  return `${t.tileM}x${t.tileN}x${t.tileK}`;
}

function warpGrid(t: TileConfig): [number, number] {
  // Warps split the larger tile dimension more: 8 warps -> 2x4 or 4x2, 4 warps -> 2x2.
  if (t.warps === 8) return t.tileN >= t.tileM ? [2, 4] : [4, 2];
  if (t.warps === 4) return [2, 2];
  return [1, t.warps];
}

export function ctaResources(t: TileConfig, dtype: Dtype): CtaResources {
  const bytes = BYTES_PER_ELEMENT[dtype];
  const threads = t.warps * 32;
  // fp32 accumulators spread over the CTA's threads, plus addressing and fragment registers.
  const registersPerThread = Math.min(255, Math.ceil((t.tileM * t.tileN) / threads) + 64);
  return { threads, sharedMemoryBytes: t.stages * (t.tileM + t.tileN) * t.tileK * bytes, registersPerThread };
}

interface GemmGeometry {
  m: number; n: number; k: number; batch: number; dtype: Dtype;
  tile: TileConfig; splitK: number; gridM: number; gridN: number; kPerSplit: number;
}

function geometry(op: GemmOp, tile: TileConfig, splitK: number): GemmGeometry {
  const dtype = op.dtype as Dtype;
  const kIters = Math.ceil(op.k / tile.tileK);
  const itersPerSplit = Math.ceil(kIters / splitK);
  return {
    m: op.m, n: op.n, k: op.k, batch: op.batch, dtype, tile, splitK,
    gridM: Math.ceil(op.m / tile.tileM),
    gridN: Math.ceil(op.n / tile.tileN),
    kPerSplit: itersPerSplit * tile.tileK,
  };
}

/** SM time for one K-chunk of `kChunk` on a tile, ns: tensor work or shared-memory reads, whichever binds. */
function chunkWorkNs(spec: GpuSpec, g: GemmGeometry, kChunk: number): number {
  const t = g.tile;
  const peak = spec.tensor.flopsPerSecond[g.dtype];
  if (peak === undefined) throw new Error(`device ${spec.id} has no tensor rate for dtype ${g.dtype}`);
  const smFlopsPerNs = (peak * spec.efficiency.tensorFraction) / spec.sm.count / 1e9;
  const tensorNs = (2 * t.tileM * t.tileN * kChunk) / smFlopsPerNs; // padded tile: quantization costs
  const [wm, wn] = warpGrid(t);
  const smemBytes = (t.tileM * wn + t.tileN * wm) * kChunk * BYTES_PER_ELEMENT[g.dtype];
  const smemNs = smemBytes / (spec.sm.sharedMemoryBytesPerClock * spec.sm.clockHz / 1e9);
  return Math.max(tensorNs, smemNs);
}

/**
 * The kernel-choice heuristic (part of the model, like cuBLAS's): an analytical estimate of each
 * candidate's time from waves, per-CTA work, and the memory a wave must move; the fastest wins.
 */
export function estimateGemmNs(spec: GpuSpec, op: GemmOp, tile: TileConfig, splitK: number, occupancy: number): number {
  const g = geometry(op, tile, splitK);
  const bytes = BYTES_PER_ELEMENT[g.dtype];
  const ctas = g.gridM * g.gridN * splitK * g.batch;
  const slots = spec.sm.count * occupancy;
  const waves = Math.ceil(ctas / slots);
  const concurrent = Math.min(ctas, slots);
  const perSm = Math.min(occupancy, Math.ceil(concurrent / spec.sm.count));
  const computeNs = chunkWorkNs(spec, g, g.kPerSplit) * perSm;
  const tm = Math.min(tile.tileM, g.m);
  const tn = Math.min(tile.tileN, g.n);
  const ctaBytes = (tm + tn) * g.kPerSplit * bytes;
  const pullNs = (ctaBytes * perSm) / (spec.sm.l2ToSmBytesPerClock * spec.sm.clockHz / 1e9);
  const rows = Math.min(g.gridM, RASTER_GROUP_ROWS);
  const cols = Math.min(g.gridN, Math.ceil(concurrent / (rows * splitK)));
  const uniqueBytes = (rows * tm + cols * tn) * g.kPerSplit * splitK * bytes;
  const hbmBytesPerNs = (spec.memory.bandwidthBytesPerSecond * spec.efficiency.dramFraction) / 1e9;
  const hbmNs = uniqueBytes / hbmBytesPerNs;
  const l2Ns = (concurrent * ctaBytes) / (spec.l2.bandwidthBytesPerSecond / 1e9);
  const waveNs = Math.max(computeNs, pullNs, hbmNs, l2Ns) + spec.memory.latencyNs;
  const outBytes = g.m * g.n * g.batch * (splitK > 1 ? splitK * SPLIT_K_PARTIAL_BYTES : bytes);
  return waves * waveNs + outBytes / hbmBytesPerNs;
}

/** Pick tile and split-K for `op` (or honour a forced tile/splitK). */
export function planGemm(spec: GpuSpec, op: GemmOp, occupancyOf: (r: CtaResources) => number): GemmPlan {
  const dtype = op.dtype as Dtype;
  const tiles = op.tile === undefined ? TILE_CANDIDATES : [parseTile(op.tile)];
  const splits = op.splitK === undefined ? SPLIT_K_CANDIDATES : [op.splitK];
  let best: GemmPlan | null = null;
  for (const tile of tiles) {
    const occupancy = occupancyOf(ctaResources(tile, dtype));
    if (occupancy < 1) continue;
    const kIters = Math.ceil(op.k / tile.tileK);
    for (const splitK of splits) {
      // Each split needs at least two K iterations, or splitting only adds reduction traffic.
      if (splitK > 1 && kIters < 2 * splitK) continue;
      const estimatedNs = estimateGemmNs(spec, op, tile, splitK, occupancy);
      if (best === null || estimatedNs < best.estimatedNs) {
        const g = geometry(op, tile, splitK);
        best = { tile, splitK, gridM: g.gridM, gridN: g.gridN, ctaCount: g.gridM * g.gridN * splitK * op.batch, estimatedNs };
      }
    }
  }
  if (best === null) {
    throw new Error(`no GEMM kernel config fits one SM of ${spec.id} (tile ${op.tile ?? 'any'}, dtype ${op.dtype})`);
  }
  return best;
}

function parseTile(text: string): TileConfig {
  const [tileM, tileN, tileK] = text.split('x').map(Number) as [number, number, number];
  const known = TILE_CANDIDATES.find((t) => t.tileM === tileM && t.tileN === tileN && t.tileK === tileK);
  return known ?? { tileM, tileN, tileK, stages: 3, warps: tileM * tileN >= 128 * 256 ? 8 : 4 };
}

/** Lower a GEMM op to one kernel: CTAs in grouped raster order, each a pipelined walk over K. */
export function gemmKernel(spec: GpuSpec, op: GemmOp, plan: GemmPlan, name: string): Kernel {
  const g = geometry(op, plan.tile, plan.splitK);
  const t = plan.tile;
  const bytes = BYTES_PER_ELEMENT[g.dtype];
  const kIters = Math.ceil(op.k / t.tileK);
  const perBatch = g.gridM * g.gridN * plan.splitK;
  const ctaCount = perBatch * op.batch;
  const outBytes = bytes;
  return {
    name,
    category: 'gemm',
    ctaCount,
    resources: ctaResources(t, g.dtype),
    flops: gemmFlops(op),
    dtype: op.dtype,
    config: { tile: tileName(t), splitK: plan.splitK, stages: t.stages, warps: t.warps, grid: `${g.gridM}x${g.gridN}x${plan.splitK * op.batch}` },
    cta(index: number): CtaWork {
      const batch = Math.floor(index / perBatch);
      let rest = index % perBatch;
      const split = rest % plan.splitK;
      rest = Math.floor(rest / plan.splitK);
      // Grouped raster: RASTER_GROUP_ROWS tile rows are walked column by column.
      const groupSize = RASTER_GROUP_ROWS * g.gridN;
      const group = Math.floor(rest / groupSize);
      const firstRow = group * RASTER_GROUP_ROWS;
      const rowsInGroup = Math.min(RASTER_GROUP_ROWS, g.gridM - firstRow);
      const local = rest % groupSize;
      const row = firstRow + (local % rowsInGroup);
      const col = Math.floor(local / rowsInGroup);
      const rowsHere = Math.min(t.tileM, op.m - row * t.tileM);
      const colsHere = Math.min(t.tileN, op.n - col * t.tileN);
      const firstIter = split * Math.ceil(kIters / plan.splitK);
      const itersHere = Math.max(0, Math.min(kIters, firstIter + Math.ceil(kIters / plan.splitK)) - firstIter);
      const kHere = Math.max(0, Math.min(op.k, (firstIter + itersHere) * t.tileK) - firstIter * t.tileK);
      const stepIters = pipelineSteps(itersHere);
      const kPerIter = itersHere > 0 ? kHere / itersHere : 0;
      const aKey = `A${batch}:${row}:`;
      const bKey = `B${batch}:${col}:`;
      const chunk0 = split * MAX_STEPS_PER_CTA;
      return {
        steps: stepIters.length,
        stepWorkNs: (step) => chunkWorkNs(spec, g, stepIters[step]! * t.tileK),
        loads(step: number): OperandLoad[] {
          // Predicated loads: only the real rows/columns of edge tiles are read.
          const k = stepIters[step]! * kPerIter;
          return [
            { key: aKey + (chunk0 + step), bytes: rowsHere * k * bytes },
            { key: bKey + (chunk0 + step), bytes: colsHere * k * bytes },
          ];
        },
        // Split-K: fp32 partials written and read back for the reduction; else the output tile.
        storeBytes: rowsHere * colsHere * (plan.splitK > 1 ? SPLIT_K_PARTIAL_BYTES : outBytes),
        label: `tile ${row},${col}${plan.splitK > 1 ? ` k${split}` : ''}`,
        args: { tile: `${row},${col}`, split, batch, rows: rowsHere, cols: colsHere, k: kHere, config: tileName(t) },
      };
    },
  };
}
