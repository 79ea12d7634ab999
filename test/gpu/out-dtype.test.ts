import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { parseMeasuredCsv } from '../../devices/validation/measured.ts';
import { skipReason } from '../../devices/validation/predict.ts';

function gemm(op: Record<string, unknown>) {
  return runScenario(parseScenario({ name: 't', device: 'h100-80gb', workload: { ops: [{ type: 'gemm', ...op }] } })).summary.ops[0]!;
}

describe('GEMM output element type (outDtype)', () => {
  it('an fp8 product writing bf16 moves the compulsory bytes: fp8 operands, two-byte output', () => {
    const [m, n, k] = [1024, 1024, 1024];
    const fp8 = gemm({ m, n, k, dtype: 'fp8', tile: '128x128x64', splitK: 1 });
    const bf16Out = gemm({ m, n, k, dtype: 'fp8', outDtype: 'bf16', tile: '128x128x64', splitK: 1 });
    // Everything fits in L2: DRAM bytes are the operands once plus the output once.
    expect(fp8.dramBytes).toBeCloseTo((m * k + k * n) * 1 + m * n * 1, 0);
    expect(bf16Out.dramBytes).toBeCloseTo((m * k + k * n) * 1 + m * n * 2, 0);
    expect(bf16Out.config?.outDtype).toBe('bf16');
    expect(fp8.config?.outDtype).toBeUndefined();
  });

  it('a store-bound product takes longer when its output is wider', () => {
    const narrow = gemm({ m: 8192, n: 8192, k: 128, dtype: 'fp8' });
    const wide = gemm({ m: 8192, n: 8192, k: 128, dtype: 'fp8', outDtype: 'fp32' });
    expect(wide.durationNs).toBeGreaterThan(narrow.durationNs * 1.5);
  });

  it('a measured-data row names a bad out_dtype by its column', () => {
    const csv = 'device,op,dtype,m,n,k,out_dtype,measured_us,source\nh100-80gb,gemm,fp8,64,64,64,int4,5,t\n';
    const { rows } = parseMeasuredCsv(csv, 't.csv');
    expect(skipReason(rows[0]!)).toMatch(/column "out_dtype" = "int4": expected one of fp16, bf16, fp8, tf32, fp32/);
  });
});
