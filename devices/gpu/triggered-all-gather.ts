import type { ProcessBody, SimEvent } from '../../sim/index.ts';
import type { InputGate, TriggerContext } from './kernel.ts';
import { RingDma, round3 as round } from './ring-dma.ts';

export interface TriggeredAllGatherOptions {
  ranks: number;
  /** Rows of A (per batch) once gathered. */
  rows: number;
  /** Bytes of the whole gathered A (every batch). */
  bytes: number;
}

/**
 * A ring all-gather feeding a GEMM as it runs (the consumer side of tile-level overlap, as fused
 * all-gather + GEMM kernels do it): A's rows are cut into `ranks` chunks, this device's own shard
 * is chunk 0 and is there at once, and ring step s (s = 1 .. ranks - 1) forwards the chunk that
 * arrived in step s - 1 (a DMA: read from memory, sent over the link) while chunk s arrives from
 * the previous device and is written to memory. The GEMM's tiles run in row order, so its first
 * rows compute while the rest are still on the way; a tile waits only for its own rows.
 */
export function triggeredAllGather(o: TriggeredAllGatherOptions): (ctx: TriggerContext) => InputGate {
  return (ctx) => new TriggeredAllGather(ctx, o);
}

class TriggeredAllGather extends RingDma implements InputGate {
  readonly done: SimEvent<void>;
  private lastArrivalNs = 0;

  constructor(ctx: TriggerContext, private readonly o: TriggeredAllGatherOptions) {
    super(ctx, o.ranks, o.bytes);
    // This device's own shard is there from the start.
    this.chunks[0]!.succeedNow();
    this.done = ctx.sim.process(this.run()) as SimEvent<void>;
  }

  rowsReady(rowsEnd: number): SimEvent<void> | null {
    const { ranks, rows } = this.o;
    const chunk = Math.min(ranks - 1, Math.max(0, Math.floor(((rowsEnd - 1) * ranks) / rows)));
    const event = this.chunks[chunk]!;
    return event.triggered ? null : event;
  }

  details(): Record<string, unknown> {
    const { ranks } = this.o;
    return {
      allGather: {
        ranks, overlap: 'tile',
        chunkBytes: round(this.chunkBytes),
        linkBytes: round(this.chunkBytes * (ranks - 1)),
        dramBytes: round(this.dramBytes),
        // From the kernel's launch.
        lastChunkNs: round(this.lastArrivalNs - this.launchNs),
      },
    };
  }

  private *run(): ProcessBody<void> {
    const { sim, link } = this.ctx;
    if (link === null) throw new Error(`an all-gather needs a device-to-device link, and device ${this.ctx.spec.id} has none`);
    const chunk = this.chunkBytes;
    for (let s = 1; s < this.o.ranks; s++) {
      const startNs = sim.now;
      const read = this.dram(chunk);
      const sent = link.transfer(chunk);
      // The peer's chunk arrives while ours leaves (the ring is symmetric) and lands in memory.
      const written = this.dram(chunk);
      yield sent;
      if (!read.triggered) yield read;
      if (!written.triggered) yield written;
      this.ctx.linkSpan(`gather chunk ${s}`, startNs, { bytes: round(chunk), step: s }, 'collective');
      this.lastArrivalNs = sim.now;
      this.chunks[s]!.succeed();
    }
  }
}
