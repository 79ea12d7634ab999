import { attentionFlops, batchKeys, keysVisible, seqKvOf, type AttentionShape } from '../../workloads/attention.ts';
import { gemmKernel, pipelineSteps } from './gemm-kernel.ts';
import { planGemm } from './gemm-plan.ts';
import { elementwiseKernel, ELEMENTWISE_RESOURCES } from './elementwise-kernel.ts';
import type { CtaResources, CtaWork, Kernel, OperandLoad } from './kernel.ts';
import { BYTES_PER_ELEMENT, type Dtype, type GpuSpec } from './spec.ts';
import { smRates, vectorNs, type SmRates } from './vector-rates.ts';

/** FlashAttention-2 tile shape: Q rows per block (Br), K/V rows per inner iteration (Bc), warps. */
export interface FlashTile {
  blockM: number;
  blockN: number;
  warps: number;
}

/**
 * The forward kernel's tile per head dimension, as FlashAttention-2 picks it for sm80/sm90
 * (flash_fwd_launch_template.h): 4 warps, each owning Br/4 query rows (split-Q, no inter-warp
 * reduction); smaller K/V blocks as the head dimension grows, so the tiles fit shared memory.
 */
export function flashTile(spec: GpuSpec, headDim: number, dtype: Dtype): FlashTile {
  if (headDim <= 64) return fitShared(spec, { blockM: 128, blockN: 128, warps: 4 }, headDim, dtype);
  if (headDim <= 128) return fitShared(spec, { blockM: 128, blockN: 64, warps: 4 }, headDim, dtype);
  if (headDim <= 256) return fitShared(spec, { blockM: 64, blockN: 64, warps: 4 }, headDim, dtype);
  throw new Error(`head dimension ${headDim} is above 256, which FlashAttention-2 does not support`);
}

/** The split-KV (flash-decoding) tile: 64 packed query rows, long K/V blocks. */
export function splitKvTile(spec: GpuSpec, headDim: number, dtype: Dtype): FlashTile {
  if (headDim > 256) throw new Error(`head dimension ${headDim} is above 256, which FlashAttention-2 does not support`);
  return fitShared(spec, { blockM: 64, blockN: headDim <= 64 ? 256 : 128, warps: 4 }, headDim, dtype);
}

/**
 * Smaller blocks where shared memory is smaller (as the library does for sm86/sm89 parts with
 * ~100 KB per block): halve the K/V block, then the Q block, until the tiles fit.
 */
function fitShared(spec: GpuSpec, t: FlashTile, headDim: number, dtype: Dtype): FlashTile {
  const limit = Math.min(spec.sm.maxSharedMemoryBytesPerBlock, spec.sm.sharedMemoryBytesPerSm);
  let tile = t;
  while (flashResources(tile, headDim, dtype).sharedMemoryBytes > limit) {
    if (tile.blockN > 32) tile = { ...tile, blockN: tile.blockN / 2 };
    else if (tile.blockM > 64) tile = { ...tile, blockM: tile.blockM / 2 };
    else break; // does not fit even so: the caller reports it
  }
  return tile;
}

export function flashResources(t: FlashTile, headDim: number, dtype: Dtype): CtaResources {
  const threads = t.warps * 32;
  // Q tile plus a K and a V tile in shared memory; the O accumulator and the S tile in registers (fp32).
  const d = kernelHeadDim(headDim);
  const sharedMemoryBytes = (t.blockM + 2 * t.blockN) * d * BYTES_PER_ELEMENT[dtype];
  const registersPerThread = Math.min(255, Math.ceil((t.blockM * d + t.blockM * t.blockN) / threads) + 64);
  return { threads, sharedMemoryBytes, registersPerThread };
}

/**
 * Online-softmax cost per score element on the non-tensor units: scale-and-subtract (one FMA),
 * running max, running sum, conversion of P to fp16: 4 fp32 ops and one exp.
 */
const SOFTMAX_FP32_OPS_PER_SCORE = 4;
/** Per query row per K/V block: the max/sum update; the O rescale adds headDim multiplies. */
const ROW_UPDATE_FP32_OPS = 2;

/**
 * FlashAttention-2 compiles kernels for head dimensions 32, 64, 96, ..., 256; others run on the
 * next one up with the extra columns zero-padded (a head-dimension tile quantization).
 */
export function kernelHeadDim(headDim: number): number {
  return Math.ceil(headDim / 32) * 32;
}

/** Score-tile SM time of one block of Q rows against `kvBlocks` K/V blocks, ns. */
function flashStepNs(spec: GpuSpec, r: SmRates, t: FlashTile, realHeadDim: number, dtype: Dtype, kvBlocks: number): number {
  if (kvBlocks <= 0) return 0;
  const headDim = kernelHeadDim(realHeadDim);
  const scores = t.blockM * t.blockN * kvBlocks;
  // Padded tiles: the masked and out-of-range parts of a tile are computed anyway.
  const tensorNs = (4 * scores * headDim) / r.tensorFlopsPerNs;
  // Every warp reads the whole K and V tiles from shared memory.
  const smemBytes = t.warps * 2 * t.blockN * headDim * BYTES_PER_ELEMENT[dtype] * kvBlocks;
  const smemNs = smemBytes / ((spec.sm.sharedMemoryBytesPerClock * spec.sm.clockHz) / 1e9);
  const fp32 = scores * SOFTMAX_FP32_OPS_PER_SCORE + t.blockM * kvBlocks * (headDim + ROW_UPDATE_FP32_OPS);
  const special = scores + t.blockM * kvBlocks; // exp of each score, and of each row's max correction
  // Within a warp the GEMMs and the softmax depend on each other (S -> P -> O), and FA2 does
  // not ping-pong warpgroups: the non-tensor work adds to the tensor work.
  return Math.max(tensorNs, smemNs) + vectorNs(r, fp32, special);
}

/**
 * Power share of a flash CTA relative to a dense GEMM CTA (Kernel.powerIntensity): the share of a
 * step the tensor cores are busy, times their issue rate relative to the full-rate instructions
 * (mma.sync reaches syncMmaFraction of wgmma's rate on Hopper).
 */
export function flashPowerIntensity(spec: GpuSpec, r: SmRates, t: FlashTile, headDim: number, dtype: Dtype): number {
  const stepNs = flashStepNs(spec, r, t, headDim, dtype, 1);
  const tensorNs = (4 * t.blockM * t.blockN * kernelHeadDim(headDim)) / r.tensorFlopsPerNs;
  return (spec.tensor.syncMmaFraction * tensorNs) / stepNs;
}

/** Epilogue of a Q block: O /= rowsum (fp32) and the log-sum-exp (one log per row). */
function epilogueNs(r: SmRates, t: FlashTile, headDim: number): number {
  return vectorNs(r, t.blockM * kernelHeadDim(headDim), t.blockM);
}

/** Most L2 keys per K/V head: consecutive K/V blocks are grouped into at most this many chunks. */
const MAX_KV_CHUNKS = 32;

export interface FlashGeometry {
  s: AttentionShape;
  dtype: Dtype;
  tile: FlashTile;
  /** Q blocks per head (Tr) and K/V blocks per head (Tc). */
  qBlocks: number;
  kvBlocks: number;
  /** K/V blocks per L2 chunk, and chunks per K/V head. */
  blocksPerChunk: number;
  chunks: number;
  group: number;
  slots: number;
}

export function flashGeometry(spec: GpuSpec, s: AttentionShape, dtype: Dtype, slots: number): FlashGeometry {
  const tile = flashTile(spec, s.headDim, dtype);
  const kvBlocks = Math.ceil(s.seqKv / tile.blockN);
  const blocksPerChunk = Math.max(1, Math.ceil(kvBlocks / MAX_KV_CHUNKS));
  return {
    s, dtype, tile, slots,
    qBlocks: Math.ceil(s.seqQ / tile.blockM),
    kvBlocks,
    blocksPerChunk,
    chunks: Math.ceil(kvBlocks / blocksPerChunk),
    group: s.heads / s.kvHeads,
  };
}

/** K/V blocks Q block `i` visits: all of them, or (causal) those not entirely above the diagonal. */
export function kvBlocksVisited(g: FlashGeometry, i: number): number {
  if (!g.s.causal) return g.kvBlocks;
  const lastRow = Math.min(g.s.seqQ, (i + 1) * g.tile.blockM) - 1;
  return Math.ceil(keysVisible(g.s, lastRow) / g.tile.blockN);
}

/**
 * FlashAttention-2 forward as one kernel over (Q blocks) x batch x heads. Launch order: heads are
 * taken in tiles whose K/V fits the L2's reusable part, and within a tile the Q-block index is the
 * slow one, so the CTAs in flight share their K/V tiles in L2 (each K/V chunk comes from DRAM once,
 * then from L2 for the other Q blocks and the other query heads of its group), and CTAs with the
 * same Q block start together. Causal grids run the longest (bottom) Q blocks first, so the short
 * ones fill the tail.
 */
export function flash2Kernel(spec: GpuSpec, s: AttentionShape, dtype: Dtype, name: string, occupancy: number): Kernel {
  const g = flashGeometry(spec, s, dtype, spec.sm.count * occupancy);
  const r = smRates(spec, dtype, 'sync'); // FA2 / flash-decoding issue mma.sync
  const readers = chunkReaders(g);
  const pairs = s.batch * s.heads;
  const kvHeadBytes = 2 * s.seqKv * s.headDim * BYTES_PER_ELEMENT[dtype];
  const kvTile = Math.max(1, Math.floor((spec.l2.sizeBytes * spec.efficiency.l2ReuseFraction) / kvHeadBytes));
  const pairTile = Math.min(pairs, kvTile * g.group);
  const ctaCount = g.qBlocks * pairs;
  return {
    name,
    category: 'attention',
    ctaCount,
    resources: flashResources(g.tile, s.headDim, dtype),
    flops: attentionFlops(s),
    powerIntensity: flashPowerIntensity(spec, r, g.tile, s.headDim, dtype),
    dtype,
    config: { kernel: 'flash2', tile: `${g.tile.blockM}x${g.tile.blockN}`, headDim: kernelHeadDim(s.headDim), warps: g.tile.warps, causal: s.causal, grid: `${g.qBlocks}x${s.batch}x${s.heads}` },
    details: { impl: 'flash2', kvHeads: s.kvHeads, headDim: s.headDim, seqQ: s.seqQ, seqKv: s.seqKv, headsPerL2Tile: pairTile },
    cta: (index: number): CtaWork => {
      const tile = Math.floor(index / (pairTile * g.qBlocks));
      const firstPair = tile * pairTile;
      const tilePairs = Math.min(pairTile, pairs - firstPair);
      const local = index - firstPair * g.qBlocks;
      const m = Math.floor(local / tilePairs);
      const pair = firstPair + (local % tilePairs);
      const b = Math.floor(pair / s.heads);
      const h = pair % s.heads;
      const qBlock = s.causal ? g.qBlocks - 1 - m : m;
      return new FlashCta(spec, r, g, readers, b, h, qBlock);
    },
  };
}

/** CTAs (of one batch entry and K/V head) that read each K/V chunk: all Q blocks of the group's heads, or under causal masking those reaching that far. */
function chunkReaders(g: FlashGeometry): number[] {
  const readers = new Array<number>(g.chunks).fill(0);
  for (let i = 0; i < g.qBlocks; i++) {
    const chunks = Math.ceil(kvBlocksVisited(g, i) / g.blocksPerChunk);
    for (let c = 0; c < chunks; c++) readers[c]! += g.group;
  }
  return readers;
}

class FlashCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes: number;
  readonly storeL2Bytes = 0;
  /** Chunk range [first, end) of each step, and the K/V blocks the CTA visits in all. */
  private readonly stepChunks: number[];
  private readonly blocks: number;
  private readonly rowsHere: number;
  private readonly keyBase: number;
  private readonly bytes: number;

  constructor(
    private readonly spec: GpuSpec,
    private readonly r: SmRates,
    private readonly g: FlashGeometry,
    private readonly readers: number[],
    private readonly b: number,
    private readonly h: number,
    private readonly qBlock: number,
  ) {
    const s = g.s;
    this.bytes = BYTES_PER_ELEMENT[g.dtype];
    this.blocks = kvBlocksVisited(g, qBlock);
    const chunks = Math.ceil(this.blocks / g.blocksPerChunk);
    const perStep = pipelineSteps(chunks);
    this.stepChunks = [0];
    for (const c of perStep) this.stepChunks.push(this.stepChunks[this.stepChunks.length - 1]! + c);
    this.steps = perStep.length;
    this.rowsHere = Math.min(g.tile.blockM, s.seqQ - qBlock * g.tile.blockM);
    const kvHead = Math.floor(h / g.group);
    this.keyBase = (b * s.kvHeads + kvHead) * g.chunks;
    // O in the op's dtype, plus the fp32 log-sum-exp per row (kept for the backward pass).
    this.storeBytes = this.rowsHere * (s.headDim * this.bytes + 4);
  }

  // Label and args are built only when a trace asks for them (a prefill launches millions of CTAs).
  get label(): string {
    return `q${this.qBlock} h${this.h} b${this.b}`;
  }

  get args(): CtaWork['args'] {
    return { qBlock: this.qBlock, head: this.h, batch: this.b, kvBlocks: this.blocks, rows: this.rowsHere };
  }

  private blocksInStep(step: number): number {
    const first = this.stepChunks[step]! * this.g.blocksPerChunk;
    const end = Math.min(this.blocks, this.stepChunks[step + 1]! * this.g.blocksPerChunk);
    return Math.max(0, end - first);
  }

  stepWorkNs(step: number): number {
    const g = this.g;
    const ns = flashStepNs(this.spec, this.r, g.tile, g.s.headDim, g.dtype, this.blocksInStep(step));
    return step === this.steps - 1 ? ns + epilogueNs(this.r, g.tile, g.s.headDim) : ns;
  }

  loads(step: number): OperandLoad[] {
    const g = this.g;
    const out: OperandLoad[] = [];
    // Q is read by this CTA alone: streamed from DRAM with the first K/V tiles.
    if (step === 0) out.push({ key: -1, bytes: this.rowsHere * g.s.headDim * this.bytes, sharers: 1 });
    const keyRows = Math.min(g.s.seqKv, this.blocks * g.tile.blockN);
    const chunkRows = g.blocksPerChunk * g.tile.blockN;
    for (let c = this.stepChunks[step]!; c < this.stepChunks[step + 1]!; c++) {
      const rows = Math.min(keyRows, (c + 1) * chunkRows) - c * chunkRows;
      if (rows <= 0) continue;
      // K and V rows of this chunk, shared with the other Q blocks of the K/V head in flight.
      out.push({ key: this.keyBase + c, bytes: 2 * rows * g.s.headDim * this.bytes, sharers: Math.max(1, Math.min(this.readers[c]!, g.slots)) });
    }
    return out;
  }
}

/** Analytical DRAM bytes of FlashAttention-2 forward when each K/V head's tiles are fetched once: Q, K, V read, O and LSE written. */
export function flash2DramBytes(s: AttentionShape, dtype: Dtype): number {
  const e = BYTES_PER_ELEMENT[dtype];
  const q = s.batch * s.heads * s.seqQ * s.headDim * e;
  const kv = 2 * s.batch * s.kvHeads * s.seqKv * s.headDim * e;
  const out = s.batch * s.heads * s.seqQ * (s.headDim * e + 4);
  return q + kv + out;
}

/**
 * Bytes FlashAttention-2 requests from the memory hierarchy (DRAM plus L2): the paper's HBM count
 * without an L2, Q once and each Q block's K/V range once (Tr passes over K and V).
 */
export function flash2RequestedBytes(spec: GpuSpec, s: AttentionShape, dtype: Dtype): number {
  const e = BYTES_PER_ELEMENT[dtype];
  const g = flashGeometry(spec, s, dtype, 1);
  let kvRows = 0;
  for (let i = 0; i < g.qBlocks; i++) kvRows += Math.min(s.seqKv, kvBlocksVisited(g, i) * g.tile.blockN);
  return flash2DramBytes(s, dtype) - 2 * s.batch * s.kvHeads * s.seqKv * s.headDim * e + 2 * s.batch * s.heads * kvRows * s.headDim * e;
}

/**
 * Standard attention as PyTorch runs it eagerly: Q, K and V come out of the projections as views
 * (batch, seq, heads, head dim) that batched matmuls cannot take, so each is copied into (batch x
 * heads, seq, head dim) first; S = Q K^T as a batched GEMM written to DRAM, a row softmax reading S
 * and writing P, and O = P V as a batched GEMM reading P. The score matrix makes the round trip.
 * With a causal mask the full S is still computed (the GEMM does not skip blocks) and an additive
 * mask pass reads and writes it once more; the (seqQ, seqKv) mask is broadcast over batch and
 * heads, read once while it fits the reusable part of L2 and once per head beyond that.
 */
export function standardAttentionKernels(spec: GpuSpec, s: AttentionShape, dtype: Dtype, name: string, occupancyOf: (r: CtaResources) => number): Kernel[] {
  const heads = s.batch * s.heads;
  const useful = attentionFlops(s) / 2;
  const qk = { type: 'gemm' as const, stream: 0, after: [], m: s.seqQ, n: s.seqKv, k: s.headDim, batch: heads, dtype };
  const pv = { type: 'gemm' as const, stream: 0, after: [], m: s.seqQ, n: s.headDim, k: s.seqKv, batch: heads, dtype };
  const qkKernel = gemmKernel(spec, qk, planGemm(spec, qk, occupancyOf), `${name}.qk`);
  const softmax = elementwiseKernel(spec, { kind: 'softmax', rows: heads * s.seqQ, cols: s.seqKv, dtype }, `${name}.softmax`, occupancyOf(ELEMENTWISE_RESOURCES), 'attention');
  const pvKernel = gemmKernel(spec, pv, planGemm(spec, pv, occupancyOf), `${name}.pv`);
  const details = { impl: 'standard', scoreBytes: heads * s.seqQ * s.seqKv * BYTES_PER_ELEMENT[dtype] };
  const pass = (what: string, kind: 'copy' | 'mask' | 'add', rows: number, cols: number) =>
    elementwiseKernel(spec, { kind, rows, cols, dtype }, `${name}.${what}`, occupancyOf(ELEMENTWISE_RESOURCES), 'attention');
  // Causal: the whole score matrix is computed, then masked in a pass of its own.
  const maskBytes = s.seqQ * s.seqKv * BYTES_PER_ELEMENT[dtype];
  const maskInL2 = maskBytes <= spec.l2.sizeBytes * spec.efficiency.l2ReuseFraction;
  const mask = s.causal ? [pass('mask', maskInL2 ? 'mask' : 'add', heads * s.seqQ, s.seqKv)] : [];
  return [
    pass('q_copy', 'copy', s.batch * s.seqQ, s.heads * s.headDim),
    pass('k_copy', 'copy', s.batch * s.seqKv, s.kvHeads * s.headDim),
    { ...qkKernel, category: 'attention', flops: useful, details },
    ...mask,
    softmax,
    pass('v_copy', 'copy', s.batch * s.seqKv, s.kvHeads * s.headDim),
    { ...pvKernel, category: 'attention', flops: useful },
  ];
}

/** Rows of partial results a split-KV reduction block combines. */
const COMBINE_ROWS_PER_CTA = 16;

/**
 * FlashAttention-2's split count heuristic (num_splits_heuristic): no split when the grid already
 * fills most of the GPU; otherwise the smallest split count whose wave efficiency is within 85%
 * of the best, up to 128 splits and one K/V block per split.
 */
export function chooseSplits(blocksWithoutSplit: number, slots: number, kvBlocks: number, maxSplits = 128): number {
  if (blocksWithoutSplit >= 0.8 * slots) return 1;
  const limit = Math.max(1, Math.min(maxSplits, slots, kvBlocks));
  const eff: number[] = [];
  let best = 0;
  for (let n = 1; n <= limit; n++) {
    const waves = (blocksWithoutSplit * n) / slots;
    eff[n] = waves / Math.ceil(waves);
    best = Math.max(best, eff[n]!);
  }
  const eligible = (n: number) => n === 1 || Math.ceil(kvBlocks / n) !== Math.ceil(kvBlocks / (n - 1));
  for (let n = 1; n <= limit; n++) if (eligible(n) && eff[n]! >= 0.85 * best) return n;
  return 1;
}

/**
 * Decode attention with split-KV (flash-decoding): the query heads of one K/V head are packed as
 * the rows of one block (so grouped-query K/V is read once), the K/V sequence is split across
 * blocks to fill the GPU, and a second kernel combines the splits' partial outputs by their
 * log-sum-exp. The KV cache is streamed once from DRAM.
 */
export function splitKvKernels(spec: GpuSpec, s: AttentionShape, dtype: Dtype, name: string, occupancyOf: (r: CtaResources) => number): Kernel[] {
  const tile = splitKvTile(spec, s.headDim, dtype);
  const resources = flashResources(tile, s.headDim, dtype);
  const occupancy = occupancyOf(resources);
  const slots = spec.sm.count * Math.max(1, occupancy);
  const group = s.heads / s.kvHeads;
  const rowsPerKvHead = group * s.seqQ;
  const mBlocks = Math.ceil(rowsPerKvHead / tile.blockM);
  const kvBlocks = Math.ceil(s.seqKv / tile.blockN);
  const splits = s.splits !== undefined ? Math.min(s.splits, kvBlocks) : chooseSplits(s.batch * s.kvHeads * mBlocks, slots, kvBlocks);
  const blocksPerSplit = Math.ceil(kvBlocks / splits);
  const r = smRates(spec, dtype, 'sync'); // FA2 / flash-decoding issue mma.sync
  const e = BYTES_PER_ELEMENT[dtype];
  const main: Kernel = {
    name: splits > 1 ? `${name}.split` : name,
    category: 'attention',
    ctaCount: mBlocks * splits * s.batch * s.kvHeads,
    resources,
    flops: attentionFlops(s),
    powerIntensity: flashPowerIntensity(spec, r, tile, s.headDim, dtype),
    dtype,
    config: { kernel: 'split-kv', tile: `${tile.blockM}x${tile.blockN}`, splits, grid: `${mBlocks}x${splits}x${s.batch * s.kvHeads}` },
    details: { impl: 'split-kv', splits, kvHeads: s.kvHeads, headDim: s.headDim, seqQ: s.seqQ, seqKv: s.seqKv },
    cta: (index: number): CtaWork => {
      const m = index % mBlocks;
      let rest = Math.floor(index / mBlocks);
      const split = rest % splits;
      rest = Math.floor(rest / splits);
      // Splits cut the longest sequence's blocks (as flash-decoding sizes them by the batch's
      // longest); a shorter sequence's later splits have fewer keys, or none.
      const seqKv = seqKvOf(s, Math.floor(rest / s.kvHeads));
      const firstBlock = split * blocksPerSplit;
      const blocks = Math.max(0, Math.min(Math.ceil(seqKv / tile.blockN), firstBlock + blocksPerSplit) - firstBlock);
      const keys = Math.max(0, Math.min(seqKv, (firstBlock + blocks) * tile.blockN) - firstBlock * tile.blockN);
      const rows = Math.min(tile.blockM, rowsPerKvHead - m * tile.blockM);
      const key = rest * splits + split; // (batch, K/V head, split): one K/V range
      return new SplitKvCta(spec, r, tile, s.headDim, dtype, blocks, keys, rows, splits, key, mBlocks, `kv${split} bh${rest} m${m}`);
    },
  };
  if (splits === 1) return [main];
  const rows = s.batch * s.heads * s.seqQ;
  const combineCtas = Math.ceil(rows / COMBINE_ROWS_PER_CTA);
  const combine: Kernel = {
    name: `${name}.combine`,
    category: 'attention',
    ctaCount: combineCtas,
    resources: ELEMENTWISE_RESOURCES,
    flops: 0,
    dtype,
    config: { kernel: 'split-kv-combine', splits },
    cta: (index: number): CtaWork => {
      const rowsHere = Math.min(COMBINE_ROWS_PER_CTA, rows - index * COMBINE_ROWS_PER_CTA);
      return {
        steps: 1,
        stepWorkNs: () => vectorNs(r, rowsHere * splits * (2 * s.headDim + 4), rowsHere * splits),
        // Each split's fp32 partial O and its log-sum-exp.
        loads: () => [{ key: -1, bytes: rowsHere * splits * (s.headDim * 4 + 4), sharers: 1 }],
        storeBytes: rowsHere * s.headDim * e,
        storeL2Bytes: 0,
        label: `combine ${index}`,
      };
    },
  };
  return [main, combine];
}

class SplitKvCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes: number;
  readonly storeL2Bytes = 0;
  readonly label: string;
  private readonly stepBlocks: number[];
  private readonly bytes: number;

  constructor(
    private readonly spec: GpuSpec,
    private readonly r: SmRates,
    private readonly tile: FlashTile,
    private readonly headDim: number,
    private readonly dtype: Dtype,
    blocks: number,
    private readonly keys: number,
    private readonly rows: number,
    splits: number,
    private readonly key: number,
    private readonly sharers: number,
    label: string,
  ) {
    this.stepBlocks = pipelineSteps(blocks);
    this.steps = this.stepBlocks.length;
    this.bytes = BYTES_PER_ELEMENT[dtype];
    // One split writes its partial O in fp32 and its log-sum-exp; no split writes O itself.
    this.storeBytes = splits > 1 ? rows * (headDim * 4 + 4) : rows * headDim * this.bytes;
    this.label = label;
  }

  stepWorkNs(step: number): number {
    const ns = flashStepNs(this.spec, this.r, this.tile, this.headDim, this.dtype, this.stepBlocks[step]!);
    return step === this.steps - 1 ? ns + epilogueNs(this.r, this.tile, this.headDim) : ns;
  }

  loads(step: number): OperandLoad[] {
    const out: OperandLoad[] = [];
    if (step === 0) out.push({ key: -1, bytes: this.rows * this.headDim * this.bytes, sharers: 1 });
    // Keys of this step: whole blocks, the last one clipped at the range's end.
    let first = 0;
    for (let s = 0; s < step; s++) first += this.stepBlocks[s]! * this.tile.blockN;
    const keys = Math.max(0, Math.min(this.keys, first + this.stepBlocks[step]! * this.tile.blockN) - first);
    if (keys > 0) out.push({ key: this.key * 4 + step, bytes: 2 * keys * this.headDim * this.bytes, sharers: this.sharers });
    return out;
  }
}

/**
 * Analytical DRAM bytes of split-KV decode: the KV cache read once, Q read by every split, O
 * written, and with splits the fp32 partials (and log-sum-exps) written and read back.
 */
export function splitKvDramBytes(s: AttentionShape, dtype: Dtype, splits: number): number {
  const e = BYTES_PER_ELEMENT[dtype];
  const kv = 2 * batchKeys(s) * s.kvHeads * s.headDim * e;
  const rows = s.batch * s.heads * s.seqQ;
  const partials = splits > 1 ? 2 * rows * splits * (s.headDim * 4 + 4) : 0;
  return kv + splits * rows * s.headDim * e + rows * s.headDim * e + partials;
}
