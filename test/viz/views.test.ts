import { describe, expect, it } from 'vitest';
import { deltaStyle, matchOps } from '../../viz/app/compare.ts';
import { colorKeyOfName, paletteIndexOf } from '../../viz/app/colors.ts';
import { computeRoofs } from '../../viz/app/roofline.ts';
import { safeHref, sweepMetric } from '../../viz/app/sweep.ts';
import { validationGroupKeys, validationStats } from '../../viz/app/validation.ts';
import type { ValidationLike } from '../../viz/payload.ts';
import { errorStats } from '../../devices/validation/measured.ts';
import { Rng } from '../../sim/rng.ts';

describe('comparison matching', () => {
  it('matches ops by name and occurrence, then lists ops only in B', () => {
    const op = (name: string, durationNs: number) => ({ name, durationNs });
    const rows = matchOps([op('qkv', 10), op('attn', 20), op('qkv', 30)], [op('qkv', 12), op('qkv', 27), op('mlp', 5)]);
    expect(rows.map((r) => [r.name, r.occurrence, r.timeA, r.timeB])).toEqual([
      ['qkv', 0, 10, 12],
      ['attn', 0, 20, undefined],
      ['qkv', 1, 30, 27],
      ['mlp', 0, undefined, 5],
    ]);
    expect(rows[0]!.deltaFraction).toBeCloseTo(0.2, 10);
    expect(rows[2]!.deltaFraction).toBeCloseTo(-0.1, 10);
  });
  it('colours slower red and faster green', () => {
    expect(deltaStyle(0.2)).toMatch(/207, 34, 46/);
    expect(deltaStyle(-0.2)).toMatch(/26, 127, 55/);
    expect(deltaStyle(0.001)).toBeUndefined();
  });
});

describe('colours', () => {
  it('give spans that differ only by numbers one colour', () => {
    expect(colorKeyOfName('tile 3,7')).toBe('tile');
    expect(paletteIndexOf('layer12.qkv_proj')).toBe(paletteIndexOf('layer3.qkv_proj'));
    expect(colorKeyOfName('42')).toBe('42');
  });
});

describe('roofline roofs', () => {
  it('merges dtypes with the same peak and sorts highest first', () => {
    expect(computeRoofs({ peakFlopsPerSecond: { fp16: 1e15, bf16: 1e15, fp8: 2e15, fp32: 0 } })).toEqual([
      { label: 'fp8', peak: 2e15, dtypes: ['fp8'] },
      { label: 'fp16/bf16', peak: 1e15, dtypes: ['fp16', 'bf16'] },
    ]);
    expect(computeRoofs(undefined)).toEqual([]);
  });
});

describe('sweep', () => {
  it('plots the declared metric, or a sensible one', () => {
    expect(sweepMetric({ metric: 'tflops', points: [{ value: 1, tflops: 2 }] })).toBe('tflops');
    expect(sweepMetric({ metric: 'missing', points: [{ value: 1, timeNs: 5 }] })).toBe('timeNs');
    expect(sweepMetric({ points: [{ value: 1, gbps: 5 }] })).toBe('gbps');
  });
  it('links only to paths and http(s)/file URLs', () => {
    expect(safeHref('runs/n-1024.json')).toBe('runs/n-1024.json');
    expect(safeHref('https://example.org/t.json')).toBe('https://example.org/t.json');
    expect(safeHref('C:/traces/t.json')).toBe('C:/traces/t.json');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref(3)).toBeUndefined();
  });
});

describe('validation statistics', () => {
  const v = (rows: [string, number, number, number][]): ValidationLike => {
    const devices = [...new Set(rows.map((r) => r[0]))];
    return {
      source: 'x.csv', devices, ops: ['gemm'], configs: [''],
      line: rows.map((_, i) => i), device: rows.map((r) => devices.indexOf(r[0])), op: rows.map(() => 0),
      m: rows.map((r) => r[1]), n: rows.map(() => 1), k: rows.map(() => 1),
      measuredUs: rows.map((r) => r[2]), predictedUs: rows.map((r) => r[3]), config: rows.map(() => 0),
    };
  };

  it('gives per-device, overall and per-size-class errors', () => {
    const stats = validationStats(v([['a', 16, 10, 11], ['a', 2048, 100, 95], ['a', 512, 50, 50], ['b', 8, 20, 30], ['b', 128, 40, 32]]));
    const by = Object.fromEntries(stats.map((s) => [s.group, s]));
    expect(Object.keys(by)).toEqual(['a', 'b', 'overall', 'a m<=64', 'a 64<m<=1024', 'a m>1024', 'b m<=64', 'b 64<m<=1024']);
    expect(by.a).toMatchObject({ group: 'a', rows: 3, median: 5, p90: 9, mean: 5, bias: 1.67 });
    // Each group knows its rows (the view highlights them); "overall" is every row.
    const members = (g: string) => [0, 1, 2, 3, 4].filter((i) => by[g]!.member!(i));
    expect(members('a')).toEqual([0, 1, 2]);
    expect(members('b 64<m<=1024')).toEqual([4]);
    expect(by.overall!.member).toBeUndefined();
    expect(by.overall!.median).toBe(10);
    expect(by.overall!.p90).toBe(38);
    expect(by['b 64<m<=1024']!.bias).toBe(-20);
  });

  it('groups by k, weight shape or layer per device, in the order of validate --by', () => {
    const data = { ...v([['a', 16, 10, 11], ['a', 2048, 100, 95], ['a', 512, 50, 50], ['b', 8, 20, 30], ['b', 128, 40, 32]]), k: [8192, 1024, 8192, 512, 512] };
    const labels = (rows: { group: string }[]) => rows.map((r) => r.group).filter((g) => g.includes('='));
    const byK = validationStats(data, undefined, 'k');
    expect(labels(byK)).toEqual(['a k=1024', 'a k=8192', 'b k=512']);
    expect(byK.find((r) => r.group === 'a k=8192')!.rows).toBe(2);
    expect(byK.find((r) => r.group === 'a k=8192')!.bias).toBe(5);
    expect([0, 1, 2, 3, 4].filter((i) => byK.find((r) => r.group === 'a k=8192')!.member!(i))).toEqual([0, 2]);
    expect(labels(validationStats(data, undefined, 'nk'))).toEqual(['a nk=1x1024', 'a nk=1x8192', 'b nk=1x512']);
    expect(validationGroupKeys(data)).not.toContain('layer');
    const withSources = { ...data, rowSources: ['m:qkv', 'm:down'], rowSource: [1, 0, 1, 0, 0] };
    expect(validationGroupKeys(withSources)).toContain('layer');
    expect(labels(validationStats(withSources, undefined, 'layer'))).toEqual(['a layer=down', 'a layer=qkv', 'b layer=qkv']);
    // Operand data: a key only where some row ran on zeros.
    expect(validationGroupKeys(data)).not.toContain('azero');
    const withZeros = { ...data, aZero: [1, 0, 1, 0, 0.5] };
    expect(validationGroupKeys(withZeros)).toContain('azero');
    expect(labels(validationStats(withZeros, undefined, 'azero'))).toEqual(['a azero=0', 'a azero=1', 'b azero=0', 'b azero=0.5']);
    // Run length: classes in order of length (not of their labels), unknown (-1) last.
    expect(validationGroupKeys(data)).not.toContain('run');
    const withRuns = { ...data, runMs: [120, 3, 30, -1, 7] };
    expect(validationGroupKeys(withRuns)).toContain('run');
    expect(labels(validationStats(withRuns, undefined, 'run'))).toEqual(['a run=<5ms', 'a run=20-50ms', 'a run=>=100ms', 'b run=5-20ms', 'b run=?']);
  });

  it('agrees with the text report on random errors, and leaves out hidden rows', () => {
    const rng = new Rng(5);
    const rows: [string, number, number, number][] = Array.from({ length: 997 }, () => ['d', rng.int(1, 8192), 10 + rng.next() * 1000, 10 + rng.next() * 1000]);
    const data = v(rows);
    const page = validationStats(data)[0]!;
    const report = errorStats(rows.map(([, , meas, pred]) => ((pred - meas) / meas) * 100));
    expect([page.rows, page.median, page.p90, page.mean, page.bias]).toEqual([report.count, report.medianAbsPctError, report.p90AbsPctError, report.meanAbsPctError, report.meanSignedPctError]);
    expect(validationStats(data, (i) => i < 10)[0]!.rows).toBe(10);
  });
});
