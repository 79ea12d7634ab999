/**
 * L2 as a cache of operand panels (a K-chunk of an A row-panel or a B column-panel).
 *
 * Residency has LRU semantics measured in bytes: a panel is still in L2 if less than
 * `capacityBytes` of other data has been filled into L2 since it was last touched (its stack
 * distance). The panel's own size does not count against it: a kernel streams a chunk through L2
 * slice by slice, so a CTA trailing another on the same panel finds the slices it needs.
 *
 * Fetching is cooperative: the CTAs of a wave that read the same panel walk its slices together,
 * and whichever asks first for a slice brings it from DRAM. So a panel that is not resident is
 * fetched from DRAM once, in equal shares by its `sharers` (each pays bytes / sharers of DRAM
 * traffic and reads the rest from L2); once all sharers have touched it, it is an L2 hit until
 * it ages out. Reuse within a wave and across waves thus emerges from the schedule and the
 * cache size, with no CTA waiting on another's fetch.
 */
/**
 * The panels of one kernel, by the kernel's own operand key: kernels never share L2 entries, and
 * keys stay small integers (a global key of kernel index x 2^32 + key would be a heap number,
 * allocated and hashed on every access of the hot path).
 */
export type PanelSpace = Map<number, Entry>;

interface Entry {
  /** The space and key it is filed under (pruning removes it from there). */
  space: PanelSpace;
  key: number;
  /** L2 fill counter when this panel was last touched. */
  lastTouch: number;
  /** Fill counter when the entry took its place in the queue (its position in placement order). */
  placed: number;
  /** Sharers still to pay their part of the DRAM fetch. */
  owed: number;
  /** Bumped each time the entry is queued: its older queue slots are stale and skipped. */
  seq: number;
}

export class L2PanelCache {
  /** Entries filed in their kernels' spaces, for the size check of tests. */
  private live = 0;
  /**
   * Entries in the order they were placed (a FIFO of entry + seq; slots whose seq no longer
   * matches were superseded by a later placement). A hit only updates `lastTouch` (no
   * re-queueing: this is the hot path of big grids); pruning re-queues a stale-but-touched entry
   * when it reaches the front, so the front is always the live entry with the oldest `placed`.
   */
  private queue: Entry[] = [];
  private queueSeq: number[] = [];
  private head = 0;
  /** Entries dropped by pruning, reused for new panels (a decode step streams millions). */
  private readonly spare: Entry[] = [];
  private filledBytes = 0;

  constructor(readonly capacityBytes: number) {}

  /** A fresh key space for one kernel's panels. */
  newSpace(): PanelSpace {
    return new Map();
  }

  /** Entries that can still hit, plus those not yet pruned. */
  get size(): number {
    return this.live;
  }

  /** Read `bytes` of panel `key` of `space`; returns the part that comes from DRAM (the rest from L2). */
  access(space: PanelSpace, key: number, bytes: number, sharers: number): number {
    const entry = space.get(key);
    if (entry === undefined || this.filledBytes - entry.lastTouch > this.capacityBytes) {
      this.filledBytes += bytes;
      const fresh = entry ?? this.spare.pop() ?? { space, key, lastTouch: 0, placed: 0, owed: 0, seq: 0 };
      fresh.space = space;
      fresh.key = key;
      fresh.lastTouch = this.filledBytes;
      fresh.owed = Math.max(0, sharers - 1);
      if (entry === undefined) {
        space.set(key, fresh);
        this.live++;
      }
      this.enqueue(fresh, this.filledBytes);
      this.prune();
      return bytes / Math.max(1, sharers);
    }
    entry.lastTouch = this.filledBytes;
    if (entry.owed > 0) {
      entry.owed--;
      return bytes / Math.max(1, sharers);
    }
    return 0;
  }

  private enqueue(entry: Entry, placed: number): void {
    entry.placed = placed;
    entry.seq++;
    this.queue.push(entry);
    this.queueSeq.push(entry.seq);
  }

  /**
   * Drop entries that can no longer hit (keeps the map small). Every live entry behind the front
   * was placed later and touched no earlier than it was placed, so once the front was placed
   * within the capacity, nothing behind it has aged out.
   */
  private prune(): void {
    const q = this.queue;
    while (this.head < q.length) {
      const entry = q[this.head]!;
      if (this.queueSeq[this.head] !== entry.seq) {
        this.head++; // superseded by a later placement of the same entry
        continue;
      }
      if (this.filledBytes - entry.placed <= this.capacityBytes) break;
      this.head++;
      if (this.filledBytes - entry.lastTouch <= this.capacityBytes) {
        this.enqueue(entry, entry.lastTouch);
      } else {
        // Its only live queue slot was the one just consumed: no stale slot can revive it.
        entry.space.delete(entry.key);
        this.live--;
        this.spare.push(entry);
      }
    }
    // Compact once the consumed front is most of the queue (amortized O(1) per entry).
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.queueSeq = this.queueSeq.slice(this.head);
      this.head = 0;
    }
  }
}
