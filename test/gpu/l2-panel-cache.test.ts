import { describe, expect, it } from 'vitest';
import { L2PanelCache } from '../../devices/gpu/l2-panel-cache.ts';
import { Rng } from '../../sim/rng.ts';

/**
 * The cache's semantics without its bookkeeping: every panel ever touched is remembered, and a
 * panel hits while less than the capacity has been filled since its last touch. Pruning in the
 * real cache only forgets panels that can no longer hit, so the two must agree on every access.
 */
class NaiveCache {
  private readonly panels = new Map<string, { lastTouch: number; owed: number }>();
  private filled = 0;
  constructor(private readonly capacity: number) {}

  access(space: number, key: number, bytes: number, sharers: number): number {
    const p = this.panels.get(`${space}/${key}`);
    if (p === undefined || this.filled - p.lastTouch > this.capacity) {
      this.filled += bytes;
      this.panels.set(`${space}/${key}`, { lastTouch: this.filled, owed: Math.max(0, sharers - 1) });
      return bytes / Math.max(1, sharers);
    }
    p.lastTouch = this.filled;
    if (p.owed > 0) {
      p.owed--;
      return bytes / Math.max(1, sharers);
    }
    return 0;
  }
}

describe('L2 panel cache', () => {
  it('a panel is fetched once by its sharers, then hits until the capacity has been filled past it', () => {
    const c = new L2PanelCache(1000);
    const s = c.newSpace();
    expect(c.access(s, 1, 400, 2)).toBe(200);
    expect(c.access(s, 1, 400, 2)).toBe(200); // the second sharer pays its half of the fetch
    expect(c.access(s, 1, 400, 2)).toBe(0); // then it is resident
    expect(c.access(s, 2, 600, 1)).toBe(600);
    expect(c.access(s, 1, 400, 2)).toBe(0); // 600 filled since its last touch: still within 1000
    expect(c.access(s, 3, 700, 1)).toBe(700);
    expect(c.access(s, 4, 400, 1)).toBe(400);
    expect(c.access(s, 1, 400, 1)).toBe(400); // 1100 filled since: aged out, fetched again
    expect(c.access(c.newSpace(), 1, 400, 1)).toBe(400); // another kernel's panel 1 is another panel
  });

  it('agrees with the cache that never forgets on random access streams, and stays small', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const capacity = 50_000;
      const cache = new L2PanelCache(capacity);
      const spaces = [cache.newSpace(), cache.newSpace(), cache.newSpace()];
      const naive = new NaiveCache(capacity);
      let maxEntries = 0;
      let disagreements = 0;
      for (let i = 0; i < 100_000; i++) {
        // Mostly a hot working set that drifts, sometimes a cold key: hits, misses and re-fetches.
        const hot = Math.floor(i / 500) + rng.int(0, 40);
        const key = rng.next() < 0.9 ? hot : rng.int(0, 1_000_000);
        const bytes = 256 * rng.int(1, 16);
        const sharers = rng.int(1, 4);
        const space = rng.int(0, 2);
        if (cache.access(spaces[space]!, key, bytes, sharers) !== naive.access(space, key, bytes, sharers)) disagreements++;
        maxEntries = Math.max(maxEntries, cache.size);
      }
      expect(disagreements).toBe(0);
      // At most capacity / smallest fill of live panels, plus the ones not yet pruned.
      expect(maxEntries).toBeLessThan(2 * (capacity / 256) + 64);
    }
  });
});
