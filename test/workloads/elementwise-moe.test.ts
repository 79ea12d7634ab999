import { describe, expect, it } from 'vitest';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { WorkloadOpSchema, elementwiseBytes, groupRows, imbalance, routeTokens, type GroupedGemmOp } from '../../workloads/index.ts';

const h100 = resolveDevice('h100-80gb');

describe('elementwise and reduction ops', () => {
  it.each([
    ['rmsnorm', 2],
    ['layernorm', 2],
    ['add', 3],
    ['swiglu', 3],
    ['softmax', 2],
  ] as const)('%s moves its tensors through DRAM exactly once (%d tensors)', (kind, tensors) => {
    const op = WorkloadOpSchema.parse({ type: 'elementwise', kind, rows: 4096, cols: 4096 });
    const r = simulateOpAlone(h100, op);
    const expected = tensors * 4096 * 4096 * 2;
    const b = elementwiseBytes({ kind, rows: 4096, cols: 4096 }, 2);
    expect(b.readBytes + b.writeBytes).toBe(expected);
    expect(r.kernels[0]!.dramBytes).toBe(expected);
    // Bandwidth-bound: within 25% of bytes over achievable DRAM bandwidth, plus launch overhead.
    const roofNs = (expected / (h100.memory.bandwidthBytesPerSecond * h100.efficiency.dramFraction)) * 1e9;
    expect(r.timeNs).toBeGreaterThan(roofNs);
    expect(r.timeNs).toBeLessThan(roofNs * 1.25 + h100.efficiency.kernelOverheadNs + 2000);
  });

  it('a tiny op costs the launch overhead', () => {
    const r = simulateOpAlone(h100, WorkloadOpSchema.parse({ type: 'elementwise', kind: 'add', rows: 1, cols: 4096 }));
    expect(r.timeNs).toBeGreaterThanOrEqual(h100.efficiency.kernelOverheadNs);
    expect(r.timeNs).toBeLessThan(h100.efficiency.kernelOverheadNs + 3000);
  });

  it('rejects unknown kinds with the allowed list', () => {
    const r = WorkloadOpSchema.safeParse({ type: 'elementwise', kind: 'tanh', rows: 1, cols: 1 });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/rmsnorm/);
  });
});

describe('MoE routing and grouped GEMM', () => {
  const routing = { tokens: 4096, experts: 8, topK: 2, distribution: 'uniform' as const, skew: 1, seed: 7 };

  it('token counts sum to tokens x topK and are seed-deterministic', () => {
    const a = routeTokens(routing);
    expect(a.reduce((x, y) => x + y, 0)).toBe(4096 * 2);
    expect(routeTokens(routing)).toEqual(a);
    expect(routeTokens({ ...routing, seed: 8 })).not.toEqual(a);
    // Each token picks distinct experts: no expert gets more than one slot per token.
    expect(Math.max(...a)).toBeLessThanOrEqual(4096);
  });

  it('skewed routing is more imbalanced than uniform', () => {
    const uniform = routeTokens(routing);
    const skewed = routeTokens({ ...routing, distribution: 'skewed', skew: 1.2 });
    expect(skewed.reduce((x, y) => x + y, 0)).toBe(4096 * 2);
    expect(imbalance(uniform)).toBeLessThan(1.1);
    expect(imbalance(skewed)).toBeGreaterThan(1.5);
  });

  it('topK > experts is rejected', () => {
    expect(WorkloadOpSchema.safeParse({ type: 'grouped_gemm', routing: { ...routing, topK: 9 }, n: 64, k: 64 }).success).toBe(false);
    expect(WorkloadOpSchema.safeParse({ type: 'grouped_gemm', n: 64, k: 64 }).success).toBe(false);
  });

  it('a grouped GEMM does the FLOPs of its groups; each expert pads its own tiles', () => {
    const op = WorkloadOpSchema.parse({ type: 'grouped_gemm', routing: { ...routing, distribution: 'skewed', skew: 1.5 }, n: 2 * 14336, k: 4096 }) as GroupedGemmOp;
    const rows = groupRows(op);
    const r = simulateOpAlone(h100, op);
    const tile = String(r.configs[0]!.tile).split('x').map(Number) as [number, number, number];
    const tiles = rows.reduce((a, m) => a + Math.ceil(m / tile[0]) * Math.ceil((2 * 14336) / tile[1]), 0);
    expect(r.kernels[0]!.ctaCount).toBe(tiles);
    expect(simulateOpAlone(h100, op).timeNs).toBe(r.timeNs);
  });

  it('an FP8 grouped GEMM writing bf16 stores twice the bytes of one writing fp8', () => {
    const base = { type: 'grouped_gemm', groupM: [256, 256, 256, 256], n: 4096, k: 128, dtype: 'fp8' };
    const fp8Out = simulateOpAlone(h100, WorkloadOpSchema.parse(base));
    const bf16Out = simulateOpAlone(h100, WorkloadOpSchema.parse({ ...base, outDtype: 'bf16' }));
    const operands = 4 * (256 * 128 + 4096 * 128); // fp8: one byte each
    const out = 4 * 256 * 4096;
    expect(fp8Out.kernels[0]!.dramBytes).toBe(operands + out);
    expect(bf16Out.kernels[0]!.dramBytes).toBe(operands + 2 * out);
    expect(bf16Out.configs[0]!.outDtype).toBe('bf16');
    expect(fp8Out.configs[0]!.outDtype).toBeUndefined();
  });

  it('imbalance shows as a longer tail with idle SMs at the end of the kernel', () => {
    // Experts 1..7 get one row tile each; expert 0 gets many, so its tiles run on alone.
    const hot = WorkloadOpSchema.parse({ type: 'grouped_gemm', groupM: [128 * 40, 128, 128, 128, 128, 128, 128, 128], n: 4096, k: 4096 }) as GroupedGemmOp;
    const even = WorkloadOpSchema.parse({ type: 'grouped_gemm', groupM: Array(8).fill((128 * 47) / 8), n: 4096, k: 4096 }) as GroupedGemmOp;
    const run = (op: GroupedGemmOp) => {
      const result = runScenario(parseScenario({ name: 'moe', device: 'h100-80gb', traceDetail: 'kernel', workload: { ops: [op] } }));
      const samples = result.trace.traceEvents.filter((e) => e.ph === 'C' && e.name === 'SMs busy') as { ts: number; args: { SMs: number } }[];
      const endUs = result.summary.simulatedTimeNs / 1e3;
      const lastFullUs = samples.filter((x) => x.args.SMs >= h100.sm.count).at(-1)!.ts;
      // Share of the kernel's time after the last moment every SM was busy.
      return { ns: result.summary.simulatedTimeNs, tiles: result.summary.ops[0]!.tiles!, tail: (endUs - lastFullUs) / endUs };
    };
    // Same tokens; the hot routing has fewer tiles (the even one pads every expert) yet takes
    // longer: its end holds the cold experts' lone row tiles, which share no weight panel in L2,
    // and SMs go idle for a longer part of the kernel.
    const h = run(hot);
    const e = run(even);
    expect(h.tiles).toBeLessThan(e.tiles);
    expect(h.ns).toBeGreaterThan(e.ns);
    expect(h.tail).toBeGreaterThan(e.tail * 1.2);
  });
});
