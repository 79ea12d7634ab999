import { describe, expect, it } from 'vitest';
import { Rng, TraceRecorder } from '../../sim/index.ts';

describe('Rng', () => {
  it('same seed, same stream; forks are independent of draws on the parent', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(new Rng(8).next()).not.toBe(xs[0]);
    const f1 = new Rng(7).fork('moe').next();
    const p = new Rng(7);
    p.next();
    p.next();
    expect(p.fork('moe').next()).toBe(f1);
  });

  it('int stays in range and weightedIndex honours zero weights', () => {
    const r = new Rng('x');
    for (let i = 0; i < 1000; i++) {
      const v = r.int(3, 5);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(5);
      expect(r.weightedIndex([0, 1, 0])).toBe(1);
    }
  });
});

describe('TraceRecorder', () => {
  it('exports Chrome Trace Event JSON with metadata, spans in µs, counters and instants', () => {
    const t = new TraceRecorder();
    const sm = t.track('gpu0', 'SM 0', 'SM');
    const hbm = t.track('gpu0', 'HBM', 'memory');
    t.span(sm, 'tile 0,0', 1000, 2500, { tile: '0,0', flops: 1e6 }, 'gemm');
    t.counter('gpu0', 'HBM bandwidth (GB/s)', 0, { 'GB/s': 1200 });
    t.instant(hbm, 'launch', 0);
    const trace = JSON.parse(JSON.stringify(t.toChromeTrace({ title: 'x' })));
    expect(trace.displayTimeUnit).toBe('ns');
    const ev = trace.traceEvents as Record<string, any>[];
    expect(ev.find((e) => e.ph === 'M' && e.name === 'process_name')!.args.name).toBe('gpu0');
    expect(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args.name)).toEqual(['SM 0', 'HBM']);
    const span = ev.find((e) => e.ph === 'X');
    expect(span).toMatchObject({ pid: 1, tid: 1, ts: 1, dur: 2.5, name: 'tile 0,0', cat: 'gemm' });
    expect(ev.find((e) => e.ph === 'C')).toMatchObject({ ts: 0, args: { 'GB/s': 1200 } });
    expect(ev.find((e) => e.ph === 'i')).toMatchObject({ tid: 2, s: 't' });
    expect(trace.otherData.tilewave.tracks[1]).toEqual({ pid: 1, tid: 2, device: 'gpu0', unit: 'HBM', group: 'memory' });
    expect(trace.otherData.tilewave.title).toBe('x');
  });

  it('busy time is the union of a track\'s spans', () => {
    const t = new TraceRecorder();
    const a = t.track('d', 'a');
    t.span(a, 'x', 0, 10);
    t.span(a, 'y', 5, 10); // overlaps: union [0,15]
    t.span(a, 'z', 20, 5);
    const [busy] = t.busyByTrack(50);
    expect(busy!.busyNs).toBe(20);
    expect(busy!.utilization).toBeCloseTo(0.4, 12);
  });
});
