import { describe, expect, it } from 'vitest';
import { gemmCandidates } from '../../devices/gpu/gemm-candidates.ts';
import { gemmKernel } from '../../devices/gpu/gemm-kernel.ts';
import { gemmPlans, type GemmPlan } from '../../devices/gpu/gemm-plan.ts';
import { GpuDevice } from '../../devices/gpu/gpu-device.ts';
import type { GpuSpec } from '../../devices/gpu/spec.ts';
import { presetIds, resolveDevice } from '../../devices/presets.ts';
import { Simulation, TraceRecorder } from '../../sim/index.ts';
import { GemmOpSchema } from '../../workloads/index.ts';

const plansOf = (spec: GpuSpec, op: ReturnType<typeof GemmOpSchema.parse>): GemmPlan[] => {
  const gpu = new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none');
  return gemmPlans(spec, op, gpu.occupancy.bind(gpu));
};

describe('stream-K GEMM (the sm.streamKGemm what-if)', () => {
  // 96 tiles of 128x64 on the A40's 84 SMs, one CTA per SM: data-parallel takes two rounds.
  const op = GemmOpSchema.parse({ type: 'gemm', m: 512, n: 1536, k: 4096 });

  it('is off on every preset', () => {
    for (const id of presetIds()) {
      const spec = resolveDevice(id);
      expect(spec.sm.streamKGemm).toBe(false);
      expect(plansOf(spec, op).some((p) => p.streamK)).toBe(false);
    }
  });

  it('spreads a partial second wave over every SM: close to 96/84 of a tile time, not two', () => {
    const spec = resolveDevice('a40', { 'sm.streamKGemm': true });
    const sims = gemmCandidates(spec, op).candidates.filter((c) => c.tile === '128x64x64' && c.splitK === 1);
    const dp = sims.find((c) => !c.streamK)!;
    const sk = sims.find((c) => c.streamK)!;
    expect(dp.waves).toBeCloseTo(96 / 84, 2);
    expect(sk.workItems).toBe(84);
    // Two rounds against 1.14 of a round, less the fix-up traffic and the fill of extra segments.
    expect(sk.simulatedUs / dp.simulatedUs).toBeLessThan(0.7);
    expect(sk.simulatedUs / dp.simulatedUs).toBeGreaterThan(96 / 84 / 2);
  });

  it('walks every K iteration of every tile once; operand, partial and output bytes add up', () => {
    const spec = resolveDevice('a40', { 'sm.streamKGemm': true }) as GpuSpec;
    // Edge tiles in m and n, two batches, k not a multiple of the tile's K.
    const edge = GemmOpSchema.parse({ type: 'gemm', m: 300, n: 1000, k: 3000, batch: 2 });
    const plan = plansOf(spec, edge).find((p) => p.streamK && p.tile.tileM === 128 && p.tile.tileN === 64 && p.tile.tileK === 64)!;
    const kernel = gemmKernel(spec, edge, plan, 'g');
    const [gridM, gridN, kIters] = [3, 16, Math.ceil(3000 / 64)];
    expect(kernel.ctaCount).toBe(plan.slots);
    const iterations = new Map<string, number>();
    let aBytes = 0;
    let bBytes = 0;
    let stored = 0;
    for (let c = 0; c < kernel.ctaCount; c++) {
      const cta = kernel.cta(c);
      for (let step = 0; step < cta.steps; step++) {
        const loads = cta.loads(step);
        for (let i = 0; i < loads.length; i += 2) {
          aBytes += loads[i]!.bytes;
          bBytes += loads[i + 1]!.bytes;
        }
        stored += cta.stepStoreBytes!(step);
        const seg = cta.segmentEnd!(step);
        if (seg === null) continue;
        const key = `${seg.args!.batch} ${seg.args!.tile}`;
        iterations.set(key, (iterations.get(key) ?? 0) + Number(seg.args!.iterations));
      }
    }
    expect(iterations.size).toBe(2 * gridM * gridN);
    expect([...iterations.values()].every((n) => n === kIters)).toBe(true);
    // Each tile reads its whole A rows and B columns once, edge tiles their real extent only.
    expect(aBytes).toBe(2 * 300 * 3000 * 2 * gridN);
    expect(bBytes).toBe(2 * 1000 * 3000 * 2 * gridM);
    // The output once, and every cut tile's fp32 partials written and read back.
    expect(stored).toBeGreaterThan(2 * 300 * 1000 * 2);
    expect(stored).toBeLessThan(2 * 300 * 1000 * 2 + 2 * kernel.ctaCount * 128 * 64 * 4 * 2);
  });
});
