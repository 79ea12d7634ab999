import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FluidChannel, Simulation, type TransferResult } from '../../sim/index.ts';

const GB = 1e9; // 1 GB/s = 1 byte/ns: closed forms below read directly in ns.

function collect(sim: Simulation, ch: FluidChannel, starts: { at: number; bytes: number; cap?: number }[]): TransferResult[] {
  const results: TransferResult[] = new Array(starts.length);
  starts.forEach((s, i) => {
    sim.schedule(s.at, () => {
      ch.transfer(s.bytes, { capBytesPerSecond: s.cap }).onTrigger((r) => (results[i] = r));
    });
  });
  sim.run();
  return results;
}

describe('FluidChannel', () => {
  it('one flow: latency + bytes / bandwidth', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'hbm', bandwidthBytesPerSecond: 2 * GB, latencyNs: 100 });
    const [r] = collect(sim, ch, [{ at: 0, bytes: 1000 }]);
    expect(r!.endNs).toBeCloseTo(100 + 1000 / 2, 9);
  });

  it('n equal flows started together all finish at n*B/C (+ latency)', () => {
    for (const n of [1, 2, 7, 100]) {
      const sim = new Simulation();
      const ch = new FluidChannel(sim, { name: 'hbm', bandwidthBytesPerSecond: 4 * GB, latencyNs: 10 });
      const rs = collect(sim, ch, Array.from({ length: n }, () => ({ at: 0, bytes: 4000 })));
      for (const r of rs) expect(r.endNs).toBeCloseTo(10 + (n * 4000) / 4, 6);
    }
  });

  it('staggered starts: closed form for two flows', () => {
    // C = 1 B/ns. Flow A: 1000 B at t=0. Flow B: 1000 B at t=400.
    // 0..400: A alone at 1 -> 400 B done. Then both at 0.5: A needs 600 more -> 1200 ns -> ends 1600.
    // B got 600 B by 1600, then alone at 1 -> 400 more -> ends 2000.
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'link', bandwidthBytesPerSecond: 1 * GB });
    const [a, b] = collect(sim, ch, [{ at: 0, bytes: 1000 }, { at: 400, bytes: 1000 }]);
    expect(a!.endNs).toBeCloseTo(1600, 9);
    expect(b!.endNs).toBeCloseTo(2000, 9);
    expect(ch.busyTimeNs()).toBeCloseTo(2000, 9);
  });

  it('a flow with its own cap leaves the rest to the others (max-min fairness)', () => {
    // C = 10 B/ns; flow A capped at 2 B/ns, flows B and C uncapped share 8 -> 4 each.
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'l2', bandwidthBytesPerSecond: 10 * GB });
    const [a, b, c] = collect(sim, ch, [
      { at: 0, bytes: 2000, cap: 2 * GB },
      { at: 0, bytes: 4000 },
      { at: 0, bytes: 8000 },
    ]);
    // B: 4000 at 4 -> 1000 ns. A: capped at 2 -> 1000 ns.
    expect(a!.endNs).toBeCloseTo(1000, 9);
    expect(b!.endNs).toBeCloseTo(1000, 9);
    // C: 4000 by t=1000, then alone at 10 -> 400 ns more.
    expect(c!.endNs).toBeCloseTo(1400, 9);
  });

  it('caps above the fair share do not bind', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'x', bandwidthBytesPerSecond: 10 * GB });
    const [a, b] = collect(sim, ch, [{ at: 0, bytes: 1000, cap: 8 * GB }, { at: 0, bytes: 1000 }]);
    expect(a!.endNs).toBeCloseTo(200, 9);
    expect(b!.endNs).toBeCloseTo(200, 9);
  });

  it('a lone capped flow runs at its cap, not the channel bandwidth', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'x', bandwidthBytesPerSecond: 10 * GB });
    const [a] = collect(sim, ch, [{ at: 0, bytes: 1000, cap: 1 * GB }]);
    expect(a!.endNs).toBeCloseTo(1000, 9);
  });

  it('zero-byte transfers complete after the latency', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'x', bandwidthBytesPerSecond: 1 * GB, latencyNs: 42 });
    const [a] = collect(sim, ch, [{ at: 5, bytes: 0 }]);
    expect(a!.endNs).toBe(47);
  });

  it('rejects bad parameters with messages naming field and value', () => {
    const sim = new Simulation();
    expect(() => new FluidChannel(sim, { name: 'x', bandwidthBytesPerSecond: 0 })).toThrow(/bandwidthBytesPerSecond must be a finite number > 0, got 0/);
    const ch = new FluidChannel(sim, { name: 'x', bandwidthBytesPerSecond: 1 });
    expect(() => ch.transfer(-5)).toThrow(/bytes must be a finite number >= 0, got -5/);
    expect(() => ch.transfer(5, { capBytesPerSecond: 0 })).toThrow(/capBytesPerSecond must be > 0/);
  });

  it('conserves bytes and never exceeds bandwidth: busy time >= bytes / C (property)', () => {
    const flow = fc.record({
      at: fc.integer({ min: 0, max: 5000 }),
      bytes: fc.integer({ min: 0, max: 100_000 }),
      cap: fc.option(fc.constantFrom(0.5 * GB, 1 * GB, 3 * GB), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(flow, { minLength: 1, maxLength: 60 }), (flows) => {
        const sim = new Simulation();
        const ch = new FluidChannel(sim, { name: 'p', bandwidthBytesPerSecond: 4 * GB });
        const rs = collect(sim, ch, flows);
        const total = flows.reduce((a, f) => a + f.bytes, 0);
        if (Math.abs(ch.bytesDelivered - total) > 1e-6) return false;
        if (ch.activeFlows !== 0) return false;
        // The channel cannot deliver faster than its bandwidth.
        if (ch.busyTimeNs() + 1e-6 < total / 4) return false;
        return rs.every((r, i) => {
          const f = flows[i]!;
          const minDuration = f.bytes / Math.min(4, (f.cap ?? Infinity) / GB);
          return r.endNs >= r.startNs && r.endNs - r.startNs + 1e-6 >= minDuration;
        });
      }),
      { numRuns: 200 },
    );
  });

  it('re-plans in O(classes) not O(flows): 10k equal flows use ~one wake-up per finish', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'hbm', bandwidthBytesPerSecond: 1 * GB });
    const n = 10_000;
    for (let i = 0; i < n; i++) sim.schedule(i, () => ch.transfer(1000 + (i % 97)));
    sim.run();
    expect(ch.bytesDelivered).toBe(Array.from({ length: n }, (_, i) => 1000 + (i % 97)).reduce((a, b) => a + b, 0));
    // n start events + at most one wake-up per finishing group.
    expect(sim.eventCount).toBeLessThanOrEqual(2 * n + 1);
  });

  it('a weighted transfer behaves exactly like `weight` identical flows (cohorts)', () => {
    // Mixed scenario: a capped cohort of 5 (as one weighted flow, or as 5 flows), an uncapped
    // flow that starts later, and a small capped flow. Every finish time must agree.
    const run = (weighted: boolean) => {
      const sim = new Simulation();
      const ch = new FluidChannel(sim, { name: 'hbm', bandwidthBytesPerSecond: 10 * GB, latencyNs: 5 });
      const ends: number[] = [];
      if (weighted) {
        ch.transfer(5 * 3000, { capBytesPerSecond: 1.5 * GB, weight: 5 }).onTrigger((r) => ends.push(r.endNs));
      } else {
        for (let i = 0; i < 5; i++) ch.transfer(3000, { capBytesPerSecond: 1.5 * GB }).onTrigger((r) => (i === 0 ? ends.push(r.endNs) : undefined));
      }
      sim.schedule(300, () => ch.transfer(8000).onTrigger((r) => ends.push(r.endNs)));
      sim.schedule(100, () => ch.transfer(500, { capBytesPerSecond: 0.5 * GB }).onTrigger((r) => ends.push(r.endNs)));
      sim.run();
      return { ends: ends.sort((a, b) => a - b), delivered: ch.bytesDelivered };
    };
    const a = run(true);
    const b = run(false);
    expect(a.ends.length).toBe(3);
    a.ends.forEach((t, i) => expect(t).toBeCloseTo(b.ends[i]!, 6));
    expect(a.delivered).toBe(b.delivered);
  });

  it('rejects a weight that is not a finite number > 0', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'hbm', bandwidthBytesPerSecond: GB });
    expect(() => ch.transfer(10, { weight: 0 })).toThrow(/weight/);
    expect(() => ch.transfer(10, { weight: Number.NaN })).toThrow(/weight/);
  });

  it('setBandwidth mid-transfer: bytes streamed keep their rate, the rest go at the new one', () => {
    // C = 1 B/ns; 1000 B from t=0; at t=400 C drops to 0.5 B/ns: 600 B left -> 1200 ns -> ends 1600.
    // At t=1000 it returns to 1 B/ns with 300 B left -> ends 1300.
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'pool', bandwidthBytesPerSecond: 1 * GB });
    sim.schedule(400, () => ch.setBandwidth(0.5 * GB));
    sim.schedule(1000, () => ch.setBandwidth(1 * GB));
    const [r] = collect(sim, ch, [{ at: 0, bytes: 1000 }]);
    expect(r!.endNs).toBeCloseTo(1300, 9);
    expect(ch.bandwidthBytesPerSecond).toBe(1 * GB);
  });

  it('setBandwidth on an idle channel applies to the next transfer; bad values name the field', () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'pool', bandwidthBytesPerSecond: 1 * GB });
    ch.setBandwidth(4 * GB);
    const [r] = collect(sim, ch, [{ at: 0, bytes: 1000 }]);
    expect(r!.endNs).toBeCloseTo(250, 9);
    expect(() => ch.setBandwidth(0)).toThrow(/bandwidthBytesPerSecond must be a finite number > 0, got 0/);
    expect(() => ch.setBandwidth(Number.NaN)).toThrow(/bandwidthBytesPerSecond/);
  });
});
