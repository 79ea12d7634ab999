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
 * Access widths the library builds kernels for, bytes, widest first: 16 (`align8` for fp16), 4
 * (`align2`), and one element (`align1`). cuBLAS on an H200 ran `align2` kernels for rows of 4 and
 * of 8 bytes alike (data/measured/gemm-alignment-h200.csv): there is no 8-byte build to pick.
 */
export const LIBRARY_ACCESS_BYTES = [16, 4] as const;

/** The largest power of two dividing `bytes` (a positive integer), at most MAX_ACCESS_BYTES. */
function alignmentOf(bytes: number): number {
  let a = 1;
  while (a < MAX_ACCESS_BYTES && bytes % (2 * a) === 0) a *= 2;
  return a;
}

/**
 * Access width of the library kernel for A [m, k], B and C [m, n], bytes: the widest of
 * LIBRARY_ACCESS_BYTES (else one element, 2 bytes at least) that divides both row pitches, k and
 * n elements (B's is k for a weight stored [n, k], n for [k, n]; either way one of the two). m
 * never sets a row pitch.
 */
export function rowAccessBytes(op: { k: number; n: number }, elementBytes: number): number {
  const aligned = Math.min(alignmentOf(op.k * elementBytes), alignmentOf(op.n * elementBytes));
  const narrowest = Math.max(elementBytes, NARROWEST_ACCESS_BYTES);
  return LIBRARY_ACCESS_BYTES.find((w) => w <= aligned && w >= narrowest) ?? narrowest;
}

/**
 * The narrowest access charged, bytes. cuBLASLt takes FP8 operands only with 16-byte-aligned rows,
 * so frameworks pad them first; that copy is not modelled, and an fp8 row of odd pitch is charged
 * as the 2-byte kernel of fp16 (the narrowest measured).
 */
const NARROWEST_ACCESS_BYTES = 2;

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
 * Operand bytes one SM can pull from L2 per clock for a GEMM of this access width: the L2 port
 * (`sm.l2ToSmBytesPerClock`), or less when narrow accesses bind (`sm.narrowAccessesPerClock` of
 * them a clock, whatever their width: one element or four bytes cost one access each).
 */
export function pullBytesPerClock(spec: GpuSpec, accessBytes: number): number {
  if (accessBytes >= MAX_ACCESS_BYTES) return spec.sm.l2ToSmBytesPerClock;
  return Math.min(spec.sm.l2ToSmBytesPerClock, spec.sm.narrowAccessesPerClock * accessBytes);
}
