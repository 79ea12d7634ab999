/**
 * How a GEMM's kernels can load their operands, from the alignment of the operands' rows: the
 * widest vector access every row start allows, whether the tensor memory accelerator (TMA) can
 * fetch the tiles, and what one SM can pull per clock when the loads go through its load/store
 * units instead. A shape whose row pitches are multiples of 16 bytes (8 fp16 elements) loads at
 * full width everywhere, which is why libraries and the sizing rules ask for such dimensions.
 */
import type { GpuSpec } from './spec.ts';

/** The widest global load a kernel issues per thread, bytes (`ldg8` / 16-byte cp.async for fp16). */
export const MAX_ACCESS_BYTES = 16;

/**
 * Threads' memory accesses an SM issues per clock: 4 partitions of 8 load/store units (the SM
 * diagrams of the NVIDIA A100 and H100 architecture whitepapers).
 */
export const LOAD_STORE_LANES_PER_CLOCK = 32;

/**
 * Smallest access cp.async copies global memory to shared memory with (PTX ISA: cp-size 4, 8 or
 * 16 bytes). Narrower elements are loaded into registers and stored to shared memory: every
 * element then passes the load/store units twice.
 */
export const MIN_ASYNC_COPY_BYTES = 4;

/** The largest power of two dividing `bytes` (a positive integer), at most MAX_ACCESS_BYTES. */
function alignmentOf(bytes: number): number {
  let a = 1;
  while (a < MAX_ACCESS_BYTES && bytes % (2 * a) === 0) a *= 2;
  return a;
}

/**
 * Widest aligned access for the rows of A [m, k], B and C [m, n], bytes: their pitches are k and n
 * elements (B's is k for a weight stored [n, k], n for [k, n]; either way one of the two), and a
 * library kernel is built for one alignment of all its operands. m never sets a row pitch.
 */
export function rowAccessBytes(op: { k: number; n: number }, elementBytes: number): number {
  return Math.min(alignmentOf(op.k * elementBytes), alignmentOf(op.n * elementBytes));
}

/** What decides a GEMM's kernel generation: its rows' alignment, and a forced `mma: "sync"`. */
export interface KernelPathInput {
  accessBytes: number;
  /** The op's `mma` field: "sync" runs the previous generation's kernel (a profiled sm80 name). */
  mma?: 'sync' | undefined;
}

/**
 * Whether a GEMM runs the device's previous-generation kernels (cp.async loads, mma.sync math at
 * `tensor.syncMmaFraction` of the full rate, one CTA per tile, no CTA pairs): on devices whose
 * library kernels are TMA-fed (Hopper and later: `sm.persistentGemm`), when a TMA descriptor
 * cannot describe the operands (row pitches not multiples of 16 bytes) or the op names such a
 * kernel. Ampere-style devices run mma.sync natively: nothing changes there.
 */
export function fallsBackToSyncMma(spec: GpuSpec, g: KernelPathInput): boolean {
  return spec.sm.persistentGemm && (g.accessBytes < MAX_ACCESS_BYTES || g.mma === 'sync');
}

/** Whether the GEMM's tiles are fetched with TMA (the device's native, persistent kernels). */
export function tmaLoads(spec: GpuSpec, g: KernelPathInput): boolean {
  return spec.sm.persistentGemm && !fallsBackToSyncMma(spec, g);
}

/**
 * Operand bytes one SM can pull from L2 per clock for a GEMM of this alignment: the L2 port
 * (`sm.l2ToSmBytesPerClock`), or less when narrow accesses bind the load/store units (32 accesses
 * a clock; an access below cp.async's 4 bytes takes a load and a shared-memory store).
 */
export function pullBytesPerClock(spec: GpuSpec, accessBytes: number): number {
  const passes = accessBytes < MIN_ASYNC_COPY_BYTES ? 2 : 1;
  return Math.min(spec.sm.l2ToSmBytesPerClock, (LOAD_STORE_LANES_PER_CLOCK * accessBytes) / passes);
}
