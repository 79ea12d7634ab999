import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation, allOf, anyOf, type SimEvent } from '../../sim/index.ts';

describe('Simulation event queue', () => {
  it('runs events in time order, ties in scheduling order', () => {
    const sim = new Simulation();
    const log: string[] = [];
    sim.schedule(5, () => log.push('b@5'));
    sim.schedule(1, () => log.push('a@1'));
    sim.schedule(5, () => log.push('c@5'));
    sim.schedule(0, () => log.push('z@0'));
    sim.run();
    expect(log).toEqual(['z@0', 'a@1', 'b@5', 'c@5']);
    expect(sim.now).toBe(5);
    expect(sim.eventCount).toBe(4);
  });

  it('cancelled events never run and are not counted', () => {
    const sim = new Simulation();
    const log: number[] = [];
    const h = sim.schedule(2, () => log.push(2));
    sim.schedule(1, () => sim.cancel(h));
    sim.schedule(3, () => log.push(3));
    sim.run();
    expect(log).toEqual([3]);
    expect(sim.eventCount).toBe(2);
  });

  it('run(until) stops the clock at until and can resume', () => {
    const sim = new Simulation();
    const log: number[] = [];
    for (const t of [1, 4, 9]) sim.schedule(t, () => log.push(t));
    expect(sim.run(5)).toBe(5);
    expect(log).toEqual([1, 4]);
    expect(sim.pending).toBe(1);
    sim.run();
    expect(log).toEqual([1, 4, 9]);
  });

  it('rejects negative or non-finite delays with a message naming the value', () => {
    const sim = new Simulation();
    expect(() => sim.schedule(-1, () => {})).toThrow(/delay must be a finite number >= 0 ns, got -1/);
    expect(() => sim.schedule(NaN, () => {})).toThrow(/got NaN/);
    expect(() => sim.run(-3)).toThrow(/until/);
  });

  it('time never goes backwards for any set of delays (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 200 }), (delays) => {
        const sim = new Simulation();
        const seen: number[] = [];
        for (const d of delays) sim.schedule(d, () => seen.push(sim.now));
        sim.run();
        for (let i = 1; i < seen.length; i++) if (seen[i]! < seen[i - 1]!) return false;
        return seen.length === delays.length;
      }),
    );
  });
});

describe('processes', () => {
  it('generator processes wait on timeouts and receive values', () => {
    const sim = new Simulation();
    const log: string[] = [];
    function* worker(name: string, period: number) {
      for (let i = 0; i < 3; i++) {
        const v: number = yield sim.timeout(period, i * 10);
        log.push(`${name}:${v}@${sim.now}`);
      }
      return name.toUpperCase();
    }
    const a = sim.process(worker('a', 2));
    const b = sim.process(worker('b', 3));
    sim.run();
    // At t=6 both wake; b's timeout was scheduled first (t=3 < t=4), so it runs first.
    expect(log).toEqual(['a:0@2', 'b:0@3', 'a:10@4', 'b:10@6', 'a:20@6', 'b:20@9']);
    expect(a.value).toBe('A');
    expect(b.value).toBe('B');
  });

  it('a process can wait for another process and for allOf/anyOf', () => {
    const sim = new Simulation();
    let joinedAt = -1;
    let firstIndex = -1;
    sim.process((function* () {
      const children: SimEvent<number>[] = [1, 7, 3].map((d) => sim.process((function* () {
        yield sim.timeout(d);
        return d;
      })()));
      const first: { index: number } = yield anyOf(sim, children);
      firstIndex = first.index;
      const all: number[] = yield allOf(sim, children);
      expect(all).toEqual([1, 7, 3]);
      joinedAt = sim.now;
    })());
    sim.run();
    expect(firstIndex).toBe(0);
    expect(joinedAt).toBe(7);
  });

  it('a process that yields a non-event fails loudly', () => {
    const sim = new Simulation();
    sim.process((function* () {
      yield 5 as never;
    })());
    expect(() => sim.run()).toThrow(/must yield SimEvents/);
  });
});
