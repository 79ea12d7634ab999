import { SimEvent } from '../../sim/index.ts';
import type { TriggerContext } from './kernel.ts';

/**
 * What the tile-triggered collectives share: a buffer of `bytes` cut into `ranks` chunks that DMA
 * engines move over the ring while a GEMM runs, one event per chunk (it exists on this device),
 * and the DRAM traffic they cause, counted for the summary.
 */
export abstract class RingDma {
  protected readonly chunkBytes: number;
  /** chunks[c]: chunk c is in this device's memory (written by the GEMM, or arrived). */
  protected readonly chunks: SimEvent<void>[];
  /** The kernel's launch: the summary's times count from it. */
  protected readonly launchNs: number;
  protected dramBytes = 0;

  constructor(protected readonly ctx: TriggerContext, ranks: number, bytes: number) {
    this.launchNs = ctx.sim.now;
    this.chunkBytes = bytes / ranks;
    this.chunks = Array.from({ length: ranks }, () => new SimEvent<void>(ctx.sim));
  }

  /** Move `bytes` through DRAM (a DMA read or write), counted. */
  protected dram(bytes: number): SimEvent<any> {
    this.dramBytes += bytes;
    this.ctx.countDram(bytes);
    return this.ctx.hbm.transfer(bytes);
  }
}

/** Three decimals: stable summary figures. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
