import type { FluidChannel, SimEvent, Simulation, TraceArgs } from '../../sim/index.ts';
import type { GpuSpec } from './spec.ts';

/** Resources one thread block (CTA) holds on its SM while it runs: they decide occupancy. */
export interface CtaResources {
  threads: number;
  sharedMemoryBytes: number;
  registersPerThread: number;
}

/**
 * One operand chunk a CTA step reads. `key` names it for L2 reuse within the kernel (an integer
 * below 2^32; -1: streamed, never reused).
 */
export interface OperandLoad {
  key: number;
  /** Bytes this CTA's SM receives. */
  bytes: number;
  /**
   * Bytes of the chunk the load is part of, which its sharers fetch from DRAM once between them
   * (the default, `bytes`, is a CTA reading a whole chunk; a paired CTA reads half of one).
   */
  fetchBytes?: number;
  /** CTAs running at the same time that read this same chunk (they share its DRAM fetch). */
  sharers: number;
}

/**
 * What one CTA does: `steps` pipelined steps (load the next step's operands while computing this
 * one), each costing `stepWorkNs(step)` of its SM at full rate, then an epilogue that writes
 * `storeBytes`. Models make the first and last steps short (one loop iteration): that is the
 * pipeline's fill and drain, which a real kernel exposes; the long middle steps overlap.
 */
export interface CtaWork {
  steps: number;
  /** SM time of one step with the SM to itself, ns (tensor, shared-memory and vector work). */
  stepWorkNs(step: number): number;
  /** Operand reads of a step. The array may be shared or reused by the CTA: read it at once, never keep or change it. */
  loads(step: number): OperandLoad[];
  /** Epilogue bytes written to DRAM. */
  storeBytes: number;
  /** Epilogue bytes that stay in L2 (split-K partials, read back by the reduction). */
  storeL2Bytes: number;
  /**
   * DRAM bytes written (posted) once step `step` is done: a persistent CTA that loops over tiles
   * writes each tile's output while it computes the next one.
   */
  stepStoreBytes?(step: number): number;
  /**
   * For CTAs that do several pieces of work in turn (a persistent CTA's tiles): the span to draw
   * for the piece that ends with step `step`, or null. With it, the trace shows pieces, not CTAs.
   */
  segmentEnd?(step: number): { label: string; args?: TraceArgs } | null;
  /**
   * Bytes sent over the device-to-device link once step `step` is computed (collectives); the
   * step ends when they have arrived.
   */
  linkBytes?(step: number): number;
  /**
   * For kernels whose A rows arrive while they run (Kernel.inputGate): the end (exclusive) of the
   * A rows read by the tile that starts at step `step`, or -1 when no tile starts there.
   */
  tileRowsEndAt?(step: number): number;
  /** Bytes of the kernel's final output this CTA writes in its epilogue (tracked by OutputTrigger). */
  outputBytes?: number;
  /** The same for output written once step `step` is done (a persistent CTA's tiles). */
  stepOutputBytes?(step: number): number;
  /**
   * An object shared by CTAs of one kernel whose steps and per-step SM work are identical (by
   * identity): the device then groups them without comparing every step. Optional.
   */
  structure?: object;
  /** Span label and args for the trace. */
  label: string;
  args?: TraceArgs;
}

/** A kernel launch: a grid of CTAs that the device's block scheduler places on SMs. */
export interface Kernel {
  name: string;
  /** Op family for colouring and summaries: gemm, attention, elementwise, ... */
  category: string;
  ctaCount: number;
  /** Output tiles, when a CTA may compute several (persistent kernels); default ctaCount. */
  tiles?: number;
  resources: CtaResources;
  cta(index: number): CtaWork;
  /** Useful FLOPs (no padding), for achieved FLOP/s. */
  flops: number;
  /**
   * Power a CTA draws while it runs at a full SM's rate, as a share of what a dense GEMM CTA
   * (tensor cores at their full achievable rate) draws: 1 by default. The chip's power limit
   * (efficiency.powerFraction) caps the sum, so kernels that keep the tensor cores less busy
   * (mma.sync, softmax between the matmuls) are throttled less than a GEMM, or not at all.
   */
  powerIntensity?: number;
  /**
   * Whether co-resident CTAs split their SM strictly: each runs at most at one over the CTAs on
   * its SM. True for tensor-pipe-bound tiles (GEMM). Otherwise only the chip-wide pool limits
   * them: a step that adds several pipes' times (FlashAttention's matmuls, then its softmax)
   * overlaps with a neighbour's by an amount the model does not resolve.
   */
  splitsSm?: boolean;
  /**
   * Operand bytes one SM pulls from L2 per clock for this kernel, when less than the device's
   * `sm.l2ToSmBytesPerClock` (a GEMM whose narrow, misaligned loads bind the load/store units).
   */
  smPullBytesPerClock?: number;
  dtype?: string;
  /** Kernel choice, recorded in the trace and summary. */
  config: Record<string, string | number | boolean>;
  /** Extra op-level details (e.g. expert token counts) for the summary. */
  details?: Record<string, unknown>;
  /**
   * Work the kernel's own output triggers while it runs (tile-triggered communication): made at
   * launch; the device reports every final output write as it lands (CtaWork.outputBytes), and
   * the kernel ends when the triggered work has ended too.
   */
  outputTrigger?: (device: TriggerContext) => OutputTrigger;
  /**
   * Rows of A that arrive while the kernel runs (a tile-triggered all-gather): made at launch; a
   * CTA computes a tile once the A rows it reads have arrived (CtaWork.tileRowsEndAt), and the
   * kernel ends when the gathering has ended too.
   */
  inputGate?: (device: TriggerContext) => InputGate;
}

/** Work that delivers a kernel's input while it runs. */
export interface InputGate extends BesideKernel {
  /** An event that triggers once A's rows below `rowsEnd` have arrived, or null if they have. */
  rowsReady(rowsEnd: number): SimEvent<void> | null;
}

/** What a kernel's output trigger or input gate may use on its device. */
export interface TriggerContext {
  sim: Simulation;
  spec: GpuSpec;
  hbm: FluidChannel;
  link: FluidChannel | null;
  /** The SM pool (units: ns of one SM's time at full rate, times the work's power share). */
  compute: FluidChannel;
  /** Draw a span on the device's link track, from `startNs` to now (nothing when the trace records no spans). */
  linkSpan(name: string, startNs: number, args: TraceArgs, category: string): void;
  /** Count DRAM bytes moved on the kernel's behalf (summary and HBM totals). */
  countDram(bytes: number): void;
}

/** Work a device runs beside a kernel (its collective traffic); the kernel ends after it has. */
export interface BesideKernel {
  /** Triggers when all the work has ended. */
  readonly done: SimEvent<void>;
  /** Figures for the summary, once done. */
  details(): Record<string, unknown>;
}

/** Work running beside a kernel, driven by the kernel's output as it lands. */
export interface OutputTrigger extends BesideKernel {
  /** `bytes` more of the kernel's final output have landed in memory. */
  wrote(bytes: number): void;
  /** Every CTA has retired and its writes have landed: all of the output exists. */
  outputComplete(): void;
}

export interface KernelResult {
  name: string;
  category: string;
  startNs: number;
  /** When the first CTA started (after the launch overhead). */
  firstCtaNs: number;
  endNs: number;
  dramBytes: number;
  l2Bytes: number;
  ctaCount: number;
  ctasPerSm: number;
  waves: number;
  /** The output trigger's figures (Kernel.outputTrigger), when the kernel has one. */
  details?: Record<string, unknown>;
}

/**
 * A kernel choice in one short label, for tables: the tile, then the K splits that differ from the
 * default, e.g. "128x256x64 splitK=3" or "128x256x64 tailSplit=2".
 */
export function configLabel(config: Kernel['config']): string {
  // An NPU op: its array (weight-stationary) or the vector unit.
  if (config.dataflow === 'weight-stationary' || config.dataflow === 'output-stationary') {
    return `${String(config.array)} ${config.dataflow === 'weight-stationary' ? 'WS' : 'OS'}${typeof config.utilization === 'number' ? ` util=${Math.round(config.utilization * 100)}%` : ''}`;
  }
  if (config.unit === 'vector') return 'vector unit';
  // A kernel without a tile (a collective) is labelled by its algorithm.
  const parts = [String(config.tile ?? (typeof config.kernel === 'string' ? config.kernel : ''))];
  if (config.tile === undefined && config.channels !== undefined) parts.push(`channels=${config.channels}`);
  if (config.splitK !== undefined && config.splitK !== 1) parts.push(`splitK=${config.splitK}`);
  if (config.tailSplit !== undefined) parts.push(`tailSplit=${config.tailSplit}`);
  if (config.streamK === true) parts.push('streamK');
  if (config.pairedCta === true) parts.push('2cta');
  if (config.mma === 'sync') parts.push('mma.sync');
  return parts.filter((p) => p !== '').join(' ');
}
