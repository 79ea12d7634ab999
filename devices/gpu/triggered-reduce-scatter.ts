import type { ProcessBody, SimEvent } from '../../sim/index.ts';
import type { OutputTrigger, TriggerContext } from './kernel.ts';
import { RingDma, round3 as round } from './ring-dma.ts';
import { smRates, vectorNs } from './vector-rates.ts';

export interface TriggeredReduceScatterOptions {
  ranks: number;
  /** Bytes of the GEMM's whole output (every chunk). */
  outputBytes: number;
  /** Bytes per output element (the adds work per element). */
  elementBytes: number;
  reduction: 'sm' | 'near-memory';
}

/** SMs the adds of one received chunk spread over (a collective's channels). */
export const REDUCTION_SMS = 16;

/**
 * Tile-triggered ring reduce-scatter (T3, Pati et al., ASPLOS 2024): the GEMM's output is cut into
 * `ranks` chunks in the order its tiles land; each device's GEMM computes its chunks in ring order
 * (staggered by rank), so the chunk it sends first is the one it finishes first. Step s sends
 * chunk s over the link as soon as the GEMM has written it and the partial received in step
 * s - 1 has been added into it; the send is a DMA (the chunk is read from memory, no SMs). The
 * peers are symmetric, so the chunk this device receives in step s arrives when its own send
 * does; it is added into chunk s + 1: on the SMs (the received chunk is written, then it and the
 * local partial are read and the sum written back) or near memory (written as an in-memory
 * update: the DRAM adds it, nothing comes back to the SMs). After ranks - 1 steps the last
 * chunk holds the reduced sum: this device's shard.
 */
export function triggeredReduceScatter(o: TriggeredReduceScatterOptions): (ctx: TriggerContext) => OutputTrigger {
  return (ctx) => new TriggeredReduceScatter(ctx, o);
}

class TriggeredReduceScatter extends RingDma implements OutputTrigger {
  readonly done: SimEvent<void>;
  /** How many chunks the GEMM has completed (this.chunks[c] triggers when it has written chunk c). */
  private nextReady = 0;
  private written = 0;
  private lastWriteNs = 0;
  private firstSendNs = -1;
  private linkBusyNs = 0;

  constructor(ctx: TriggerContext, private readonly o: TriggeredReduceScatterOptions) {
    super(ctx, o.ranks, o.outputBytes);
    this.done = ctx.sim.process(this.run()) as SimEvent<void>;
  }

  wrote(bytes: number): void {
    this.written += bytes;
    this.lastWriteNs = this.ctx.sim.now;
    // A relative tolerance: tile outputs are summed in floating point (split tiles write fractions).
    const slack = this.o.outputBytes * 1e-9;
    while (this.nextReady < this.o.ranks && this.written >= (this.nextReady + 1) * this.chunkBytes - slack) {
      this.chunks[this.nextReady++]!.succeed();
    }
  }

  /** Every CTA has retired and its writes have landed: whatever the count says, all chunks exist. */
  outputComplete(): void {
    this.lastWriteNs = Math.max(this.lastWriteNs, this.ctx.sim.now);
    while (this.nextReady < this.o.ranks) this.chunks[this.nextReady++]!.succeed();
  }

  details(): Record<string, unknown> {
    const { ranks, reduction } = this.o;
    return {
      reduceScatter: {
        ranks, overlap: 'tile', reduction,
        chunkBytes: round(this.chunkBytes),
        linkBytes: round(this.chunkBytes * (ranks - 1)),
        dramBytes: round(this.dramBytes),
        // Times from the kernel's launch.
        firstSendNs: round(this.firstSendNs - this.launchNs),
        outputDoneNs: round(this.lastWriteNs - this.launchNs),
        linkBusyNs: round(this.linkBusyNs),
      },
    };
  }

  private *run(): ProcessBody<void> {
    const { sim, link } = this.ctx;
    if (link === null) throw new Error(`a reduce-scatter needs a device-to-device link, and device ${this.ctx.spec.id} has none`);
    const chunk = this.chunkBytes;
    let added: SimEvent<any> | null = null;
    for (let s = 0; s < this.o.ranks - 1; s++) {
      if (!this.chunks[s]!.triggered) yield this.chunks[s]!;
      if (added !== null && !added.triggered) yield added;
      const startNs = sim.now;
      if (this.firstSendNs < 0) this.firstSendNs = startNs;
      const read = this.dram(chunk);
      const sent = link.transfer(chunk);
      // The peer's chunk arrives meanwhile, at the same pace as ours leaves (the ring is
      // symmetric), and is added into chunk s + 1 slice by slice as it comes in.
      added = this.ctx.sim.process(this.receive(s + 1, sent));
      yield sent;
      if (!read.triggered) yield read;
      this.linkBusyNs += sim.now - startNs;
      this.ctx.linkSpan(`send chunk ${s}`, startNs, { bytes: round(chunk), step: s }, 'collective');
    }
    if (!this.chunks[this.o.ranks - 1]!.triggered) yield this.chunks[this.o.ranks - 1]!;
    if (added !== null && !added.triggered) yield added;
  }

  /**
   * Receive the peer's partial of local chunk `c` (it has arrived when `arrived` triggers) and add
   * it in. Near memory: each slice is written as an in-memory update as it arrives. On the SMs:
   * each slice is written, then read back with the local partial and the sum written, alongside
   * the arrival once the local chunk exists (before that, the received slices wait in memory).
   */
  private *receive(c: number, arrived: SimEvent<any>): ProcessBody<void> {
    const chunk = this.chunkBytes;
    const landed = this.dram(chunk);
    if (this.o.reduction === 'sm') {
      if (!this.chunks[c]!.triggered) yield this.chunks[c]!;
      const { spec, compute } = this.ctx;
      const power = spec.efficiency.powerFraction;
      const workNs = vectorNs(smRates(spec, 'fp32'), chunk / this.o.elementBytes, 0);
      const adds = compute.transfer(workNs * power, { capBytesPerSecond: 1e9 * power * Math.min(REDUCTION_SMS, spec.sm.count) });
      const traffic = this.dram(3 * chunk);
      yield adds;
      if (!traffic.triggered) yield traffic;
    }
    if (!landed.triggered) yield landed;
    if (!arrived.triggered) yield arrived;
  }
}
