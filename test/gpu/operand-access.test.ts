import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { pullBytesPerClock, rowAccessBytes, tmaLoads } from '../../devices/gpu/operand-access.ts';
import { estimateGemmNs, fittedTiles, gemmPlans, TILE_CANDIDATES, tileName } from '../../devices/gpu/gemm-plan.ts';
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
  it("takes the library's widest access every row pitch allows (k and n; never m): 16 or 4 bytes, else one element", () => {
    const cases: [number, number, number, number][] = [
      // k, n, element bytes, access bytes
      [4096, 4096, 2, 16],
      [4104, 4096, 2, 16], // 8 fp16 = 16 B
      [4100, 4096, 2, 4], // 8-byte rows: no 8-byte build, the 4-byte one runs (cuBLAS on the H200)
      [4098, 4096, 2, 4],
      [4097, 4096, 2, 2],
      [4096, 50257, 2, 2], // GPT-2's vocabulary as the LM head's n
      [4096, 4095, 1, 2], // fp8: charged as the 2-byte kernel (cuBLASLt wants 16-byte fp8 rows)
      [4095, 4096, 4, 4],
      [4094, 4096, 4, 4],
      [4094, 4096, 1, 2],
      [4092, 4096, 1, 4],
    ];
    for (const [k, n, bytes, expected] of cases) expect(rowAccessBytes({ k, n }, bytes), `k=${k} n=${n} ${bytes} B`).toBe(expected);
  });

  it('TMA loads need 16-byte rows, and only Hopper-style presets have them', () => {
    expect(tmaLoads(resolveDevice('h100-80gb'), { accessBytes: 16 })).toBe(true);
    expect(tmaLoads(resolveDevice('h100-80gb'), { accessBytes: 8 })).toBe(false);
    expect(tmaLoads(resolveDevice('h100-80gb'), { accessBytes: 16, mma: 'sync' })).toBe(false);
    expect(tmaLoads(resolveDevice('a100-80gb'), { accessBytes: 16 })).toBe(false);
  });

  it('a narrow access costs one of the SM\'s narrow accesses a clock, whatever its width', () => {
    const a100 = resolveDevice('a100-80gb');
    const rate = a100.sm.narrowAccessesPerClock;
    expect(pullBytesPerClock(a100, 16)).toBe(a100.sm.l2ToSmBytesPerClock);
    expect(pullBytesPerClock(a100, 4)).toBe(Math.min(a100.sm.l2ToSmBytesPerClock, rate * 4));
    expect(pullBytesPerClock(a100, 2)).toBe(Math.min(a100.sm.l2ToSmBytesPerClock, rate * 2));
    // The load/store units' own 32 a clock would leave 4-byte rows at the L2 port's rate.
    expect(pullBytesPerClock({ ...a100, sm: { ...a100.sm, narrowAccessesPerClock: 32 } }, 4)).toBe(a100.sm.l2ToSmBytesPerClock);
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
    // The narrow loads bind beyond mma.sync's rate (the H200 ran such shapes 5.6 to 6.2 times
    // slower: data/measured/gemm-alignment-h200.csv).
    const s = slowdown(aligned, odd);
    const sync = resolveDevice('h100-80gb').tensor.syncMmaFraction;
    expect(s).toBeGreaterThan(1 / sync + 0.5);
    // What-if: at the load/store units' own 32 accesses a clock the loads keep up, and the shape
    // is compute-bound: at most 1 / syncMmaFraction slower, less where the power limit held the
    // full-rate kernel back (a lighter kernel is throttled less).
    const lanes = { 'sm.narrowAccessesPerClock': 32 };
    const oddAtLanes = slowdown(aligned, gemm('h100-80gb', { m: 4096, n: 4096, k: 4095 }, lanes));
    expect(oddAtLanes).toBeGreaterThan(1.3);
    expect(oddAtLanes).toBeLessThanOrEqual(1 / sync + 0.05);
    // ... and mma.sync at the full rate leaves only the non-persistent kernels' cost.
    const fullRateSync = gemm('h100-80gb', { m: 4096, n: 4096, k: 4095 }, { ...lanes, 'tensor.syncMmaFraction': 1 });
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

  it('on the A100 narrow rows cost where the SM pull binds: 2-byte rows more than 4-byte rows', () => {
    const tile = { n: 4096, tile: '64x64x64', splitK: 1 };
    const aligned = gemm('a100-80gb', { m: 4096, k: 4096, ...tile });
    const eightBytes = gemm('a100-80gb', { m: 4096, k: 4092, ...tile });
    const twoBytes = gemm('a100-80gb', { m: 4096, k: 4095, ...tile });
    expect(eightBytes.config.accessBytes).toBe(4);
    expect(twoBytes.config.accessBytes).toBe(2);
    expect(twoBytes.config.mma).toBeUndefined(); // Ampere runs these kernels natively
    expect(slowdown(aligned, eightBytes)).toBeGreaterThan(1.2);
    expect(slowdown(eightBytes, twoBytes)).toBeGreaterThan(1.5);
    // fp32 rows of an odd k are 4-byte accesses too, but fp32 math (no tensor cores) is slow
    // enough that even the narrow pull keeps up.
    const fp32 = { n: 4096, tile: '64x64x32', splitK: 1, dtype: 'fp32' };
    const fp32Odd = gemm('a100-80gb', { m: 2048, k: 4095, ...fp32 });
    expect(fp32Odd.config.accessBytes).toBe(4);
    expect(slowdown(gemm('a100-80gb', { m: 2048, k: 4096, ...fp32 }), fp32Odd)).toBeLessThan(1.02);
    // What-if: at the load/store units' own rate, 4-byte rows would pull at the L2 port's rate.
    const lanes = { 'sm.narrowAccessesPerClock': 32 };
    expect(Math.abs(slowdown(gemm('a100-80gb', { m: 4096, k: 4096, ...tile }, lanes), gemm('a100-80gb', { m: 4096, k: 4092, ...tile }, lanes)) - 1)).toBeLessThan(0.01);
  });

  it('an op may force the previous generation (mma: "sync"); anything else is named', () => {
    const forced = gemm('h100-80gb', { m: 4096, n: 4096, k: 4096, mma: 'sync' });
    expect(forced.config).toMatchObject({ mma: 'sync' });
    expect(forced.config.accessBytes).toBeUndefined();
    expect(slowdown(gemm('h100-80gb', { m: 4096, n: 4096, k: 4096 }), forced)).toBeGreaterThan(1.3);
    expect(gemm('a100-80gb', { m: 4096, n: 4096, k: 4096, mma: 'sync' }).config.mma).toBeUndefined();
    expect(() => gemm('h100-80gb', { m: 64, n: 64, k: 64, mma: 'wgmma' })).toThrow(/field "workload\.ops\.0\.mma" = "wgmma": expected "sync"/);
  });

  it('the heuristic weighs the slower loads: 2-byte rows slow every tile, most the one that reads most per FLOP', () => {
    const a100 = resolveDevice('a100-80gb');
    const op = (k: number) => GemmOpSchema.parse({ type: 'gemm', m: 4096, n: 4096, k });
    const estimate = (k: number, tile: string) => estimateGemmNs(a100, op(k), TILE_CANDIDATES.find((t) => tileName(t) === tile)!, 1, 1);
    const small = estimate(4095, '64x64x64') / estimate(4096, '64x64x64');
    const big = estimate(4095, '128x256x64') / estimate(4096, '128x256x64');
    expect(big).toBeGreaterThan(1.2);
    expect(small).toBeGreaterThan(big);
  });
});

describe('m-fitted tiles (sm.mFittedTiles, as cuBLAS 13 on Hopper)', () => {
  it('weighs tiles whose m side fits m in steps of 8 (on for the h200 preset); off, only the fixed tiles', () => {
    const h200 = resolveDevice('h200');
    const rows = fittedTiles(h200, 104, 'fp16').map((t) => t.tileM);
    expect([...new Set(rows)]).toEqual([104, 56, 40, 32, 24, 16]);
    for (const t of fittedTiles(h200, 4096, 'fp16')) expect(t.tileM).toBeLessThanOrEqual(256);
    expect(fittedTiles(h200, 4096, 'fp16')).toEqual([]);
    // The heuristic weighs them only with the flag.
    const op = GemmOpSchema.parse({ type: 'gemm', m: 104, n: 8192, k: 2048 });
    const weighed = (spec: typeof h200) => new Set(gemmPlans(spec, op, () => 1).map((p) => p.tile.tileM));
    expect(h200.sm.mFittedTiles).toBe(true); // the cuBLAS 13 it was measured with
    expect(weighed(h200).has(104)).toBe(true);
    expect(weighed({ ...h200, sm: { ...h200.sm, mFittedTiles: false } }).has(104)).toBe(false);
    expect(weighed(resolveDevice('h100-80gb')).has(104)).toBe(false);
  });
});

describe('m-fitted tiles and misaligned rows', () => {
  it('a misaligned shape on the h200 weighs only the fixed tiles of the older kernels it runs', () => {
    const h200 = resolveDevice('h200');
    const rows = (k: number) => new Set(gemmPlans(h200, GemmOpSchema.parse({ type: 'gemm', m: 104, n: 8192, k }), () => 1).map((p) => p.tile.tileM));
    expect(rows(8192).has(104)).toBe(true);
    expect(rows(8191).has(104)).toBe(false);
  });
});
