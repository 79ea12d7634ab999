import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasuredCsv } from '../../devices/validation/measured.ts';
import { ROW_OPS, predictRow, skipReason } from '../../devices/validation/predict.ts';
import type { GemmOp } from '../../workloads/index.ts';

describe.each([
  { file: 'xla-matmul-h100.csv', device: 'h100-80gb', dtypes: ['bf16', 'tf32'] },
  { file: 'xla-matmul-b200.csv', device: 'b200', dtypes: ['bf16', 'tf32', 'fp8'] },
])("OpenXLA's matmul table: data/measured/$file", ({ file, device, dtypes }) => {
  const { rows, skipped } = parseMeasuredCsv(readFileSync(`data/measured/${file}`, 'utf8'), file);
  const sizes = ['256', '512', '1024', '2048', '4096'];
  const count = 375 * dtypes.length;

  it('holds the full grid: batch 1, 2, 4 x m, n, k 256..4096, in each dtype, on its device', () => {
    expect(skipped).toEqual([]);
    expect(rows).toHaveLength(count);
    expect(new Set(rows.map((r) => r.device))).toEqual(new Set([device]));
    const keys = new Set(rows.map((r) => `${r.dtype}/${r.extra.batch}/${r.m}/${r.n}/${r.k}`));
    expect(keys.size).toBe(count);
    for (const dtype of dtypes) for (const b of ['1', '2', '4']) for (const m of sizes) for (const n of sizes) for (const k of sizes) {
      expect(keys.has(`${dtype}/${b}/${m}/${n}/${k}`)).toBe(true);
    }
  });

  it('measured_us is the FLOPs over the TFLOP/s the table gives', () => {
    for (const row of rows) {
      const flops = 2 * Number(row.extra.batch) * row.m * row.n * row.k;
      // tflops carries one decimal: the derived time agrees to its rounding.
      expect(flops / (Number(row.extra.tflops) * 1e12) / (row.measuredUs * 1e-6)).toBeCloseTo(1, 1);
    }
  });

  it('every row is a batched GEMM that simulates, with the batch in its work', () => {
    for (const row of rows) {
      expect(skipReason(row)).toBeNull();
      expect(ROW_OPS.gemm!(row)).toMatchObject({ type: 'gemm', dtype: row.dtype, batch: Number(row.extra.batch) });
      // The table's FP8 products write bf16.
      expect((ROW_OPS.gemm!(row) as GemmOp).outDtype).toBe(row.dtype === 'fp8' ? 'bf16' : undefined);
    }
    const at = (batch: string) => rows.find((r) => r.dtype === 'bf16' && r.extra.batch === batch && r.m === 2048 && r.n === 2048 && r.k === 2048)!;
    // Four independent 2048^3 products fill the chip better than one: more time, not 4x.
    const one = predictRow(at('1')).predictedUs;
    const four = predictRow(at('4')).predictedUs;
    expect(four).toBeGreaterThan(2 * one);
    expect(four).toBeLessThan(4 * one);
  });
});
