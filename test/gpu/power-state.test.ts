import { describe, expect, it } from 'vitest';
import { parseMeasuredCsv } from '../../devices/validation/measured.ts';
import { predictRow, skipReason } from '../../devices/validation/predict.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { settledAfterHeater } from '../../devices/gpu/spec.ts';

const rowsOf = (lines: string[]) => parseMeasuredCsv(['device,op,dtype,m,n,k,measured_us,source,timing,a_zero_fraction,preheat_ms', ...lines].join('\n'), 't.csv').rows;

describe('power state: rows timed after a heater GEMM (column preheat_ms, efficiency.settledPowerFraction)', () => {
  it('a preheated row runs in the settled state: slower where the power limit binds, and zeros buy nothing back', () => {
    const [plain, heated, heatedZero, plainZero] = rowsOf([
      'h200,gemm,fp16,4096,8192,8192,800,x,graph,0,0',
      'h200,gemm,fp16,4096,8192,8192,800,x,graph,0,150',
      'h200,gemm,fp16,4096,8192,8192,800,x,graph,1,150',
      'h200,gemm,fp16,4096,8192,8192,800,x,graph,1,0',
    ]);
    const t = (r: typeof plain) => predictRow(r!).predictedUs;
    // A compute-bound GEMM at the power limit: time scales with 1 / powerFraction, 0.88 -> 0.7428.
    const spec = resolveDevice('h200');
    expect(t(heated) / t(plain)).toBeGreaterThan(1.1);
    expect(t(heated) / t(plain)).toBeLessThanOrEqual(spec.efficiency.powerFraction / spec.efficiency.settledPowerFraction! + 1e-9);
    // The heater's random data set the clock: an all-zero A is no faster there, but is without one.
    expect(t(heatedZero)).toBe(t(heated));
    expect(t(plainZero)).toBeLessThan(t(plain));
    expect(settledAfterHeater(resolveDevice('a100-80gb'))).toBeUndefined();
  });

  it('a preheated row on a part without a settled measurement, or a bad cell, is skipped with the column named', () => {
    const [a100, bad] = rowsOf(['a100-80gb,gemm,fp16,4096,8192,8192,800,x,events,0,150', 'h200,gemm,fp16,4096,8192,8192,800,x,graph,0,warm']);
    expect(skipReason(a100!)).toBe('column "preheat_ms" = "150": device a100-80gb has no efficiency.settledPowerFraction (its settled power state); expected 0, or --set efficiency.settledPowerFraction=F');
    expect(skipReason(a100!, { 'efficiency.settledPowerFraction': 0.8 })).toBeNull();
    expect(skipReason(bad!)).toBe('column "preheat_ms" = "warm": expected a number of milliseconds >= 0');
  });
});
