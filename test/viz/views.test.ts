import { describe, expect, it } from 'vitest';
import { deltaStyle, matchOps } from '../../viz/app/compare.ts';
import { colorKeyOfName, paletteIndexOf } from '../../viz/app/colors.ts';
import { computeRoofs } from '../../viz/app/roofline.ts';
import { safeHref, sweepMetric } from '../../viz/app/sweep.ts';

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
