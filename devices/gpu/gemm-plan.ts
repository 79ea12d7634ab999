/**
 * GEMM kernel choice: the tile candidates, the analytical estimate of each config's time (waves,
 * per-CTA work, the bytes a wave moves), and the heuristic that picks one. What a chosen config
 * then does, CTA by CTA, is gemm-kernel.ts.
 */
import type { GemmOp } from '../../workloads/ops.ts';
import type { CtaResources } from './kernel.ts';
import { fallsBackToSyncMma, pullBytesPerClock, rowAccessBytes, tmaLoads, type KernelPathInput } from './operand-access.ts';
import { BYTES_PER_ELEMENT, dramBytesPerSecond, dramPowerShare, type Dtype, type GpuSpec } from './spec.ts';

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

/**
 * Candidates for a dtype. 4-byte operands (tf32, fp32) also get each tile with half the K depth:
 * the same shared-memory bytes per stage as the 2-byte tiles, which is how kernel libraries size
 * their tf32 kernels, and what lets them fit the ~100 KB shared memory of GA102/AD104 SMs at all.
 */
export function tileCandidates(dtype: Dtype): readonly TileConfig[] {
  if (BYTES_PER_ELEMENT[dtype] === 1) return NARROW_DTYPE_CANDIDATES;
  if (BYTES_PER_ELEMENT[dtype] < 4) return TILE_CANDIDATES;
  return WIDE_DTYPE_CANDIDATES;
}

/** 1-byte operands (fp8): each tile twice as deep in K, the same shared-memory bytes per stage. */
const NARROW_DTYPE_CANDIDATES: readonly TileConfig[] = TILE_CANDIDATES.map((t) => ({ ...t, tileK: t.tileK * 2 }));

const WIDE_DTYPE_CANDIDATES: readonly TileConfig[] = [...TILE_CANDIDATES, ...TILE_CANDIDATES.map((t) => ({ ...t, tileK: t.tileK / 2 }))].filter(
  (t, i, all) => all.findIndex((u) => tileName(u) === tileName(t) && u.stages === t.stages && u.warps === t.warps) === i,
);

/**
 * Fitted tiles (sm.mFittedTiles): at most 256 rows of m (wgmma's largest N) in steps of 8, m split
 * into 1 to 8 row tiles, and the n sides cuBLAS 13's Hopper kernels were seen to use
 * (data/measured/gemm-h200.csv).
 */
const FITTED_TILE_MAX_M = 256;
const FITTED_TILE_STEP_M = 8;
const FITTED_TILE_MAX_ROWS = 8;
const FITTED_TILE_N = [64, 96, 128, 160, 192, 256] as const;

/**
 * Tiles whose m side is fitted to `m` (sm.mFittedTiles): m split into 1 to 8 row tiles, each
 * rounded up to a step of 8, at most 256 rows; n sides of 64 to 256 in steps of 32. Deep
 * pipelines as far as the stages fit: cooperative (8 warps, persistent) from 128 columns, one
 * warpgroup below.
 */
export function fittedTiles(spec: GpuSpec, m: number, dtype: Dtype): TileConfig[] {
  const bytes = BYTES_PER_ELEMENT[dtype];
  const tileK = 128 / bytes;
  const out: TileConfig[] = [];
  const seen = new Set<number>();
  for (let rows = 1; rows <= FITTED_TILE_MAX_ROWS; rows++) {
    const tileM = Math.ceil(Math.ceil(m / rows) / FITTED_TILE_STEP_M) * FITTED_TILE_STEP_M;
    if (tileM > FITTED_TILE_MAX_M || seen.has(tileM)) continue;
    seen.add(tileM);
    for (const tileN of FITTED_TILE_N) {
      const stageBytes = (tileM + tileN) * tileK * bytes;
      const stages = Math.min(8, Math.floor(spec.sm.maxSharedMemoryBytesPerBlock / stageBytes));
      if (stages < 2) continue;
      out.push({ tileM, tileN, tileK, stages, warps: tileN >= 128 ? 8 : 4 });
    }
  }
  return out;
}

export const SPLIT_K_CANDIDATES: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16];

/** Rows of the CTA grid walked together (grouped raster order) so a wave shares panels in L2. */
export const RASTER_GROUP_ROWS = 8;

/**
 * Split-K: each split writes its fp32 partial tile to a workspace in global memory and the
 * reduction reads it back (4 + 4 bytes per element). Split-K is chosen for skinny GEMMs whose
 * weights stream through L2 many times over, which evicts the workspace: the traffic is HBM's.
 */
export const SPLIT_K_PARTIAL_BYTES = 8;

export interface GemmPlan {
  tile: TileConfig;
  /** CTAs of this config that fit on the whole GPU at once. */
  slots: number;
  splitK: number;
  /**
   * Split-K of the last, partial wave only (1: none). Full waves run one CTA per tile; the
   * leftover tiles are each split `tailSplit` ways so that they fill the GPU (the data-parallel +
   * split-K hybrid of stream-K schedulers). Only with splitK = 1.
   */
  tailSplit: number;
  /** Stream-K decomposition (sm.streamKGemm what-if): ctaCount CTAs share all tiles' K iterations evenly. */
  streamK?: true;
  gridM: number;
  gridN: number;
  ctaCount: number;
  estimatedNs: number;
  /** Widest aligned access of the operands' rows, bytes (operand-access.ts). */
  accessBytes: number;
  /** The op's forced kernel generation. */
  mma: 'sync' | undefined;
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

export function ctaResources(t: TileConfig, dtype: Dtype, pairing: 'm' | 'n' | null = null): CtaResources {
  const bytes = BYTES_PER_ELEMENT[dtype];
  const threads = t.warps * 32;
  // fp32 accumulators spread over the CTA's threads, plus addressing and fragment registers.
  const registersPerThread = Math.min(255, Math.ceil((t.tileM * t.tileN) / threads) + 64);
  const rows = t.tileM * pairedShare(pairing, 'a');
  const cols = t.tileN * pairedShare(pairing, 'b');
  return { threads, sharedMemoryBytes: t.stages * (rows + cols) * t.tileK * bytes, registersPerThread };
}

/**
 * The share of a tile's A rows or B columns that one CTA loads and stages: all, or for a paired
 * CTA half of the operand it shares with its peer (pairs along n share A, along m share B).
 */
export function pairedShare(pairing: 'm' | 'n' | null, operand: 'a' | 'b'): number {
  return pairing === (operand === 'a' ? 'n' : 'm') ? 0.5 : 1;
}

export interface GemmGeometry {
  m: number; n: number; k: number; batch: number; dtype: Dtype;
  /** Bytes of one element of C (op.outDtype, else the operands' dtype). */
  outBytes: number;
  /** The op's paired-CTA choice (undefined: the device's `sm.pairedCtaMma`). */
  pairedCta: boolean | undefined;
  tile: TileConfig; splitK: number; gridM: number; gridN: number; kPerSplit: number;
  /** Widest aligned access of the operands' rows, bytes (16 when k and n are multiples of 16 bytes). */
  accessBytes: number;
  /** The op's forced kernel generation (`mma: "sync"`), if any. */
  mma: 'sync' | undefined;
  /** Share of A's elements that are zero (op.aZeroFraction, default 0). */
  aZeroFraction: number;
}

export function geometry(op: GemmOp, tile: TileConfig, splitK: number): GemmGeometry {
  const dtype = op.dtype as Dtype;
  const kIters = Math.ceil(op.k / tile.tileK);
  const itersPerSplit = Math.ceil(kIters / splitK);
  return {
    m: op.m, n: op.n, k: op.k, batch: op.batch, dtype, tile, splitK,
    outBytes: BYTES_PER_ELEMENT[(op.outDtype ?? dtype) as Dtype],
    pairedCta: op.pairedCta,
    gridM: Math.ceil(op.m / tile.tileM),
    gridN: Math.ceil(op.n / tile.tileN),
    kPerSplit: itersPerSplit * tile.tileK,
    accessBytes: rowAccessBytes(op, BYTES_PER_ELEMENT[dtype]),
    mma: op.mma,
    aZeroFraction: op.aZeroFraction ?? 0,
  };
}

/**
 * Power a CTA of this geometry draws at full rate, as a share of a dense GEMM CTA on random data
 * (Kernel.powerIntensity): zero A elements toggle nothing (efficiency.zeroOperandPowerShare).
 */
export function dataPowerIntensity(spec: GpuSpec, g: Pick<GemmGeometry, 'aZeroFraction'>): number {
  return 1 - spec.efficiency.zeroOperandPowerShare * g.aZeroFraction;
}

/** SM time for one K-chunk of `kChunk` on a tile, ns: tensor work or shared-memory reads, whichever binds. */
export function chunkWorkNs(spec: GpuSpec, g: GemmGeometry, kChunk: number): number {
  const t = g.tile;
  const peak = spec.tensor.flopsPerSecond[g.dtype];
  if (peak === undefined) throw new Error(`device ${spec.id} has no tensor rate for dtype ${g.dtype}`);
  // A misaligned shape on a TMA device runs mma.sync kernels (operand-access.ts).
  const instructionRate = fallsBackToSyncMma(spec, g) ? spec.tensor.syncMmaFraction : 1;
  const smFlopsPerNs = (peak * spec.efficiency.tensorFraction * instructionRate) / spec.sm.count / 1e9;
  const tensorNs = (2 * t.tileM * t.tileN * kChunk) / smFlopsPerNs; // padded tile: quantization costs
  const [wm, wn] = warpGrid(t);
  const smemBytes = (t.tileM * wn + t.tileN * wm) * kChunk * BYTES_PER_ELEMENT[g.dtype];
  const smemNs = smemBytes / ((spec.sm.sharedMemoryBytesPerClock * spec.sm.clockHz * spec.efficiency.sharedMemoryFraction) / 1e9);
  return Math.max(tensorNs, smemNs);
}

/** Tiles a kernel of this geometry computes (all batches, all K splits). */
function tileCount(g: GemmGeometry): number {
  return g.gridM * g.gridN * g.splitK * g.batch;
}

/**
 * Time of one wave of `concurrent` CTAs (of `slots` that fit at once), each walking `kPerCta` of
 * K, with `splitK` CTAs per output tile: per-CTA compute, its pull from L2, the wave's unique
 * panel bytes from DRAM and all CTAs' bytes through L2, whichever binds.
 */
function waveEstimateNs(spec: GpuSpec, g: GemmGeometry, concurrent: number, occupancy: number, kPerCta: number, splitK: number): number {
  const tile = g.tile;
  const bytes = BYTES_PER_ELEMENT[g.dtype];
  const perSm = Math.min(occupancy, Math.ceil(concurrent / spec.sm.count));
  // Each CTA computes at most at one SM's rate; all together at most at the power-limited rate
  // (more of them where zero operands draw less power).
  const powerRate = (spec.sm.count * spec.efficiency.powerFraction) / (concurrent * dataPowerIntensity(spec, g));
  const workNs = chunkWorkNs(spec, g, kPerCta);
  let computeNs = workNs / Math.min(1 / perSm, powerRate);
  const tm = Math.min(tile.tileM, g.m);
  const tn = Math.min(tile.tileN, g.n);
  const pairing = pairingOf(spec, g);
  const ctaBytes = (tm * pairedShare(pairing, 'a') + tn * pairedShare(pairing, 'b')) * kPerCta * bytes;
  const pullNs = (ctaBytes * perSm) / (pullBytesPerClock(spec, g.accessBytes) * spec.sm.clockHz / 1e9);
  const rows = Math.min(g.gridM, RASTER_GROUP_ROWS);
  const cols = Math.min(g.gridN, Math.ceil(concurrent / (rows * splitK)));
  const uniqueBytes = (rows * tm + cols * tn) * kPerCta * splitK * bytes;
  const hbmNs = uniqueBytes / hbmBytesPerNs(spec);
  const l2Ns = (concurrent * ctaBytes) / (spec.l2.bandwidthBytesPerSecond / 1e9);
  // DRAM traffic takes its share of the power budget for the part of the wave it streams.
  const sharePerBytePerSecond = dramPowerShare(spec);
  if (sharePerBytePerSecond > 0 && hbmNs > 0) {
    const dramBusy = Math.min(1, hbmNs / Math.max(computeNs, pullNs, hbmNs, l2Ns));
    computeNs = workNs / Math.min(1 / perSm, powerRate * (1 - sharePerBytePerSecond * hbmBytesPerNs(spec) * 1e9 * dramBusy));
  }
  // The pipeline hides only part of the shorter of math and operand supply (overlapFraction).
  const supplyNs = Math.max(pullNs, hbmNs, l2Ns);
  const exposedNs = (1 - spec.efficiency.overlapFraction) * Math.min(computeNs, supplyNs);
  // A persistent kernel pays the memory latency once; a wave of fresh CTAs pays it every wave.
  return Math.max(computeNs, supplyNs) + exposedNs + (persistentFor(spec, g.tile, g) ? 0 : spec.memory.latencyNs);
}

/**
 * Whether `t` runs as a persistent kernel on this device. Where the device has them
 * (`sm.persistentGemm`, Hopper), the persistent kernels are the cooperative ones: two consumer
 * warpgroups (8 warps) share one output tile. A 4-warp tile has one consumer warpgroup and runs
 * one CTA per tile, in waves, as the warp-specialized non-persistent kernels do. A shape TMA cannot
 * load (rows not 16-byte aligned) runs the previous generation's one-CTA-per-tile kernels.
 */
export function persistentFor(spec: GpuSpec, t: TileConfig, path: KernelPathInput): boolean {
  return tmaLoads(spec, path) && t.warps >= 8;
}

/**
 * How the CTAs of this geometry pair up (`sm.pairedCtaMma`, Blackwell's 2-SM MMA, or the op's
 * `pairedCta`), or null: the MMA pairs two 128-wide halves, so a tile 128 rows tall pairs with the
 * next row tile ('m': the pair shares the B columns), else a tile 128 columns wide with the next
 * column tile ('n': the pair shares the A rows); an even count of those tiles either way. A kernel
 * the op says is paired (a profiled name) pairs along n, where cuBLAS's 2-SM kernels split their
 * M (a row-major product's n side), whatever its width, or else along m.
 */
export function pairingOf(spec: GpuSpec, g: Pick<GemmGeometry, 'tile' | 'gridM' | 'gridN' | 'pairedCta' | 'accessBytes' | 'mma'>): 'm' | 'n' | null {
  // Paired MMAs are fed by TMA: a shape it cannot load runs unpaired previous-generation kernels.
  if (fallsBackToSyncMma(spec, g)) return null;
  if (g.pairedCta === true) return g.gridN % 2 === 0 ? 'n' : g.gridM % 2 === 0 ? 'm' : null;
  if (!(g.pairedCta ?? spec.sm.pairedCtaMma)) return null;
  if (g.tile.tileM === 128 && g.gridM % 2 === 0) return 'm';
  if (g.tile.tileN === 128 && g.gridN % 2 === 0) return 'n';
  return null;
}

function hbmBytesPerNs(spec: GpuSpec): number {
  return dramBytesPerSecond(spec) / 1e9;
}

/** Tiles left over for the last, partial wave (0 when the tiles fill whole waves). */
export function tailTiles(tiles: number, slots: number): number {
  return tiles > slots ? tiles % slots : 0;
}

/**
 * The kernel-choice heuristic (part of the model, like cuBLAS's): an analytical estimate of each
 * candidate's time from waves, per-CTA work, and the memory a wave must move; the fastest wins.
 */
export function estimateGemmNs(spec: GpuSpec, op: GemmOp, tile: TileConfig, splitK: number, occupancy: number, tailSplit = 1): number {
  const g = geometry(op, tile, splitK);
  const ctas = tileCount(g);
  const slots = spec.sm.count * occupancy;
  const tail = tailSplit > 1 ? tailTiles(ctas, slots) : 0;
  const fullWaves = tail > 0 ? Math.floor(ctas / slots) : Math.ceil(ctas / slots);
  let ns = fullWaves * waveEstimateNs(spec, g, Math.min(ctas, slots), occupancy, g.kPerSplit, splitK);
  if (tail > 0) {
    const kPerPiece = Math.ceil(Math.ceil(op.k / tile.tileK) / tailSplit) * tile.tileK;
    ns += waveEstimateNs(spec, g, tail * tailSplit, occupancy, kPerPiece, tailSplit);
    ns += (tail * tile.tileM * tile.tileN * tailSplit * SPLIT_K_PARTIAL_BYTES) / hbmBytesPerNs(spec);
  }
  const outNs = (g.m * g.n * g.batch * g.outBytes) / hbmBytesPerNs(spec);
  const partialNs = splitK > 1 ? (g.m * g.n * g.batch * splitK * SPLIT_K_PARTIAL_BYTES) / hbmBytesPerNs(spec) : 0;
  return ns + outNs + partialNs + (persistentFor(spec, tile, g) ? spec.memory.latencyNs : 0);
}

/**
 * Tail split factors worth trying (the leftover tiles, split, must still fit one wave). Only
 * persistent kernels (Hopper's, whose tile scheduler hands out work items at run time, as the
 * stream-K schedulers of CUTLASS 3 do) get them: a one-CTA-per-tile grid keeps its last wave.
 */
function tailSplitCandidates(spec: GpuSpec, op: GemmOp, tile: TileConfig, occupancy: number): number[] {
  if (op.tailSplit !== undefined) return [op.tailSplit];
  const g = geometry(op, tile, 1);
  if (!persistentFor(spec, tile, g)) return [1];
  const slots = spec.sm.count * occupancy;
  const tail = tailTiles(tileCount(g), slots);
  const kIters = Math.ceil(op.k / tile.tileK);
  return SPLIT_K_CANDIDATES.filter((s) => s === 1 || (tail > 0 && tail * s <= slots && kIters >= 2 * s));
}

/**
 * Every kernel config the heuristic weighs for `op` (tile, split-K, tail split; or only the forced
 * ones), each with its analytical estimate, in the heuristic's order. `planGemm` takes the first
 * fastest; `gemmCandidates` simulates them all, to show what the choice is worth.
 */
export function gemmPlans(spec: GpuSpec, op: GemmOp, occupancyOf: (r: CtaResources) => number): GemmPlan[] {
  const dtype = op.dtype as Dtype;
  // Fitted tiles are the native (TMA-fed) kernels' builds: misaligned rows run the older fixed ones.
  const native = tmaLoads(spec, { accessBytes: rowAccessBytes(op, BYTES_PER_ELEMENT[dtype]), mma: op.mma });
  const fitted = op.tile === undefined && spec.sm.mFittedTiles && native ? fittedTiles(spec, op.m, dtype) : [];
  const tiles = op.tile === undefined ? [...tileCandidates(dtype), ...fitted] : [parseTile(op.tile, dtype, op.stages)];
  const splits = op.splitK === undefined ? SPLIT_K_CANDIDATES : [op.splitK];
  const plans: GemmPlan[] = [];
  for (const tile of tiles) {
    const occupancy = occupancyOf(ctaResources(tile, dtype, pairingOf(spec, geometry(op, tile, 1))));
    if (occupancy < 1) continue;
    // Kernel libraries keep their small-M kernels (64-row tiles) for small M, as in decode; a
    // larger M gets 128- and 256-row tiles even when that pads rows (hence the measured steps in
    // time every 128 rows).
    if (tile.tileM < 128 && op.m > tile.tileM && op.tile === undefined && !spec.sm.smallMTilesAtAnyM && !fitted.includes(tile)) continue;
    const kIters = Math.ceil(op.k / tile.tileK);
    for (const splitK of splits) {
      // The heuristic gives each split at least two K iterations (else splitting only adds
      // reduction traffic); a forced split-K needs one per split.
      if (splitK > 1 && kIters < (op.splitK === undefined ? 2 : 1) * splitK) continue;
      for (const tailSplit of splitK === 1 ? tailSplitCandidates(spec, op, tile, occupancy) : [1]) {
        const estimatedNs = estimateGemmNs(spec, op, tile, splitK, occupancy, tailSplit);
        const g = geometry(op, tile, splitK);
        const tail = tailSplit > 1 ? tailTiles(tileCount(g), spec.sm.count * occupancy) : 0;
        plans.push({ tile, slots: spec.sm.count * occupancy, splitK, tailSplit: tail > 0 ? tailSplit : 1, gridM: g.gridM, gridN: g.gridN, ctaCount: tileCount(g) + tail * (tailSplit - 1), estimatedNs, accessBytes: g.accessBytes, mma: g.mma });
      }
    }
    if (spec.sm.streamKGemm && op.splitK === undefined && op.tailSplit === undefined && kIters >= 2) {
      const g = geometry(op, tile, 1);
      const slots = spec.sm.count * occupancy;
      plans.push({ tile, slots, splitK: 1, tailSplit: 1, streamK: true, gridM: g.gridM, gridN: g.gridN, ctaCount: Math.min(slots, tileCount(g) * kIters), estimatedNs: estimateStreamKNs(spec, op, tile, occupancy), accessBytes: g.accessBytes, mma: g.mma });
    }
  }
  return plans;
}

/**
 * The heuristic's estimate of a stream-K kernel: one wave of CTAs, each walking an equal share of
 * the iterations, plus the fp32 partials of the tiles cut between CTAs (about one per CTA).
 */
function estimateStreamKNs(spec: GpuSpec, op: GemmOp, tile: TileConfig, occupancy: number): number {
  const g = geometry(op, tile, 1);
  const iters = tileCount(g) * Math.ceil(op.k / tile.tileK);
  const ctas = Math.min(spec.sm.count * occupancy, iters);
  const ns = waveEstimateNs(spec, g, ctas, occupancy, Math.ceil(iters / ctas) * tile.tileK, 1);
  const outNs = (g.m * g.n * g.batch * g.outBytes) / hbmBytesPerNs(spec);
  const fixupNs = (Math.min(ctas, tileCount(g)) * tile.tileM * tile.tileN * SPLIT_K_PARTIAL_BYTES) / hbmBytesPerNs(spec);
  return ns + outNs + fixupNs + spec.memory.latencyNs;
}

/** Pick tile and split-K for `op` (or honour a forced tile/splitK): the fastest estimate wins. */
export function planGemm(spec: GpuSpec, op: GemmOp, occupancyOf: (r: CtaResources) => number): GemmPlan {
  const dtype = op.dtype as Dtype;
  const tiles = op.tile === undefined ? tileCandidates(dtype) : [parseTile(op.tile, dtype, op.stages)];
  let best: GemmPlan | null = null;
  for (const plan of gemmPlans(spec, op, occupancyOf)) if (best === null || plan.estimatedNs < best.estimatedNs) best = plan;
  if (best === null) {
    if (op.splitK !== undefined && op.splitK > 1) {
      const maxIters = Math.max(...tiles.map((t) => Math.ceil(op.k / t.tileK)));
      throw new Error(`field "splitK" = ${op.splitK}: k = ${op.k} gives at most ${maxIters} K iterations (${tiles.length === 1 ? `tile ${op.tile}` : 'any tile'}); expected splitK <= ${maxIters}`);
    }
    if (op.tile !== undefined) {
      const r = ctaResources(tiles[0]!, dtype, pairingOf(spec, geometry(op, tiles[0]!, 1)));
      throw new Error(
        `field "tile" = "${op.tile}"${op.stages !== undefined ? ` (${op.stages} stages)` : ''}: in ${dtype} a CTA needs ${r.sharedMemoryBytes} B of shared memory and ${r.threads} threads x ${r.registersPerThread} registers; ` +
          `an SM of ${spec.id} has ${spec.sm.sharedMemoryBytesPerSm} B and ${spec.sm.registersPerSm} registers (expected a smaller tile, or omit tile)`,
      );
    }
    throw new Error(`no GEMM kernel config fits one SM of ${spec.id} (dtype ${op.dtype})`);
  }
  return best;
}

function parseTile(text: string, dtype: Dtype, stages?: number): TileConfig {
  const [tileM, tileN, tileK] = text.split('x').map(Number) as [number, number, number];
  const known = tileCandidates(dtype).find((t) => t.tileM === tileM && t.tileN === tileN && t.tileK === tileK);
  const tile = known ?? { tileM, tileN, tileK, stages: 3, warps: tileM * tileN >= 128 * 256 ? 8 : 4 };
  return stages === undefined ? tile : { ...tile, stages };
}
