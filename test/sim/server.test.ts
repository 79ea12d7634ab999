import { describe, expect, it } from 'vitest';
import { Server, Simulation } from '../../sim/index.ts';

describe('Server', () => {
  it('grants up to capacity at once and serves waiters FIFO', () => {
    const sim = new Simulation();
    const sm = new Server(sim, { name: 'sm', capacity: 2 });
    const starts: [string, number][] = [];
    const job = (name: string, hold: number) =>
      sim.process((function* () {
        yield sm.acquire();
        starts.push([name, sim.now]);
        yield sim.timeout(hold);
        sm.release();
      })());
    job('a', 10);
    job('b', 5);
    job('c', 1);
    job('d', 1);
    sim.run();
    expect(starts).toEqual([['a', 0], ['b', 0], ['c', 5], ['d', 6]]);
    expect(sim.now).toBe(10);
  });

  it('measures utilization exactly', () => {
    const sim = new Simulation();
    const s = new Server(sim, { name: 's', capacity: 4 });
    sim.process((function* () {
      yield s.acquire();
      yield s.acquire();
      yield sim.timeout(10); // 2 of 4 busy for 10
      s.release();
      yield sim.timeout(10); // 1 of 4 busy for 10
      s.release();
    })());
    sim.run();
    expect(s.busyUnitTimeNs()).toBeCloseTo(30, 12);
    expect(s.utilization()).toBeCloseTo(30 / (4 * 20), 12);
  });

  it('rejects a bad capacity and an unmatched release', () => {
    const sim = new Simulation();
    expect(() => new Server(sim, { name: 's', capacity: 0 })).toThrow(/capacity must be an integer >= 1, got 0/);
    expect(() => new Server(sim, { name: 's', capacity: 1 }).release()).toThrow(/release\(\) without a held unit/);
  });
});
