import { z } from 'zod';

/** Element types an op can use (the device spec says which it supports, and at what rate). */
export const OpDtypeSchema = z.enum(['fp16', 'bf16', 'fp8', 'tf32', 'fp32'], { error: 'expected one of fp16, bf16, fp8, tf32, fp32' });
export type OpDtype = z.infer<typeof OpDtypeSchema>;

/** Bytes per element of each op dtype. */
export const DTYPE_BYTES: Record<OpDtype, number> = { fp16: 2, bf16: 2, fp8: 1, tf32: 4, fp32: 4 };

const dim = (what: string) =>
  z.number({ error: `expected an integer >= 1 (${what})` }).int({ error: `expected an integer >= 1 (${what})` }).min(1, { error: `expected an integer >= 1 (${what})` }).max(2 ** 31, { error: `expected an integer <= 2^31 (${what})` });

/** Fields every op has: a name (unique in a workload), the stream it runs on, what it waits for. */
export const opCommon = {
  name: z.string().min(1).optional(),
  /** Trace track for this op's spans (e.g. "layer 3"); defaults to its stream's track. */
  track: z.string().min(1).optional(),
  /** Ops on one stream run in order; different streams may overlap on the device. */
  stream: z.number().int().min(0).default(0),
  /** Names of ops (on any stream) that must finish before this one starts. */
  after: z.array(z.string()).default([]),
};

/** An integer field from `min` to `max`, one message for every way a value can miss. */
function intIn(min: number, max: number, what: string) {
  const error = `expected an integer from ${min} to ${max} (${what})`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** Devices in a collective's ring or group. */
export const ranksField = (what = 'devices in the ring') => intIn(2, 1024, what);
/** Bytes a collective moves, 1 B to 1 TiB. */
export const bytesField = (what: string) => {
  const error = `expected an integer >= 1 (${what})`;
  return z.number({ error }).int({ error }).min(1, { error }).max(2 ** 40, { error: `expected an integer <= 2^40 (${what})` });
};
/** Where a reduce-scatter adds the chunks it receives. */
export const reductionField = () =>
  z.enum(['sm', 'near-memory'], { error: 'expected "sm" or "near-memory" (where received chunks are added)' }).default('sm');

/**
 * A reduce-scatter of a GEMM's output over a ring of `ranks` devices (one is simulated; its peers
 * are symmetric). `overlap`: "none" runs the GEMM, then a ring reduce-scatter kernel on the SMs
 * (NCCL); "tile" sends each 1/ranks chunk of the output over the link as soon as the GEMM's tiles
 * of that chunk have landed (DMA, no SMs), while the GEMM computes the next. `reduction`: "sm"
 * adds each received chunk on the SMs (reading it and the local partial, writing the sum);
 * "near-memory" adds it in the DRAM as it is written (an in-memory update: no SM work, no reads).
 */
export const ReduceScatterSchema = z.strictObject({
  ranks: ranksField(),
  overlap: z.enum(['none', 'tile'], { error: 'expected "none" (GEMM, then the collective) or "tile" (chunks sent as the GEMM writes them)' }).default('none'),
  reduction: reductionField(),
});
export type ReduceScatter = z.infer<typeof ReduceScatterSchema>;

/**
 * A's rows gathered from a ring of `ranks` devices, each holding 1/ranks of them (the input of a
 * column-parallel layer under sequence parallelism). `overlap`: "none" runs a ring all-gather
 * kernel, then the GEMM; "tile" gathers the chunks by DMA while the GEMM runs, each tile waiting
 * only for the rows it reads (this device's own shard first).
 */
export const AllGatherInputSchema = z.strictObject({
  ranks: ranksField(),
  overlap: z.enum(['none', 'tile'], { error: 'expected "none" (the collective, then the GEMM) or "tile" (tiles start as their rows arrive)' }).default('none'),
});
export type AllGatherInput = z.infer<typeof AllGatherInputSchema>;

/** C[m,n] = A[m,k] · B[k,n], `batch` independent problems of that shape. */
export const GemmOpSchema = z.strictObject({
  type: z.literal('gemm'),
  ...opCommon,
  m: dim('rows of A and C'),
  n: dim('columns of B and C'),
  k: dim('reduction dimension'),
  batch: dim('independent GEMMs').default(1),
  dtype: OpDtypeSchema.default('fp16'),
  /**
   * Element type of C when it differs from the operands' (default: dtype). FP8 products usually
   * write bf16 or fp16: their stores then move twice the bytes of an fp8 output.
   */
  outDtype: OpDtypeSchema.optional(),
  /**
   * Run the kernel's tiles as CTA pairs sharing an operand (Blackwell's 2-SM MMA) or not; default:
   * the device's `sm.pairedCtaMma`. A profiled kernel name says it (cuBLAS `2cta`, CUTLASS `2sm`).
   */
  pairedCta: z.boolean().optional(),
  /**
   * "sync": run the device's previous-generation kernel (cp.async loads, mma.sync, one CTA per
   * tile), as a profiled name from an older architecture says (sm80_ or ampere_ kernels on a
   * Hopper part). Omitted: the rows' alignment decides (a TMA-fed kernel needs 16-byte rows). No
   * effect where mma.sync is the native instruction (Ampere, Ada).
   */
  mma: z.enum(['sync'], { error: 'expected "sync" (the previous generation\'s mma.sync kernel), or omit mma' }).optional(),
  /**
   * Share of A's elements that are exactly zero (default 0: data with no zeros, such as random
   * values). A product with a zero operand toggles no multiplier bits, so the CTAs draw less power
   * (efficiency.zeroOperandPowerShare) and a power-limited part clocks higher: sparse activations
   * (ReLU outputs), or inputs that underflowed to zero, run faster than random data.
   */
  aZeroFraction: z.number({ error: 'expected a number in [0, 1] (share of A\'s elements that are zero)' })
    .min(0, { error: 'expected a number in [0, 1] (share of A\'s elements that are zero)' })
    .max(1, { error: 'expected a number in [0, 1] (share of A\'s elements that are zero)' })
    .optional(),
  /** Force a kernel config instead of the heuristic's choice, e.g. "128x256x64" (split-K via splitK). */
  tile: z.string().regex(/^[1-9]\d{0,4}x[1-9]\d{0,4}x[1-9]\d{0,4}$/, { error: 'expected a tile like "128x256x64" (three positive integers)' }).optional(),
  splitK: z.number().int().min(1).optional(),
  /** Pipeline stages of the forced tile (default: the candidate set's for that tile, else 3); only with tile. */
  stages: z.number().int().min(1).max(16).optional(),
  /**
   * Force the split of the last partial wave's tiles (1: none); only with splitK 1. It applies
   * when the tiles leave a partial last wave after at least one full one.
   */
  tailSplit: z.number().int().min(1).optional(),
  /**
   * The output is a partial sum reduce-scattered over `ranks` devices (a row-parallel layer under
   * tensor parallelism): after the GEMM (overlap "none"), or chunk by chunk as the GEMM's tiles
   * land (overlap "tile", T3's track-and-trigger). See ReduceScatterSchema.
   */
  reduceScatter: ReduceScatterSchema.optional(),
  /** A's rows are gathered from `ranks` devices first (overlap "none") or while it runs ("tile"). See AllGatherInputSchema. */
  allGather: AllGatherInputSchema.optional(),
}).refine((op) => op.tailSplit === undefined || op.tailSplit === 1 || op.splitK === undefined || op.splitK === 1, {
  error: 'expected tailSplit 1 when splitK > 1 (a tail split only cuts the tiles of an unsplit kernel)',
  path: ['tailSplit'],
}).refine((op) => op.stages === undefined || op.tile !== undefined, {
  error: 'expected a tile with stages (stages set the pipeline depth of a forced tile)',
  path: ['stages'],
});
export type GemmOp = z.infer<typeof GemmOpSchema>;


export function gemmFlops(op: Pick<GemmOp, 'm' | 'n' | 'k' | 'batch'>): number {
  return 2 * op.m * op.n * op.k * op.batch;
}
