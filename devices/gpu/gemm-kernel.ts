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
  // Shallower K tiles with more stages: what fits in the ~100 KB shared memory of GA102/AD104 SMs.
  { tileM: 128, tileN: 256, tileK: 32, stages: 3, warps: 8 },
  { tileM: 256, tileN: 128, tileK: 32, stages: 3, warps: 8 },
  { tileM: 128, tileN: 128, tileK: 32, stages: 4, warps: 4 },
];

export const SPLIT_K_CANDIDATES: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16];

/** Pipelined steps a CTA's K loop is simulated in (each step = several tileK iterations). */
export const MAX_STEPS_PER_CTA = 4;

/** Rows of the CTA grid walked together (grouped raster order) so a wave shares panels in L2. */
const RASTER_GROUP_ROWS = 8;

/**
 * Split-K: each split writes its fp32 partial tile and the reduction reads it back (4 + 4 bytes
 * per element). The workspace is small and read back at once, so this traffic stays in L2.
 */
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
  /** CTAs of this config that fit on the whole GPU at once. */
  slots: number;
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
  const smemNs = smemBytes / ((spec.sm.sharedMemoryBytesPerClock * spec.sm.clockHz * spec.efficiency.sharedMemoryFraction) / 1e9);
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
  const outNs = (g.m * g.n * g.batch * bytes) / hbmBytesPerNs;
  const partialNs = splitK > 1 ? (g.m * g.n * g.batch * splitK * SPLIT_K_PARTIAL_BYTES) / (spec.l2.bandwidthBytesPerSecond / 1e9) : 0;
  return waves * waveNs + outNs + partialNs;
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
        best = { tile, slots: spec.sm.count * occupancy, splitK, gridM: g.gridM, gridN: g.gridN, ctaCount: g.gridM * g.gridN * splitK * op.batch, estimatedNs };
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
  return {
    name,
    category: 'gemm',
    ctaCount,
    resources: ctaResources(t, g.dtype),
    flops: gemmFlops(op),
    dtype: op.dtype,
    config: { tile: tileName(t), splitK: plan.splitK, stages: t.stages, warps: t.warps, grid: `${g.gridM}x${g.gridN}x${plan.splitK * op.batch}` },
    cta: (index: number): CtaWork => new GemmCta(spec, g, plan, index, perBatch, kIters),
  };
}

/** One CTA of a GEMM kernel: its tile, K range, pipelined steps and operand panels. */
class GemmCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes: number;
  readonly storeL2Bytes: number;
  readonly label: string;
  readonly args: CtaWork['args'];
  private readonly stepIters: number[];
  private readonly kPerIter: number;
  private readonly rowsHere: number;
  private readonly colsHere: number;
  private readonly aKey: number;
  private readonly bKey: number;
  private readonly bytes: number;
  private readonly aSharers: number;
  private readonly bSharers: number;

  constructor(private readonly spec: GpuSpec, private readonly g: GemmGeometry, plan: GemmPlan, index: number, perBatch: number, kIters: number) {
    const t = plan.tile;
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
    this.rowsHere = Math.min(t.tileM, g.m - row * t.tileM);
    this.colsHere = Math.min(t.tileN, g.n - col * t.tileN);
    const itersPerSplit = Math.ceil(kIters / plan.splitK);
    const firstIter = split * itersPerSplit;
    const itersHere = Math.max(0, Math.min(kIters, firstIter + itersPerSplit) - firstIter);
    const kHere = Math.max(0, Math.min(g.k, (firstIter + itersHere) * t.tileK) - firstIter * t.tileK);
    // Every split walks the same step structure (the longest split's): a split-K kernel takes as
    // long as its longest split, and identical structures let the CTAs of a wave run as one cohort.
    // A shorter last split loads only its real K (loads below), its few idle iterations are masked.
    this.stepIters = pipelineSteps(itersPerSplit);
    this.steps = this.stepIters.length;
    this.kPerIter = itersPerSplit > 0 ? kHere / itersPerSplit : 0;
    this.bytes = BYTES_PER_ELEMENT[g.dtype];
    // CTAs of one wave sharing a panel: grouped raster puts R rows x C columns in flight.
    const wave = Math.min(plan.slots, g.gridM * g.gridN * plan.splitK * g.batch);
    const rowsInWave = Math.min(RASTER_GROUP_ROWS, g.gridM);
    this.aSharers = Math.max(1, Math.min(g.gridN, Math.ceil(wave / (rowsInWave * plan.splitK))));
    this.bSharers = Math.max(1, Math.min(rowsInWave, Math.ceil(wave / plan.splitK)));
    // L2 keys: (operand, batch, panel, K-chunk) packed into one integer below 2^32.
    const chunks = MAX_STEPS_PER_CTA * plan.splitK;
    const chunk0 = split * MAX_STEPS_PER_CTA;
    this.aKey = ((batch * g.gridM + row) * chunks + chunk0) * 2;
    this.bKey = ((batch * g.gridN + col) * chunks + chunk0) * 2 + 1;
    // Split-K: fp32 partials through L2, and each split writes its share of the final tile.
    this.storeL2Bytes = plan.splitK > 1 ? this.rowsHere * this.colsHere * SPLIT_K_PARTIAL_BYTES : 0;
    this.storeBytes = (this.rowsHere * this.colsHere * this.bytes) / plan.splitK;
    this.label = `tile ${row},${col}${plan.splitK > 1 ? ` k${split}` : ''}`;
    this.args = { tile: `${row},${col}`, split, batch, rows: this.rowsHere, cols: this.colsHere, k: kHere, config: tileName(t) };
  }

  stepWorkNs(step: number): number {
    return chunkWorkNs(this.spec, this.g, this.stepIters[step]! * this.g.tile.tileK);
  }

  loads(step: number): OperandLoad[] {
    // Predicated loads: only the real rows/columns of edge tiles are read.
    const k = this.stepIters[step]! * this.kPerIter;
    return [
      { key: this.aKey + step * 2, bytes: this.rowsHere * k * this.bytes, sharers: this.aSharers },
      { key: this.bKey + step * 2, bytes: this.colsHere * k * this.bytes, sharers: this.bSharers },
    ];
  }
}
