import { Heap } from 'heap-js';
import type { TimeNs } from './units.ts';

/** A scheduled callback. `cancelled` entries stay in the heap and are skipped when popped. */
export interface ScheduledEvent {
  readonly time: TimeNs;
  /** Insertion sequence: breaks ties so that equal-time events run in scheduling order. */
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

function compareEvents(a: ScheduledEvent, b: ScheduledEvent): number {
  return a.time - b.time || a.seq - b.seq;
}

/**
 * Future-event list ordered by (time, insertion sequence) on a binary heap (heap-js).
 * Cancellation is lazy: O(1) to cancel, the entry is dropped when it reaches the top.
 */
export class EventQueue {
  private readonly heap = new Heap<ScheduledEvent>(compareEvents);
  private nextSeq = 0;
  private live = 0;

  push(time: TimeNs, callback: () => void): ScheduledEvent {
    const event: ScheduledEvent = { time, seq: this.nextSeq++, callback, cancelled: false };
    this.heap.push(event);
    this.live++;
    return event;
  }

  cancel(event: ScheduledEvent): void {
    if (!event.cancelled) {
      event.cancelled = true;
      this.live--;
    }
  }

  /** Earliest live event, dropping cancelled ones on the way; undefined when empty. */
  peek(): ScheduledEvent | undefined {
    let top = this.heap.peek();
    while (top !== undefined && top.cancelled) {
      this.heap.pop();
      top = this.heap.peek();
    }
    return top;
  }

  pop(): ScheduledEvent | undefined {
    const top = this.peek();
    if (top !== undefined) {
      this.heap.pop();
      this.live--;
      // Popped events can no longer be cancelled; mark so a late cancel() is a no-op.
      top.cancelled = true;
    }
    return top;
  }

  /** Number of scheduled, not cancelled events. */
  get size(): number {
    return this.live;
  }
}
