import type { SimEvent, TransferResult } from '../../sim/index.ts';

interface Entry {
  bytes: number;
  /** The HBM fill in flight; null once the data is in L2. */
  filling: SimEvent<TransferResult> | null;
}

/**
 * L2 as a cache of operand panels (a K-chunk of an A row-panel or a B column-panel), LRU over
 * `capacityBytes`. The first CTA that needs a panel fills it from HBM; CTAs that need it while the
 * fill is in flight wait for that fill (no second HBM read); later CTAs read it from L2. Reuse
 * across the CTAs of a wave thus emerges from the schedule and the cache size.
 */
export class L2PanelCache {
  private readonly entries = new Map<string, Entry>();
  private usedBytes = 0;

  constructor(readonly capacityBytes: number) {}

  /** 'hit' (in L2), the fill to wait for, or 'miss' (caller fills, then calls `filled`). */
  lookup(key: string): 'hit' | 'miss' | SimEvent<TransferResult> {
    const entry = this.entries.get(key);
    if (entry === undefined) return 'miss';
    // Refresh LRU position: Map iteration order is insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.filling ?? 'hit';
  }

  /** Record a fill in flight (the panel occupies L2 from now). */
  startFill(key: string, bytes: number, fill: SimEvent<TransferResult>): void {
    if (bytes > this.capacityBytes) return; // never fits: stays a miss for everyone
    this.entries.set(key, { bytes, filling: fill });
    this.usedBytes += bytes;
    fill.onTrigger(() => {
      const e = this.entries.get(key);
      if (e !== undefined && e.filling === fill) e.filling = null;
    });
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.usedBytes = 0;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.usedBytes <= this.capacityBytes) break;
      this.entries.delete(key);
      this.usedBytes -= entry.bytes;
    }
  }
}
