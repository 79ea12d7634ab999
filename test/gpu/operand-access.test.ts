import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { LOAD_STORE_LANES_PER_CLOCK, pullBytesPerClock, rowAccessBytes, tmaLoads } from '../../devices/gpu/operand-access.ts';
import { estimateGemmNs, TILE_CANDIDATES, tileName } from '../../devices/gpu/gemm-plan.ts';
import { GemmOpSchema } from '../../workloads/index.ts';

function gemm(device: string, op: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const r = runScenario(parseScenario({ name: 't', device, deviceOverrides: overrides, traceDetail: 'none', workload: { ops: [{ type: 'gemm', ...op }] } }));
  return { ns: r.summary.simulatedTimeNs, config: r.summary.ops[0]!.config as Record<string, unknown>, flops: r.summary.totals.flops };
}

/** Time per useful FLOP of `b` over `a`: the slowdown, with the FLOPs' own change taken out. */
function slowdown(a: { ns: number; flops: number }, b: { ns: number; flops: number }): number {
  return b.ns / b.flops / (a.ns / a.flops);
}

describe('operand row alignment', () => {
  it('takes the widest access every row pitch allows (k and n; never m)', () => {
    const cases: [number, number, number, number][] = [
      // k, n, element bytes, access bytes
      [4096, 4096, 2, 16],
      [4104, 4096, 2, 16], // 8 fp16 = 16 B
      [4100, 4096, 2, 8],
      [4098, 4096, 2, 4],
      [4097, 4096, 2, 2],
      [4096, 50257, 2, 2], // GPT-2's vocabulary as the LM head's n
      [4096, 4095, 1, 1],
      [4095, 4096, 4, 4],
      [4094, 4096, 4, 8],
    ];
    for (const [k, n, bytes, expected] of cases) expect(rowAccessBytes({ k, n }, bytes), `k=${k} n=${n} ${bytes} B`).toBe(expected);
  });

  it('TMA loads need 16-byte rows, and only Hopper-style presets have them', () => {
    expect(tmaLoads(resolveDevice('h100-80gb'), { accessBytes: 16 })).toBe(true);
    expect(tmaLoads(resolveDevice('h100-80gb'), { accessBytes: 8 })).toBe(false);
    expect(tmaLoads(resolveDevice('h100-80gb'), { accessBytes: 16, mma: 'sync' })).toBe(false);
    expect(tmaLoads(resolveDevice('a100-80gb'), { accessBytes: 16 })).toBe(false);
  });

  it('narrow accesses below cp.async size take two load/store passes', () => {
    const a100 = resolveDevice('a100-80gb');
    expect(pullBytesPerClock(a100, 16)).toBe(a100.sm.l2ToSmBytesPerClock);
    expect(pullBytesPerClock(a100, 4)).toBe(Math.min(a100.sm.l2ToSmBytesPerClock, LOAD_STORE_LANES_PER_CLOCK * 4));
    expect(pullBytesPerClock(a100, 2)).toBe((LOAD_STORE_LANES_PER_CLOCK * 2) / 2);
    expect(pullBytesPerClock(a100, 1)).toBe(LOAD_STORE_LANES_PER_CLOCK / 2);
  });

  it('an aligned shape records nothing new in its config', () => {
    const { config } = gemm('h100-80gb', { m: 2048, n: 4096, k: 4096 });
    expect(config.accessBytes).toBeUndefined();
    expect(config.mma).toBeUndefined();
  });

  it('on the H100 a misaligned shape runs mma.sync kernels, one CTA per tile', () => {
    const aligned = gemm('h100-80gb', { m: 4096, n: 4096, k: 4096 });
    const odd = gemm('h100-80gb', { m: 4096, n: 4096, k: 4095 });
    expect(odd.config).toMatchObject({ accessBytes: 2, mma: 'sync' });
    expect(odd.config.persistent).toBeUndefined();
    // Compute-bound: at most 1 / syncMmaFraction slower, less where the power limit held the
    // full-rate kernel back (a lighter kernel is throttled less).
    const s = slowdown(aligned, odd);
    const sync = resolveDevice('h100-80gb').tensor.syncMmaFraction;
    expect(s).toBeGreaterThan(1.3);
    expect(s).toBeLessThanOrEqual(1 / sync + 0.05);
    // What-if: mma.sync at the full rate leaves only the non-persistent kernels' cost.
    const fullRateSync = gemm('h100-80gb', { m: 4096, n: 4096, k: 4095 }, { 'tensor.syncMmaFraction': 1 });
    expect(slowdown(aligned, fullRateSync)).toBeLessThan(1.1);
    // A row pitch of 8 fp16 (16 B) is enough for TMA.
    expect(gemm('h100-80gb', { m: 4096, n: 4096, k: 4104 }).config.mma).toBeUndefined();
  });

  it("on the B200 a misaligned shape loses the CTA pairs TMA feeds", () => {
    expect(gemm('b200', { m: 8192, n: 8192, k: 8192 }).config.pairedCta).toBe(true);
    const odd = gemm('b200', { m: 8192, n: 8192, k: 8191 });
    expect(odd.config.pairedCta).toBeUndefined();
    expect(odd.config.mma).toBe('sync');
  });

  it('on the A100 only sub-4-byte rows cost, and only where the SM pull binds', () => {
    // 64x64 tiles read the most bytes per FLOP: their pull binds when it halves.
    const tile = { n: 4096, tile: '64x64x64', splitK: 1 };
    const aligned = gemm('a100-80gb', { m: 4096, k: 4096, ...tile });
    const eightBytes = gemm('a100-80gb', { m: 4096, k: 4092, ...tile });
    const twoBytes = gemm('a100-80gb', { m: 4096, k: 4095, ...tile });
    expect(eightBytes.config.accessBytes).toBe(8);
    expect(Math.abs(slowdown(aligned, eightBytes) - 1)).toBeLessThan(0.01);
    expect(twoBytes.config.mma).toBeUndefined();
    expect(slowdown(aligned, twoBytes)).toBeGreaterThan(1.2);
    // The big tiles the heuristic picks stay compute-bound at half the pull.
    const big = { n: 4096, tile: '128x256x64', splitK: 1 };
    expect(slowdown(gemm('a100-80gb', { m: 4096, k: 4096, ...big }), gemm('a100-80gb', { m: 4096, k: 4095, ...big }))).toBeLessThan(1.02);
    // fp32 rows are always 4-byte aligned: cp.async copies them as they are.
    const fp32 = { n: 4096, tile: '64x64x32', splitK: 1, dtype: 'fp32' };
    expect(Math.abs(slowdown(gemm('a100-80gb', { m: 2048, k: 4096, ...fp32 }), gemm('a100-80gb', { m: 2048, k: 4095, ...fp32 })) - 1)).toBeLessThan(0.01);
  });

  it('an op may force the previous generation (mma: "sync"); anything else is named', () => {
    const forced = gemm('h100-80gb', { m: 4096, n: 4096, k: 4096, mma: 'sync' });
    expect(forced.config).toMatchObject({ mma: 'sync' });
    expect(forced.config.accessBytes).toBeUndefined();
    expect(slowdown(gemm('h100-80gb', { m: 4096, n: 4096, k: 4096 }), forced)).toBeGreaterThan(1.3);
    expect(gemm('a100-80gb', { m: 4096, n: 4096, k: 4096, mma: 'sync' }).config.mma).toBeUndefined();
    expect(() => gemm('h100-80gb', { m: 64, n: 64, k: 64, mma: 'wgmma' })).toThrow(/field "workload\.ops\.0\.mma" = "wgmma": expected "sync"/);
  });

  it('the heuristic weighs the slower loads: a small tile estimate grows with 2-byte rows, a big one does not', () => {
    const a100 = resolveDevice('a100-80gb');
    const op = (k: number) => GemmOpSchema.parse({ type: 'gemm', m: 4096, n: 4096, k });
    const estimate = (k: number, tile: string) => estimateGemmNs(a100, op(k), TILE_CANDIDATES.find((t) => tileName(t) === tile)!, 1, 1);
    expect(estimate(4095, '64x64x64') / estimate(4096, '64x64x64')).toBeGreaterThan(1.2);
    expect(estimate(4095, '128x256x64') / estimate(4096, '128x256x64')).toBeLessThan(1.02);
  });
});
