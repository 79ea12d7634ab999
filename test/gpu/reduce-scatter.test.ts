import { describe, expect, it } from 'vitest';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { WorkloadOpSchema } from '../../workloads/index.ts';

const h100 = resolveDevice('h100-80gb');
const a100 = resolveDevice('a100-80gb');
type Mode = { overlap: 'none' | 'tile'; reduction: 'sm' | 'near-memory' };

function gemmRs(m: number, n: number, k: number, ranks: number, mode?: Mode) {
  return WorkloadOpSchema.parse({ type: 'gemm', m, n, k, ...(mode !== undefined ? { reduceScatter: { ranks, ...mode } } : {}) });
}

/** One-way link bandwidth the presets' collectives reach, bytes/ns. */
function linkBytesPerNs(spec: typeof h100): number {
  const link = spec.interconnect!;
  return ((link.bandwidthBytesPerSecond / 2) * link.achievableFraction) / 1e9;
}

describe('GEMM + ring reduce-scatter', () => {
  const [m, n, k, p] = [4096, 8192, 2048, 8];
  const chunk = (m * n * 2) / p;
  const alone = simulateOpAlone(h100, gemmRs(m, n, k, p));
  const run = (mode: Mode, spec = h100) => simulateOpAlone(spec, gemmRs(m, n, k, p, mode));

  it('sequential: the GEMM, then p - 1 ring steps of 1/p of the output over the link', () => {
    const r = run({ overlap: 'none', reduction: 'sm' });
    expect(r.kernels).toHaveLength(2);
    expect(r.configs[1]).toMatchObject({ kernel: 'ring-reducescatter', ranks: p });
    const rs = r.kernels[1]!;
    const ideal = (p - 1) * (chunk / linkBytesPerNs(h100) + h100.interconnect!.latencyNs);
    expect((rs.endNs - rs.firstCtaNs) / ideal).toBeGreaterThan(1);
    expect((rs.endNs - rs.firstCtaNs) / ideal).toBeLessThan(1.05);
    // NCCL-style: each step writes the received chunk and reads it back with the local one; the last writes the sum.
    expect(rs.dramBytes).toBeCloseTo((3 * (p - 1) + 1) * chunk, -3);
    expect(r.timeNs).toBeGreaterThan(alone.timeNs + ideal);
  });

  it('tile-triggered (T3): chunks leave while the GEMM computes, so the op ends soon after the GEMM', () => {
    const seq = run({ overlap: 'none', reduction: 'sm' });
    const t3 = run({ overlap: 'tile', reduction: 'near-memory' });
    expect(t3.kernels).toHaveLength(1);
    const d = t3.kernels[0]!.details!.reduceScatter as Record<string, number>;
    // The first chunk goes out after about 1/p of the GEMM, well before its end.
    expect(d.firstSendNs).toBeLessThan(alone.timeNs / 2);
    expect(d.linkBytes).toBeCloseTo((p - 1) * chunk, -3);
    // Never faster than either the GEMM or the communication alone; clearly faster than sequential.
    const commNs = ((p - 1) * chunk) / linkBytesPerNs(h100);
    expect(t3.timeNs).toBeGreaterThanOrEqual(Math.max(alone.timeNs, commNs));
    expect(t3.timeNs).toBeLessThan(seq.timeNs - 0.8 * commNs);
  });

  it('near-memory adds move fewer DRAM bytes than adds on the SMs, and take no SM time', () => {
    const sm = run({ overlap: 'tile', reduction: 'sm' });
    const nm = run({ overlap: 'tile', reduction: 'near-memory' });
    const seq = run({ overlap: 'none', reduction: 'sm' });
    const dram = (r: typeof sm) => r.kernels.reduce((a, x) => a + x.dramBytes, 0);
    // Per step: SM adds write, read back and rewrite the received chunk and read the local one, and
    // the DMA reads the chunk it sends (5); near memory: the update write and the DMA read (2).
    expect(dram(sm) - dram(nm)).toBeCloseTo(3 * (p - 1) * chunk, -4);
    expect(dram(nm)).toBeLessThan(dram(seq));
    expect(nm.timeNs).toBeLessThanOrEqual(sm.timeNs);
  });

  it('with a slow link the op is communication-bound: first chunk, then p - 1 transfers back to back', () => {
    const link = h100.interconnect!;
    const slow = { ...h100, interconnect: { ...link, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond / 20 } };
    const r = run({ overlap: 'tile', reduction: 'near-memory' }, slow);
    const d = r.kernels[0]!.details!.reduceScatter as Record<string, number>;
    const transfers = ((p - 1) * chunk) / linkBytesPerNs(slow);
    expect(r.timeNs / (d.firstSendNs + transfers)).toBeGreaterThan(0.99);
    expect(r.timeNs / (d.firstSendNs + transfers)).toBeLessThan(1.03);
  });

  it('works for one-CTA-per-tile kernels (A100) as for persistent ones (H100)', () => {
    const seq = simulateOpAlone(a100, gemmRs(m, n, k, p, { overlap: 'none', reduction: 'sm' }));
    const t3 = simulateOpAlone(a100, gemmRs(m, n, k, p, { overlap: 'tile', reduction: 'near-memory' }));
    expect(t3.configs[0]!.persistent).toBeUndefined();
    expect(run({ overlap: 'tile', reduction: 'sm' }).configs[0]!.persistent).toBe(true);
    expect(t3.timeNs).toBeLessThan(seq.timeNs);
    const d = t3.kernels[0]!.details!.reduceScatter as Record<string, number>;
    expect(d.outputDoneNs).toBeGreaterThan(d.firstSendNs);
  });

  it('the trace shows each chunk on the link, and the summary the exposed communication', () => {
    const scenario = parseScenario({
      name: 't3', device: 'h100-80gb',
      workload: { ops: [
        { name: 'seq', type: 'gemm', m, n, k, reduceScatter: { ranks: p } },
        { name: 't3', type: 'gemm', m, n, k, reduceScatter: { ranks: p, overlap: 'tile', reduction: 'near-memory' } },
      ] },
    });
    const result = runScenario(scenario);
    const [seq, t3] = result.summary.ops;
    const exposed = (o: typeof seq) => (o!.details!.reduceScatter as Record<string, number>).exposedNs;
    expect(exposed(seq)).toBeGreaterThan(0.9 * (((p - 1) * chunk) / linkBytesPerNs(h100)));
    expect(exposed(t3)).toBeLessThan(exposed(seq) / 4);
    const sends = result.trace.traceEvents.filter((e) => e.ph === 'X' && typeof e.name === 'string' && e.name.startsWith('send chunk'));
    expect(sends).toHaveLength(p - 1);
    expect(JSON.stringify(runScenario(scenario).summary)).toBe(JSON.stringify(result.summary));
  });

  it('concurrent collectives put their link transfers on separate trace lanes, never overlapping on one', () => {
    const scenario = parseScenario({
      name: 'two', device: 'h100-80gb',
      workload: { ops: [
        { name: 'a', type: 'allreduce', bytes: 32 * 2 ** 20, ranks: 8, stream: 0 },
        { name: 'b', type: 'gemm', m, n, k, stream: 1, reduceScatter: { ranks: p, overlap: 'tile' } },
      ] },
    });
    const events = runScenario(scenario).trace.traceEvents;
    const linkTids = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && String((e.args as { name: string }).name).startsWith('link')).map((e) => e.tid));
    expect(linkTids.size).toBeGreaterThanOrEqual(2);
    for (const tid of linkTids) {
      const spans = events.filter((e) => e.ph === 'X' && e.tid === tid).map((e) => [Number(e.ts), Number(e.ts) + Number(e.dur)] as const).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1] - 1e-9);
    }
  });

  it('bad input is a clear error', () => {
    const bad = (rs: unknown) => WorkloadOpSchema.safeParse({ type: 'gemm', m: 8, n: 8, k: 8, reduceScatter: rs });
    expect(bad({ ranks: 1 }).error!.issues[0]!.message).toMatch(/from 2 to 1024/);
    expect(bad({ ranks: 8, overlap: 'fine' }).error!.issues[0]!.message).toMatch(/"none".*"tile"/);
    expect(bad({ ranks: 8, reduction: 'dram' }).error!.issues[0]!.message).toMatch(/near-memory/);
    const { interconnect: _link, ...noLink } = h100;
    expect(() => simulateOpAlone(noLink, gemmRs(256, 256, 256, 2, { overlap: 'tile', reduction: 'sm' }))).toThrow(/has no "interconnect"/);
  });
});

describe('GEMM fed by a ring all-gather of its A rows', () => {
  const [m, n, k, p] = [8192, 12288, 1536, 8];
  const inputBytes = m * k * 2;
  const chunk = inputBytes / p;
  const op = (overlap?: 'none' | 'tile', rs?: Mode) =>
    WorkloadOpSchema.parse({ type: 'gemm', m, n, k, ...(overlap !== undefined ? { allGather: { ranks: p, overlap } } : {}), ...(rs !== undefined ? { reduceScatter: { ranks: p, ...rs } } : {}) });
  const slowLink = (spec: typeof h100, factor: number) => ({ ...spec, interconnect: { ...spec.interconnect!, bandwidthBytesPerSecond: spec.interconnect!.bandwidthBytesPerSecond / factor } });

  it('sequential: a ring all-gather kernel of (p - 1) chunks, then the GEMM', () => {
    const r = simulateOpAlone(h100, op('none'));
    expect(r.configs.map((c) => c.kernel ?? c.tile)).toEqual(['ring-allgather', r.configs[1]!.tile]);
    const ag = r.kernels[0]!;
    const ideal = (p - 1) * (chunk / linkBytesPerNs(h100) + h100.interconnect!.latencyNs);
    expect((ag.endNs - ag.firstCtaNs) / ideal).toBeGreaterThan(0.99);
    expect((ag.endNs - ag.firstCtaNs) / ideal).toBeLessThan(1.05);
  });

  it('tile: the GEMM starts on its own rows while the rest arrive; never faster than the GEMM alone', () => {
    const alone = simulateOpAlone(h100, op()).timeNs;
    const seq = simulateOpAlone(h100, op('none')).timeNs;
    const tile = simulateOpAlone(h100, op('tile'));
    expect(tile.timeNs).toBeGreaterThanOrEqual(alone);
    expect(tile.timeNs).toBeLessThan(seq);
    const d = tile.kernels[0]!.details!.allGather as Record<string, number>;
    expect(d.linkBytes).toBeCloseTo((p - 1) * chunk, -3);
  });

  it('with a slow link each tile waits for its rows: the op ends 1/p to 3/p of the GEMM after the last chunk, persistent (H100) or not (A100)', () => {
    for (const spec of [h100, a100]) {
      const alone = simulateOpAlone(spec, op()).timeNs;
      const r = simulateOpAlone(slowLink(spec, 50), op('tile'));
      const last = (r.kernels[0]!.details!.allGather as Record<string, number>).lastChunkNs;
      expect(last).toBeGreaterThan(2 * alone);
      expect(r.timeNs).toBeGreaterThan(last + alone / p / 2);
      // The last chunk's tiles, plus the partial rounds a lockstep wave pays around the wait.
      expect(r.timeNs).toBeLessThan(last + (3 * alone) / p);
    }
  });

  it('a GEMM can gather its input and reduce-scatter its output, both tile by tile; its summary config is the GEMM\'s', () => {
    const both = simulateOpAlone(h100, op('tile', { overlap: 'tile', reduction: 'near-memory' }));
    const seq = simulateOpAlone(h100, op('none', { overlap: 'none', reduction: 'sm' }));
    expect(both.kernels).toHaveLength(1);
    expect(seq.kernels).toHaveLength(3);
    expect(both.timeNs).toBeLessThan(seq.timeNs);
    expect(Object.keys(both.kernels[0]!.details!)).toEqual(['allGather', 'reduceScatter']);
    const s = runScenario(parseScenario({ name: 'ag', device: 'h100-80gb', traceDetail: 'none', workload: { ops: [{ type: 'gemm', m, n, k, allGather: { ranks: p } }] } })).summary.ops[0]!;
    expect(s.config!.tile).toBeDefined();
    expect(s.details!.allGather).toMatchObject({ ranks: p, overlap: 'none', inputBytes });
  });
});
