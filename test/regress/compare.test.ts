import { describe, expect, it } from 'vitest';
import { compareSummaries, delta, exitCodeFor, formatChange } from '../../regress/compare.ts';
import { METRICS, parseMetric } from '../../regress/metrics.ts';
import { parseTolerance } from '../../regress/tolerance.ts';
import { fakeSummary, scaled } from './helpers.ts';

const time = METRICS.time;
const tflops = METRICS.tflops;

describe('tolerance edges', () => {
  it('a change of exactly the tolerance passes; just beyond it fails', () => {
    expect(delta(100, 102, time, 0.02).verdict).toBe('within');
    expect(delta(100, 102.0001, time, 0.02).verdict).toBe('regression');
    expect(delta(100, 98, time, 0.02).verdict).toBe('within');
    expect(delta(100, 97.9999, time, 0.02).verdict).toBe('improvement');
  });

  it('float rounding at the edge does not flip the verdict', () => {
    const base = 200640.37790375497;
    expect(delta(base, base * 1.02, time, 0.02).verdict).toBe('within');
    expect(delta(base, base * 1.0201, time, 0.02).verdict).toBe('regression');
  });

  it('zero tolerance reports any change; equal numbers are "same"', () => {
    expect(delta(100, 100, time, 0).verdict).toBe('same');
    expect(delta(100, 100.000001, time, 0).verdict).toBe('regression');
  });

  it('a change from zero is infinite, hence beyond any tolerance', () => {
    const d = delta(0, 5, time, 0.5);
    expect(d.change).toBeNull();
    expect(d.verdict).toBe('regression');
    expect(formatChange(d)).toBe('+inf');
  });

  it('higher-is-better metrics flip the direction', () => {
    expect(delta(100, 90, tflops, 0.02).verdict).toBe('regression');
    expect(delta(100, 110, tflops, 0.02).verdict).toBe('improvement');
  });

  it('parses percentages and rejects the rest', () => {
    expect(parseTolerance('2%')).toBeCloseTo(0.02, 12);
    expect(parseTolerance('0.5%')).toBeCloseTo(0.005, 12);
    expect(parseTolerance('3')).toBeCloseTo(0.03, 12);
    expect(() => parseTolerance('-1%')).toThrow(/expected a percentage/);
    expect(() => parseTolerance('two')).toThrow(/--tolerance "two"/);
    expect(() => parseMetric('latency')).toThrow(/expected one of time, tflops, bytes/);
  });
});

describe('compareSummaries', () => {
  const base = fakeSummary();
  const opts = { metric: time, tolerance: 0.02 };

  it('within tolerance is ok, slower beyond it a regression, faster an improvement', () => {
    expect(compareSummaries(base, scaled(base, 1.02), opts).status).toBe('ok');
    expect(compareSummaries(base, scaled(base, 1.03), opts).status).toBe('regression');
    expect(compareSummaries(base, scaled(base, 0.9), opts).status).toBe('improvement');
  });

  it('improvements do not fail unless fail-on-change', () => {
    const improved = [compareSummaries(base, scaled(base, 0.9), opts)];
    expect(exitCodeFor(improved, false)).toBe(0);
    expect(exitCodeFor(improved, true)).toBe(1);
    expect(exitCodeFor([compareSummaries(base, scaled(base, 1.1), opts)], false)).toBe(1);
  });

  it('a regression in one op fails even when the run total is within tolerance', () => {
    const two = fakeSummary({ ops: [base.ops[0]!, { ...base.ops[0]!, name: 'small', durationNs: 10 }] });
    const next = { ...two, ops: [two.ops[0]!, { ...two.ops[1]!, durationNs: 20 }] };
    const r = compareSummaries(two, next, opts);
    expect(r.run.verdict).toBe('same');
    expect(r.ops.find((o) => o.name === 'small')!.delta!.verdict).toBe('regression');
    expect(r.status).toBe('regression');
  });

  it('reports a changed kernel config, and ops added or removed, as structural changes', () => {
    const cfg = fakeSummary({ ops: [{ ...base.ops[0]!, config: { tile: '128x256x64', splitK: 1 } }] });
    const r = compareSummaries(base, cfg, opts);
    expect(r.status).toBe('changed');
    expect(r.changes).toEqual(['op "gemm": config changed: tile 128x128x64 -> 128x256x64']);

    const renamed = fakeSummary({ ops: [{ ...base.ops[0]!, name: 'proj' }] });
    const s = compareSummaries(base, renamed, opts);
    expect(s.ops.map((o) => `${o.name}:${o.presence}`)).toEqual(['gemm:removed', 'proj:added']);
    expect(s.changes.join('\n')).toMatch(/op "gemm" removed[\s\S]*op "proj" added/);
    expect(exitCodeFor([s], false)).toBe(0);
    expect(exitCodeFor([s], true)).toBe(1);
  });

  it('compares throughput and bytes when asked', () => {
    expect(compareSummaries(base, scaled(base, 1.1), { metric: tflops, tolerance: 0.02 }).status).toBe('regression');
    const moreBytes = fakeSummary({ totals: { ...base.totals, dramBytes: 2e6 } });
    expect(compareSummaries(base, moreBytes, { metric: METRICS.bytes, tolerance: 0.02 }).status).toBe('regression');
  });
});
