import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { GpuDevice } from '../../devices/gpu/gpu-device.ts';
import { lowerToKernels } from '../../devices/gpu/lower.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { Simulation, TraceRecorder } from '../../sim/index.ts';
import { GemmOpSchema } from '../../workloads/ops.ts';
import { simulateStep } from '../../cli/commands/llm.ts';
import { loadModel } from '../../workloads/transformer/config.ts';

const GEMM = { type: 'gemm', m: 8192, n: 8192, k: 8192 };

function longRun(device: string, count: number, set: Record<string, unknown> = {}) {
  const ops = Array.from({ length: count }, (_, i) => ({ ...GEMM, name: `g${i}`, after: i === 0 ? [] : [`g${i - 1}`] }));
  return runScenario(parseScenario({ name: 't', device, deviceOverrides: set, workload: { ops } }));
}

/**
 * The time (ns) of one GEMM after a settling run of 40 and then either `idleNs` of idle or
 * `gemvs` weight-streaming GEMVs back to back (memory-bound: the SMs well below the power limit).
 */
function afterIdle(idleNs: number, gemvs = 0): number {
  const sim = new Simulation();
  const gpu = new GpuDevice(sim, resolveDevice('h200'), new TraceRecorder(), 'none');
  const op = GemmOpSchema.parse({ ...GEMM, name: 'g' });
  const durations: number[] = [];
  sim.process((function* () {
    for (let i = 0; i < 40; i++) yield gpu.launch(lowerToKernels(gpu, op, 'gemm')[0]!);
    yield sim.timeout(idleNs);
    const gemv = GemmOpSchema.parse({ type: 'gemm', name: 'v', m: 1, n: 32768, k: 32768 });
    for (let i = 0; i < gemvs; i++) for (const kernel of lowerToKernels(gpu, gemv, 'gemv')) yield gpu.launch(kernel);
    const r = yield gpu.launch(lowerToKernels(gpu, op, 'gemm')[0]!);
    durations.push(r.endNs - r.startNs);
  })());
  sim.run();
  return durations[0]!;
}

describe('power state over time (efficiency.settleAfterNs, settleResetIdleNs)', () => {
  it('a long busy stretch settles at settledPowerFraction after settleAfterNs: later GEMMs are slower', () => {
    const { summary } = longRun('h200', 45);
    const ops = summary.ops;
    const first = ops[0]!.durationNs;
    const last = ops[ops.length - 1]!.durationNs;
    const spec = resolveDevice('h200').efficiency;
    // A dense compute-bound GEMM at the power limit: time ~ 1 / powerFraction (0.88 -> 0.7428).
    expect(last / first).toBeGreaterThan(1.12);
    expect(last / first).toBeLessThanOrEqual(spec.powerFraction / spec.settledPowerFraction! + 1e-9);
    // Unsettled up to 50 ms into the hot stretch (which starts once the averaged utilization
    // crosses its threshold, within the first kernel), settled after.
    const firstSlow = ops.findIndex((o) => o.durationNs > first * 1.001);
    expect(ops[firstSlow]!.startNs).toBeLessThan(spec.settleAfterNs! + first);
    expect(ops[firstSlow]!.startNs + ops[firstSlow]!.durationNs).toBeGreaterThan(spec.settleAfterNs!);
  });

  it('a run shorter than settleAfterNs runs as if it never settled; a longer one shows the switch in its trace', () => {
    const never = { 'efficiency.settleAfterNs': 1e12 };
    expect(longRun('h200', 20).summary.ops.map((o) => o.durationNs)).toEqual(longRun('h200', 20, never).summary.ops.map((o) => o.durationNs));
    expect(longRun('h200', 45).summary.ops.map((o) => o.durationNs)).not.toEqual(longRun('h200', 45, never).summary.ops.map((o) => o.durationNs));
    // The trace shows the switch as a counter.
    const trace = JSON.stringify(longRun('h200', 45).trace);
    expect(trace).toContain('power limit (% of full SM rate)');
    // The run ends when its last GEMM does: no pending settle event stretches it.
    const { summary } = longRun('h200', 20);
    expect(summary.simulatedTimeNs).toBe(summary.ops[19]!.startNs + summary.ops[19]!.durationNs);
  });

  it('an idle or memory-bound spell of settleResetIdleNs gives the unsettled state back; a shorter one does not', () => {
    const fresh = longRun('h200', 1).summary.ops[0]!.durationNs;
    const settledNs = afterIdle(10e6);
    expect(settledNs / fresh).toBeGreaterThan(1.12);
    expect(afterIdle(40e6) / fresh).toBeCloseTo(1, 9);
    // A memory-bound phase is as good as idle: the controller answers power, not residency
    // (measured: device-to-device copies give the clock back as idle does).
    expect(afterIdle(0, 150) / fresh).toBeCloseTo(1, 9);
    expect(afterIdle(0, 10) / fresh).toBeGreaterThan(1.12);
  });

  it('tilewave llm --layers one counts the repeated layers past the settling point as settled, as --layers all simulates them', () => {
    const model = loadModel('llama2-7b');
    const step = (layers: 'all' | 'one', sets: [string, unknown][] = []) => simulateStep(model, { phase: 'prefill', batch: 8, seq: 2048, layers }, { device: 'h100-80gb', sets, traceDetail: 'none' });
    const all = step('all');
    const one = step('one');
    expect(all.stepTimeNs).toBeGreaterThan(100e6);
    expect(Math.abs(one.stepTimeNs / all.stepTimeNs - 1)).toBeLessThan(0.005);
    // Without the settling, one layer counted for all is the old extrapolation, and faster.
    const never = step('one', [['efficiency.settleAfterNs', 1e15]]);
    expect(never.stepTimeNs).toBeLessThan(one.stepTimeNs * 0.95);
    const mlp = (r: typeof one) => r.breakdown.find((b) => b.role === 'mlp_up')!.timeNs;
    expect(Math.abs(mlp(one) / mlp(all) - 1)).toBeLessThan(0.005);
  });

  it('the three fields come together, or the spec names what is missing', () => {
    expect(() => longRun('a100-80gb', 1, { 'efficiency.settleAfterNs': 5e7 })).toThrow(/settleAfterNs, settleResetIdleNs and settledPowerFraction together/);
  });
});
