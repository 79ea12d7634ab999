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
interface Entry {
  /** L2 fill counter when this panel was last touched. */
  lastTouch: number;
  /** Fill counter when the entry took its place in the map (its position in insertion order). */
  placed: number;
  /** Sharers still to pay their part of the DRAM fetch. */
  owed: number;
}

export class L2PanelCache {
  /**
   * Entries in the order they were placed. A hit only updates `lastTouch` (no re-insertion: this
   * is the hot path of big grids); pruning moves a stale-but-touched entry to the back when it
   * reaches the front, so the front is always the entry with the oldest `placed`.
   */
  private readonly entries = new Map<number, Entry>();
  /** Entries dropped by pruning, reused for new panels (a decode step streams millions). */
  private readonly spare: Entry[] = [];
  private filledBytes = 0;

  constructor(readonly capacityBytes: number) {}

  /** Read `bytes` of panel `key`; returns the part that comes from DRAM (the rest from L2). */
  access(key: number, bytes: number, sharers: number): number {
    const entry = this.entries.get(key);
    if (entry === undefined || this.filledBytes - entry.lastTouch > this.capacityBytes) {
      if (entry !== undefined) this.entries.delete(key);
      this.filledBytes += bytes;
      const fresh = entry ?? this.spare.pop() ?? { lastTouch: 0, placed: 0, owed: 0 };
      fresh.lastTouch = this.filledBytes;
      fresh.placed = this.filledBytes;
      fresh.owed = Math.max(0, sharers - 1);
      this.entries.set(key, fresh);
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

  clear(): void {
    this.entries.clear();
    this.spare.length = 0;
    this.filledBytes = 0;
  }

  /**
   * Drop entries that can no longer hit (keeps the map small). Every entry behind the front was
   * placed later and touched no earlier than it was placed, so once the front was placed within
   * the capacity, nothing behind it has aged out.
   */
  private prune(): void {
    for (const [key, entry] of this.entries) {
      if (this.filledBytes - entry.placed <= this.capacityBytes) break;
      this.entries.delete(key);
      if (this.filledBytes - entry.lastTouch <= this.capacityBytes) {
        entry.placed = entry.lastTouch;
        this.entries.set(key, entry);
      } else {
        this.spare.push(entry);
      }
    }
  }
}
