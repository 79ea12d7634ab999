import type { SimEvent, Simulation } from '../../sim/index.ts';

/** Who drives the DRAM rows: the NPU's reads and writes, or PIM computing on them. */
export type MemoryMode = 'npu' | 'pim';

/**
 * The row buffers of a DRAM whose banks hold one open row each: PIM computing on a row and the NPU
 * reading through it exclude each other (with the NPU's data striped over every channel, any
 * channel in PIM mode stalls its reads). Holders of one mode share the memory; the modes take
 * turns first come first served, and a waiting mode stops new holders of the other from joining.
 */
export class MemoryModeGate {
  private mode: MemoryMode | null = null;
  private holders = 0;
  private readonly waiting: { mode: MemoryMode; event: SimEvent<void> }[] = [];

  constructor(private readonly sim: Simulation) {}

  acquire(mode: MemoryMode): SimEvent<void> {
    const event = this.sim.event<void>();
    if ((this.mode === null || this.mode === mode) && this.waiting.length === 0) {
      this.mode = mode;
      this.holders++;
      event.succeed();
    } else {
      this.waiting.push({ mode, event });
    }
    return event;
  }

  release(): void {
    if (this.holders <= 0) throw new Error('MemoryModeGate.release without a holder');
    if (--this.holders > 0) return;
    this.mode = null;
    // The head waiter's mode takes over, with every waiter of that mode queued behind it up to
    // the first of the other mode.
    const head = this.waiting[0];
    if (head === undefined) return;
    this.mode = head.mode;
    while (this.waiting.length > 0 && this.waiting[0]!.mode === head.mode) {
      this.holders++;
      this.waiting.shift()!.event.succeed();
    }
  }
}
