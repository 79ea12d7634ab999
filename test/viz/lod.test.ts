import { describe, expect, it } from 'vitest';
import { counterSteps, createBoxBuffer, lodBoxes, lowerBound, upperBound, visibleSpans } from '../../viz/app/lod.ts';
import { Occupancy, addCoverage } from '../../viz/app/occupancy.ts';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('binary search', () => {
  const a = [1, 2, 2, 5, 9];
  it('upperBound and lowerBound', () => {
    expect(upperBound(a, 0, a.length, 2)).toBe(3);
    expect(lowerBound(a, 0, a.length, 2)).toBe(1);
    expect(upperBound(a, 0, a.length, 100)).toBe(5);
    expect(lowerBound(a, 0, a.length, -1)).toBe(0);
  });
  it('finds the spans of a lane that intersect a window', () => {
    const start = f64([0, 10, 20, 30, 40]);
    const end = f64([5, 15, 25, 35, 45]);
    expect(visibleSpans(start, end, 0, 5, 12, 31)).toEqual([1, 4]);
    expect(visibleSpans(start, end, 0, 5, 16, 19)).toEqual([2, 2]);
    expect(visibleSpans(start, end, 0, 5, -10, 100)).toEqual([0, 5]);
  });
});

describe('lodBoxes', () => {
  const colorOf = (colors: number[]) => (i: number) => colors[i]!;
  it('draws wide spans one box each', () => {
    const out = createBoxBuffer(2);
    const n = lodBoxes(f64([0, 100, 300]), f64([50, 200, 400]), colorOf([0, 1, 2]), 0, 3, 0, 10, out);
    expect(n).toBe(3);
    expect(Array.from(out.x0.subarray(0, n))).toEqual([0, 10, 30]);
    expect(Array.from(out.x1.subarray(0, n))).toEqual([5, 20, 40]);
    expect(Array.from(out.count.subarray(0, n))).toEqual([1, 1, 1]);
  });
  it('merges a run of sub-pixel spans of one colour into one box', () => {
    // 1000 spans of 0.1 ns back to back at 1 ns per pixel: 100 pixels of busy time.
    const N = 1000;
    const start = f64(Array.from({ length: N }, (_, i) => i * 0.1));
    const end = f64(Array.from({ length: N }, (_, i) => i * 0.1 + 0.09));
    const out = createBoxBuffer(4);
    const n = lodBoxes(start, end, () => 3, 0, N, 0, 1, out);
    expect(n).toBe(1);
    expect(out.count[0]).toBe(N);
    expect(out.color[0]).toBe(3);
    expect(out.x1[0]! - out.x0[0]!).toBeCloseTo(99.99, 5);
  });
  it('keeps at most one box per pixel column when colours alternate', () => {
    const N = 1000;
    const start = f64(Array.from({ length: N }, (_, i) => i * 0.1));
    const end = f64(Array.from({ length: N }, (_, i) => i * 0.1 + 0.09));
    const out = createBoxBuffer(4);
    const n = lodBoxes(start, end, (i) => i % 2, 0, N, 0, 1, out);
    expect(n).toBeLessThanOrEqual(101);
    expect(n).toBeGreaterThanOrEqual(99);
    // Boxes mixing colours are marked -1; all spans are accounted for, in order, without overlap.
    expect(Array.from(out.color.subarray(0, n)).every((c) => c === -1)).toBe(true);
    let covered = 0;
    for (let k = 0; k < n; k++) {
      expect(out.first[k]).toBe(covered);
      covered += out.count[k]!;
      if (k > 0) expect(out.x0[k]!).toBeGreaterThanOrEqual(out.x1[k - 1]! - 1e-9);
    }
    expect(covered).toBe(N);
  });
  it('keeps tiny spans separated by visible gaps apart', () => {
    const out = createBoxBuffer(4);
    const n = lodBoxes(f64([0, 10, 20]), f64([0.2, 10.2, 20.2]), () => 0, 0, 3, 0, 1, out);
    expect(n).toBe(3);
    expect(Array.from(out.x1.subarray(0, n)).map((x, k) => x - out.x0[k]!)).toEqual([1, 1, 1]);
  });
  it('closes a merged box before a wide span', () => {
    const out = createBoxBuffer(4);
    const n = lodBoxes(f64([0, 0.3, 0.6, 5]), f64([0.2, 0.5, 0.8, 50]), () => 0, 0, 4, 0, 1, out);
    expect(n).toBe(2);
    expect(out.count[0]).toBe(3);
    expect(out.first[1]).toBe(3);
  });
});

describe('counterSteps', () => {
  it('keeps one step per sample when samples are far apart', () => {
    const xs = new Float64Array(64);
    const vs = new Float64Array(64);
    const n = counterSteps(f64([0, 10, 20]), f64([1, 5, 2]), 0, 30, 1, xs, vs);
    expect(n).toBe(3);
    expect(Array.from(xs.subarray(0, n))).toEqual([0, 10, 20]);
    expect(Array.from(vs.subarray(0, n))).toEqual([1, 5, 2]);
  });
  it('shows the max of a crowded pixel column, then the last value', () => {
    const xs = new Float64Array(64);
    const vs = new Float64Array(64);
    const n = counterSteps(f64([0, 0.2, 0.4, 0.6, 5]), f64([1, 9, 3, 2, 4]), 0, 10, 1, xs, vs);
    expect(Array.from(vs.subarray(0, n))).toEqual([9, 2, 4]);
    expect(Array.from(xs.subarray(0, n))).toEqual([0, 1, 5]);
  });
  it('starts from the sample holding at the window start', () => {
    const xs = new Float64Array(64);
    const vs = new Float64Array(64);
    const n = counterSteps(f64([0, 100, 200]), f64([1, 7, 3]), 150, 250, 1, xs, vs);
    expect(Array.from(vs.subarray(0, n))).toEqual([7, 3]);
    expect(xs[0]).toBe(0);
    expect(xs[1]).toBe(50);
  });
});

describe('occupancy', () => {
  it('adds fractional coverage to bins', () => {
    const bins = new Float64Array(4);
    addCoverage(f64([5, 25]), f64([15, 40]), 0, 2, 0, 10, bins);
    expect(Array.from(bins)).toEqual([5, 5, 5, 10]);
  });
  it('gives the busy fraction of a group per pixel, zoomed out and zoomed in', () => {
    // Two tracks: one busy over [0, 100), the other over [50, 100).
    const lanes = [
      { start: f64([0]), end: f64([100]), lo: 0, hi: 1 },
      { start: f64([50]), end: f64([100]), lo: 0, hi: 1 },
    ];
    const occ = new Occupancy(lanes, 2, 0, 100, 64);
    const out = new Float32Array(4);
    occ.fractions(0, 25, 4, out);
    expect(Array.from(out).map((v) => Math.round(v * 100) / 100)).toEqual([0.5, 0.5, 1, 1]);
    occ.fractions(40, 0.5, 4, out); // finer than the bins: exact
    expect(Array.from(out)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(occ.fractionBetween(50, 60)).toBeCloseTo(1, 5);
  });
});
