import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gemmCandidates } from '../../devices/gpu/gemm-candidates.ts';
import { gemmPlans, planGemm } from '../../devices/gpu/gemm-plan.ts';
import { GpuDevice } from '../../devices/gpu/gpu-device.ts';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { Simulation, TraceRecorder } from '../../sim/index.ts';
import { GemmOpSchema } from '../../workloads/index.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs');
const tilewave = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const gemmOp = (op: Record<string, unknown>) => GemmOpSchema.parse({ type: 'gemm', ...op });

describe('GEMM kernel candidates', () => {
  it("the heuristic's plan is the first fastest estimate among the plans it weighs", () => {
    for (const [device, m, n, k] of [['h100-80gb', 640, 8192, 4096], ['a40', 192, 2752, 4096], ['a100-80gb', 16, 4096, 11008]] as const) {
      const spec = resolveDevice(device);
      const gpu = new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none');
      const op = gemmOp({ m, n, k });
      const plans = gemmPlans(spec, op, (r) => gpu.occupancy(r));
      const plan = planGemm(spec, op, (r) => gpu.occupancy(r));
      const best = Math.min(...plans.map((p) => p.estimatedNs));
      expect(plan.estimatedNs).toBe(best);
      expect(plans.find((p) => p.estimatedNs === best)).toEqual(plan);
    }
  });

  it('64-row tiles past m = 64 only with the sm.smallMTilesAtAnyM what-if', () => {
    const op = gemmOp({ m: 192, n: 2752, k: 4096 });
    const rowsOf = (spec: ReturnType<typeof resolveDevice>) => {
      const gpu = new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none');
      return new Set(gemmPlans(spec, op, (r) => gpu.occupancy(r)).map((p) => p.tile.tileM));
    };
    expect(rowsOf(resolveDevice('a40')).has(64)).toBe(false);
    const whatIf = resolveDevice('a40', { 'sm.smallMTilesAtAnyM': true });
    expect(rowsOf(whatIf).has(64)).toBe(true);
    // Here the 64-row tile is what the library evidently ran (55 µs measured; 87 µs with 128-row tiles).
    const { timeNs, configs } = simulateOpAlone(whatIf, op);
    expect(configs.map((c) => c.tile)).toEqual(['64x128x64']);
    expect(timeNs).toBeLessThan(simulateOpAlone(resolveDevice('a40'), op).timeNs * 0.7);
  });

  it('simulates every plan; the pick is the kernel a plain run simulates, and the list is fastest first', () => {
    const spec = resolveDevice('h100-80gb');
    const op = gemmOp({ m: 640, n: 8192, k: 4096 });
    const { candidates, omitted } = gemmCandidates(spec, op);
    expect(omitted).toBe(0);
    expect(candidates.length).toBeGreaterThan(20);
    const chosen = candidates.filter((c) => c.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.simulatedUs).toBeCloseTo(simulateOpAlone(spec, op).timeNs / 1e3, 9);
    for (let i = 1; i < candidates.length; i++) expect(candidates[i]!.simulatedUs).toBeGreaterThanOrEqual(candidates[i - 1]!.simulatedUs);
    // Configs really differ: the slowest is far from the fastest, and split-K configs are among them.
    expect(candidates.at(-1)!.simulatedUs).toBeGreaterThan(1.5 * candidates[0]!.simulatedUs);
    expect(candidates.some((c) => c.splitK > 1)).toBe(true);
    expect(candidates.some((c) => c.tailSplit > 1 && c.persistent)).toBe(true);
  });

  it('a forced tile narrows the candidates to that tile', () => {
    const spec = resolveDevice('a100-80gb');
    const { candidates } = gemmCandidates(spec, gemmOp({ m: 512, n: 4096, k: 4096, tile: '128x128x64' }));
    expect(new Set(candidates.map((c) => c.tile))).toEqual(new Set(['128x128x64']));
    expect(candidates.length).toBeGreaterThan(1);
  });

  it('tilewave gemm --candidates lists them (JSON or text) and refuses output files', () => {
    const r = tilewave(['gemm', '--device', 'a100-80gb', '--m', '4096', '--n', '4096', '--k', '4096', '--candidates', '--json']);
    expect(r.status, r.stderr).toBe(0);
    // Same inputs, byte-identical output.
    expect(tilewave(['gemm', '--device', 'a100-80gb', '--m', '4096', '--n', '4096', '--k', '4096', '--candidates', '--json']).stdout).toBe(r.stdout);
    const out = JSON.parse(r.stdout);
    expect(out.schema).toBe('tilewave.gemm-candidates');
    expect(out.candidates.filter((c: { chosen: boolean }) => c.chosen)).toHaveLength(1);
    const plain = JSON.parse(tilewave(['gemm', '--device', 'a100-80gb', '--m', '4096', '--n', '4096', '--k', '4096', '--json']).stdout);
    const pick = out.candidates.find((c: { chosen: boolean }) => c.chosen);
    expect(pick.tile).toBe(plain.ops[0].config.tile);
    expect(pick.simulatedUs).toBeCloseTo(plain.simulatedTimeNs / 1e3, 2);
    const text = tilewave(['gemm', '--device', 'a100-80gb', '--m', '4096', '--n', '4096', '--k', '4096', '--candidates']);
    expect(text.stdout).toContain(`* ${pick.tile}`);
    const bad = tilewave(['gemm', '--device', 'a100-80gb', '--m', '64', '--n', '64', '--k', '64', '--candidates', '--trace', 'x.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--candidates/);
  });
});
