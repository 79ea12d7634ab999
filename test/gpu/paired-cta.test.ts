import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { GemmOpSchema } from '../../workloads/index.ts';
import { candidateLabel, gemmCandidates } from '../../devices/gpu/gemm-candidates.ts';

function gemm(device: string, op: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return runScenario(parseScenario({ name: 't', device, deviceOverrides: overrides, workload: { ops: [{ type: 'gemm', ...op }] } })).summary;
}

const unpaired = { 'sm.pairedCtaMma': false };

describe('paired-CTA MMA (Blackwell: two CTAs on two SMs share the B operand)', () => {
  it('is on for the b200 preset only', () => {
    expect(resolveDevice('b200').sm.pairedCtaMma).toBe(true);
    for (const id of ['a100-80gb', 'h100-80gb', 'h200', 'a40', 'rtx-4070']) expect(resolveDevice(id).sm.pairedCtaMma).toBe(false);
  });

  it('halves the B bytes each CTA pulls from L2, not the DRAM bytes, and is recorded in the config', () => {
    const op = GemmOpSchema.parse({ type: 'gemm', m: 4096, n: 4096, k: 4096, dtype: 'bf16', tile: '128x256x64', splitK: 1, tailSplit: 1 });
    const spec = resolveDevice('b200');
    const paired = simulateOpAlone(spec, op);
    const alone = simulateOpAlone(resolveDevice('b200', unpaired), op);
    expect(paired.configs[0]!.pairedCta).toBe(true);
    expect(alone.configs[0]!.pairedCta).toBeUndefined();
    const [p, a] = [paired.kernels[0]!, alone.kernels[0]!];
    // DRAM supplies every chunk once either way (the pair fetches it whole between them).
    expect(p.dramBytes / a.dramBytes).toBeCloseTo(1, 2);
    // Each CTA receives 128 rows of A and 128 of B's 256 columns per K step instead of 128 + 256:
    // two thirds of the bytes its SM takes in (from DRAM or L2; a chunk's first reader may take
    // its share of the DRAM fetch whole, so a little more).
    expect((p.dramBytes + p.l2Bytes) / (a.dramBytes + a.l2Bytes)).toBeCloseTo(2 / 3, 1);
    // On the B200 the per-SM L2 pull and the L2 itself bind without it: pairing is faster.
    expect(paired.timeNs).toBeLessThan(alone.timeNs * 0.9);
  });

  it('pairs 128-wide halves: along m for 128-row tiles, else along n for 128-column tiles, in even counts', () => {
    const base = { k: 4096, dtype: 'bf16', splitK: 1, tailSplit: 1 };
    const paired = (op: Record<string, unknown>) => gemm('b200', { ...base, ...op }).ops[0]!.config?.pairedCta;
    expect(paired({ m: 512, n: 4096, tile: '128x256x64' })).toBe(true);
    expect(paired({ m: 384, n: 4096, tile: '128x256x64' })).toBeUndefined(); // 3 row tiles
    expect(paired({ m: 512, n: 4096, tile: '256x128x64' })).toBe(true); // along n
    expect(paired({ m: 512, n: 384, tile: '256x128x64' })).toBeUndefined(); // 3 column tiles
    expect(paired({ m: 512, n: 4096, tile: '256x256x32' })).toBeUndefined();
  });

  it('a CTA paired along n pulls half of A, and stages only its halves in shared memory', () => {
    const op = GemmOpSchema.parse({ type: 'gemm', m: 4096, n: 4096, k: 4096, dtype: 'bf16', tile: '256x128x64', stages: 4, splitK: 1, tailSplit: 1 });
    const p = simulateOpAlone(resolveDevice('b200'), op).kernels[0]!;
    const a = simulateOpAlone(resolveDevice('b200', unpaired), op).kernels[0]!;
    expect(p.dramBytes / a.dramBytes).toBeCloseTo(1, 2);
    expect((p.dramBytes + p.l2Bytes) / (a.dramBytes + a.l2Bytes)).toBeCloseTo(2 / 3, 1);
    // Six stages of 256x128x64 take 288 KB unpaired, more than an SM has; paired, 192 KB fit.
    const six = GemmOpSchema.parse({ ...op, stages: 6 });
    expect(simulateOpAlone(resolveDevice('b200'), six).configs[0]!.pairedCta).toBe(true);
    expect(() => simulateOpAlone(resolveDevice('b200', unpaired), six)).toThrow(/shared memory/);
  });

  it('the op decides where it says so: a named 1-SM kernel on the B200, a what-if on the H100', () => {
    const base = { m: 4096, n: 4096, k: 4096, dtype: 'bf16', tile: '128x256x64', splitK: 1, tailSplit: 1 };
    expect(gemm('b200', { ...base, pairedCta: false }).ops[0]!.config?.pairedCta).toBeUndefined();
    expect(gemm('h100-80gb', { ...base, pairedCta: true }).ops[0]!.config?.pairedCta).toBe(true);
    // A named paired kernel pairs along n whatever its width (cuBLAS splits its M, our n): a
    // 224x256x64 tile in 4 stages fits an SM's shared memory only so.
    const wide = { ...base, tile: '224x256x64', stages: 4 };
    expect(gemm('b200', { ...wide, pairedCta: true }).ops[0]!.config?.pairedCta).toBe(true);
    expect(() => gemm('b200', wide)).toThrow(/shared memory/);
  });

  it('the candidate tables say which configs run paired', () => {
    const op = GemmOpSchema.parse({ type: 'gemm', m: 1024, n: 4096, k: 4096, dtype: 'bf16' });
    const b200 = gemmCandidates(resolveDevice('b200'), op).candidates;
    const paired = b200.filter((c) => c.pairedCta);
    expect(paired.length).toBeGreaterThan(0);
    for (const c of paired) expect(c.tile.startsWith('128x') || /^\d+x128x/.test(c.tile)).toBe(true);
    expect(candidateLabel(paired[0]!)).toMatch(/ 2cta$/);
    expect(gemmCandidates(resolveDevice('h100-80gb'), op).candidates.some((c) => c.pairedCta)).toBe(false);
  });
});
