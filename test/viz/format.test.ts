import { describe, expect, it } from 'vitest';
import { formatArg, formatBytes, formatDuration, formatFlopRate, formatSi } from '../../viz/app/format.ts';
import { axisTicks, formatTickNs } from '../../viz/app/time-axis.ts';

describe('formatDuration', () => {
  it('picks the unit that suits the size', () => {
    expect(formatDuration(0)).toBe('0 ns');
    expect(formatDuration(12)).toBe('12 ns');
    expect(formatDuration(0.25)).toBe('0.25 ns');
    expect(formatDuration(1234.6)).toBe('1.235 µs');
    expect(formatDuration(200_640.4)).toBe('200.6 µs');
    expect(formatDuration(1.5e6)).toBe('1.5 ms');
    expect(formatDuration(2.25e9)).toBe('2.25 s');
  });
});

describe('SI formatting (d3-format)', () => {
  it('writes prefixes with units', () => {
    expect(formatSi(1.37e11, 'FLOP')).toBe('137 GFLOP');
    expect(formatBytes(193_609_728)).toBe('194 MB');
    expect(formatFlopRate(6.85e14)).toBe('685 TFLOP/s');
    expect(formatSi(0, 'B')).toBe('0 B');
  });
  it('formats span args by their key', () => {
    expect(formatArg('bytes', 65536)).toBe('65.5 kB (65,536)');
    expect(formatArg('flops', 4.2e9)).toBe('4.2 GFLOP');
    expect(formatArg('tile', '3,7')).toBe('3,7');
    expect(formatArg('k', 4096)).toBe('4,096');
    expect(formatArg('waitNs', 1500)).toBe('1.5 µs');
    expect(formatArg('shape', { m: 1 })).toBe('{"m":1}');
  });
});

describe('time axis', () => {
  it('labels ticks in the unit of the step', () => {
    const a = axisTicks(0, 200_000, 8);
    expect(a.base).toBeUndefined();
    expect(a.ticks.map((t) => t.label)).toEqual(['0 µs', '20 µs', '40 µs', '60 µs', '80 µs', '100 µs', '120 µs', '140 µs', '160 µs', '180 µs', '200 µs']);
    expect(axisTicks(0, 3e6, 6).ticks[1]!.label).toBe('0.5 ms');
    expect(axisTicks(0, 50, 5).ticks.map((t) => t.label)).toEqual(['0 ns', '10 ns', '20 ns', '30 ns', '40 ns', '50 ns']);
    expect(axisTicks(0, 5e9, 5).ticks[1]!.label).toBe('1 s');
  });
  it('keeps decimals the step needs', () => {
    expect(formatTickNs(1500, 500)).toBe('1.5 µs');
    expect(formatTickNs(1250, 250)).toBe('1.25 µs');
  });
  it('switches to offsets from a base when zoomed deep into a long trace', () => {
    const a = axisTicks(1_200_000_000, 1_200_000_100, 5);
    expect(a.base).toBeDefined();
    expect(a.base!.label).toMatch(/^1\.2\d* s$/);
    expect(a.ticks[0]!.label.startsWith('+')).toBe(true);
    expect(a.ticks.every((t) => t.label.endsWith(' ns'))).toBe(true);
  });
  it('returns nothing for an empty window', () => {
    expect(axisTicks(5, 5, 10).ticks).toEqual([]);
  });
});
