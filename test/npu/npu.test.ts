import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { npuPresetIds, resolveNpu } from '../../devices/presets.ts';
import { arrayShares, fillDrainClocks, geometricSizes, tileClocks } from '../../devices/npu/npu-device.ts';
import { npuDramBytesPerSecond, npuPeakFlops } from '../../devices/npu/spec.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs');
const tilewave = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

function run(ops: Record<string, unknown>[], overrides: Record<string, unknown> = {}, traceDetail = 'none') {
  return runScenario(parseScenario({ name: 't', device: 'tpu-v4', deviceOverrides: overrides, traceDetail, workload: { ops } }));
}
const gemm = (m: number, n: number, k: number, extra: Record<string, unknown> = {}) => ({ type: 'gemm', m, n, k, dtype: 'bf16', ...extra });

describe('systolic NPU: the tpu-v4 preset', () => {
  it('is listed apart from the GPUs and its peak is arrays x cells x 2 x clock', () => {
    expect(npuPresetIds()).toContain('tpu-v4');
    const spec = resolveNpu('tpu-v4');
    expect(npuPeakFlops(spec).bf16).toBeCloseTo(8 * 128 * 128 * 2 * 1.05e9, -6);
    expect(npuPeakFlops(spec).fp16).toBeUndefined();
  });

  it('rejects a bad override by field', () => {
    expect(() => run([gemm(64, 64, 64)], { 'systolic.rows': 0 })).toThrow(/systolic\.rows.*expected an integer > 0/);
    expect(() => run([gemm(64, 64, 64)], { 'systolic.dataflow': 'row-stationary' })).toThrow(/dataflow.*expected "weight-stationary" or "output-stationary"/);
  });
});

describe('weight-stationary arrays', () => {
  const spec = resolveNpu('tpu-v4');
  const clockNs = 1e9 / spec.systolic.clockHz;

  it('a tile takes a clock per streamed row, at least the rows it takes to shift the next weights in', () => {
    expect(tileClocks(spec, 4096)).toBe(4096);
    expect(tileClocks(spec, 8)).toBe(128);
    expect(tileClocks({ ...spec, systolic: { ...spec.systolic, doubleBufferedWeights: false } }, 8)).toBe(136);
    expect(fillDrainClocks(spec)).toBe(254);
  });

  it('deals tiles round-robin and steps grow from one tile and shrink back', () => {
    const shares = arrayShares(spec, [{ count: 10, streamRows: 4 }, { count: 3, streamRows: 2 }]);
    expect(shares.map((s) => s.reduce((a, f) => a + f.count, 0))).toEqual([2, 2, 2, 2, 2, 1, 1, 1]);
    const sizes = geometricSizes(100, 8);
    expect(sizes[0]).toBe(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeGreaterThanOrEqual(sizes[i - 1]!);
  });

  it('a compute-bound GEMM takes its tiles per array x rows, plus one fill and the first tile`s load', () => {
    const r = run([gemm(4096, 4096, 4096)]);
    const tilesPerArray = (32 * 32) / 8;
    const computeNs = (tilesPerArray * 4096 + fillDrainClocks(spec)) * clockNs;
    expect(r.summary.simulatedTimeNs).toBeGreaterThan(computeNs);
    expect(r.summary.simulatedTimeNs / computeNs).toBeLessThan(1.01);
    expect(r.summary.ops[0]!.config).toMatchObject({ array: '128x128', folds: 1024, foldRows: 4096 });
    expect(r.summary.ops[0]!.config!.utilization).toBeGreaterThan(0.97);
  });

  it('blocks A and B through half the SRAM the cheaper way round', () => {
    const big = run([gemm(8192, 8192, 8192)]).summary.ops[0]!;
    // 80 MiB holds 5,120 of A's 16 KiB rows: two blocks, so B is read twice.
    expect(big.config).toMatchObject({ bReads: 2 });
    expect(big.dramBytes).toBe(8192 * 8192 * 2 * 4);
    const small = run([gemm(1024, 8192, 8192)]).summary.ops[0]!;
    expect(small.config!.bReads).toBeUndefined();
    expect(small.dramBytes).toBe((1024 * 8192 + 8192 * 8192 + 1024 * 8192) * 2);
  });

  it('tile quantization: one more column of tiles where n passes a multiple of 128', () => {
    const t = (n: number) => run([gemm(2048, n, 4096)]).summary.simulatedTimeNs;
    expect(t(4096 - 64) / t(4096)).toBeCloseTo(1, 2); // the same 32 columns of tiles
    expect(t(4097) / t(4096)).toBeCloseTo(33 / 32, 2); // one more, nearly empty
  });

  it('a decode-sized GEMM streams its weights at DRAM bandwidth and leaves most cells idle', () => {
    const r = run([gemm(8, 8192, 8192)]);
    const bytes = r.summary.ops[0]!.dramBytes;
    expect(bytes).toBeGreaterThan(8192 * 8192 * 2);
    const ideal = (bytes / npuDramBytesPerSecond(spec)) * 1e9;
    expect(r.summary.simulatedTimeNs / ideal).toBeGreaterThan(1);
    expect(r.summary.simulatedTimeNs / ideal).toBeLessThan(1.06);
    // 8 of every 128 clocks stream a row: the rest shift weights in.
    expect(r.summary.ops[0]!.config!.utilization).toBeCloseTo(8 / 128, 2);
    // What-if: twice the bandwidth. Then shifting the weights in binds: 128 clocks a tile.
    const fast = run([gemm(8, 8192, 8192)], { 'memory.bandwidthBytesPerSecond': 2.4e12 }).summary.simulatedTimeNs;
    const shiftNs = ((64 * 64) / 8) * 128 * clockNs;
    const bound = Math.max(shiftNs, (bytes / 2.4e12) * 1e9);
    expect(shiftNs).toBeGreaterThan((bytes / 2.4e12) * 1e9);
    expect(fast / bound).toBeGreaterThan(1);
    expect(fast / bound).toBeLessThan(1.03);
  });

  it('output-stationary tiles cut m x n and stream k: they quantize m where weight-stationary ones quantize k', () => {
    const os = { 'systolic.dataflow': 'output-stationary' };
    const square = [run([gemm(4096, 4096, 4096)]).summary.simulatedTimeNs, run([gemm(4096, 4096, 4096)], os).summary.simulatedTimeNs];
    expect(square[1]! / square[0]!).toBeCloseTo(1, 3);
    const shortM = run([gemm(100, 4096, 4096)], os).summary.ops[0]!;
    expect(shortM.config).toMatchObject({ dataflow: 'output-stationary', folds: 32, foldK: 4096 });
    expect(shortM.config!.utilization).toBeCloseTo(100 / 128, 1);
    const shortK = run([gemm(4096, 4096, 100)]).summary.ops[0]!;
    expect(shortK.config).toMatchObject({ dataflow: 'weight-stationary', folds: 32, foldRows: 4096 });
    // Causal attention skips masked work either way.
    const attn = (causal: boolean) => run([{ type: 'attention', heads: 16, seqQ: 2048, headDim: 128, causal, dtype: 'bf16' }], os).summary.ops[0]!.durationNs;
    expect(attn(true) / attn(false)).toBeGreaterThan(0.45);
    expect(attn(true) / attn(false)).toBeLessThan(0.65);
  });

  it('without double-buffered weights each tile also waits for its shift-in', () => {
    const base = run([gemm(512, 4096, 4096)]).summary.simulatedTimeNs;
    const single = run([gemm(512, 4096, 4096)], { 'systolic.doubleBufferedWeights': false }).summary.simulatedTimeNs;
    expect(single / base).toBeCloseTo((512 + 128) / 512, 1);
  });

  it('two GEMMs on two streams share the arrays: compute-bound, they take their sum', () => {
    const one = run([gemm(2048, 4096, 4096)]).summary.simulatedTimeNs;
    const two = run([gemm(2048, 4096, 4096, { name: 'a' }), gemm(2048, 4096, 4096, { name: 'b', stream: 1 })]).summary.simulatedTimeNs;
    expect(two / one).toBeGreaterThan(1.9);
    expect(two / one).toBeLessThan(2.05);
  });
});

describe('attention and vector ops on the NPU', () => {
  const spec = resolveNpu('tpu-v4');
  const attn = (extra: Record<string, unknown>) => ({ type: 'attention', batch: 1, heads: 32, seqQ: 2048, headDim: 128, dtype: 'bf16', ...extra });

  it('causal attention streams only the query rows that see each key tile: about half the matrix work', () => {
    const full = run([attn({ causal: false })]).summary.ops[0]!;
    const causal = run([attn({ causal: true })]).summary.ops[0]!;
    expect(causal.flops / full.flops).toBeCloseTo(0.5, 2);
    expect(causal.durationNs / full.durationNs).toBeGreaterThan(0.45);
    expect(causal.durationNs / full.durationNs).toBeLessThan(0.6);
  });

  it('heads run in concurrent parts, so one part`s softmax overlaps another`s matmuls', () => {
    const op = attn({ causal: false });
    const piped = run([op]).summary.simulatedTimeNs;
    const serial = run([{ ...op, batch: 1, heads: 4 }]).summary.simulatedTimeNs * 8; // one part's whole chain, 8 times
    expect(piped).toBeLessThan(serial * 0.9);
  });

  it('decode attention streams the KV cache: bandwidth-bound, the group`s query rows share a K tile', () => {
    const r = run([{ type: 'attention', batch: 16, heads: 32, kvHeads: 8, seqQ: 1, seqKv: 4096, headDim: 128, dtype: 'bf16' }]).summary.ops[0]!;
    const kvBytes = 16 * 8 * 4096 * 128 * 2 * 2;
    expect(r.dramBytes).toBeGreaterThan(kvBytes);
    expect(r.durationNs).toBeGreaterThan((kvBytes / npuDramBytesPerSecond(spec)) * 1e9);
    expect(r.durationNs).toBeLessThan((kvBytes / npuDramBytesPerSecond(spec)) * 1e9 * 1.15);
  });

  it('scores that do not fit on chip make a round trip through DRAM', () => {
    const small = run([attn({ seqQ: 1024 })]).summary.ops[0]!;
    const big = run([attn({ seqQ: 1024 })], { 'sram.bytes': 1e6 }).summary.ops[0]!;
    expect(small.config!.scoresInDram).toBeUndefined();
    expect(big.config!.scoresInDram).toBe(true);
    expect(big.dramBytes - small.dramBytes).toBe(2 * 32 * 1024 * 1024 * 4);
  });

  it('an elementwise op takes the longer of its lane work and its DRAM bytes', () => {
    const r = run([{ type: 'elementwise', kind: 'rmsnorm', rows: 2048, cols: 4096, dtype: 'bf16' }]).summary.ops[0]!;
    const bytesNs = ((2 * 2048 * 4096 * 2) / npuDramBytesPerSecond(spec)) * 1e9;
    const laneNs = ((2048 * 4096 * 4 + 2048) / (spec.vector.lanes * spec.vector.clockHz)) * 1e9;
    expect(r.durationNs).toBeGreaterThan(Math.max(bytesNs, laneNs));
    expect(r.durationNs).toBeLessThan(Math.max(bytesNs, laneNs) + spec.memory.latencyNs + 10);
  });
});

describe('NPU runs: what users see', () => {
  it('is deterministic: the same scenario gives byte-identical summary and trace', () => {
    const ops = [gemm(1024, 4096, 4096), { type: 'attention', batch: 2, heads: 16, seqQ: 512, headDim: 128, dtype: 'bf16', causal: true }];
    const a = run(ops, {}, 'cta');
    const b = run(ops, {}, 'cta');
    expect(JSON.stringify(a.summary)).toBe(JSON.stringify(b.summary));
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    const tracks = new Set((a.trace.traceEvents as { ph: string; name: string; args?: { name?: string } }[]).filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name));
    expect(tracks).toContain('array 0');
    expect(tracks).toContain('vector unit');
  });

  it('names what it cannot run: ops, dtypes and GPU kernel choices', () => {
    expect(() => run([{ type: 'grouped_gemm', groupM: [64, 64], n: 256, k: 256, dtype: 'bf16' }])).toThrow(/op "workload\.ops\.0" \(grouped_gemm0\): op type "grouped_gemm" is not supported on device tpu-v4 \(family npu/);
    expect(() => run([{ type: 'allreduce', bytes: 1024, ranks: 8 }])).toThrow(/allreduce needs a device-to-device link, and device tpu-v4 has no "interconnect"/);
    expect(() => run([{ type: 'gemm', m: 64, n: 64, k: 64 }])).toThrow(/no matrix rate for dtype fp16 \(supported: bf16\)/);
    expect(() => run([gemm(64, 64, 64, { splitK: 2 })])).toThrow(/field "splitK" = 2: a GPU kernel choice/);
    expect(() => run([gemm(64, 64, 64, { aZeroFraction: 1 })])).toThrow(/field "aZeroFraction" = 1: the NPU model's time does not depend on operand data/);
    expect(run([gemm(64, 64, 64, { aZeroFraction: 0 })]).summary.ops[0]!.durationNs).toBe(run([gemm(64, 64, 64)]).summary.ops[0]!.durationNs);
  });

  it('a ring all-reduce over a given link: 2 (p - 1) / p of the buffer and 2 (p - 1) step latencies', () => {
    const link = { 'interconnect.bandwidthBytesPerSecond': 3e11, 'interconnect.latencyNs': 2000 };
    const r = run([{ type: 'allreduce', bytes: 64 * 2 ** 20, ranks: 4, dtype: 'bf16' }], link).summary.ops[0]!;
    const ideal = ((2 * 3) / 4) * ((64 * 2 ** 20) / 3e11) * 1e9 + 6 * 2000;
    expect(r.config).toMatchObject({ kernel: 'ring-allreduce', ranks: 4 });
    expect(r.durationNs).toBeGreaterThanOrEqual(ideal - 1);
    expect(r.durationNs).toBeLessThan(ideal * 1.05);
  });

  it('the CLI runs GEMMs and LLM steps on it, lists it, and GPU-only commands say so', () => {
    const g = tilewave(['gemm', '--device', 'tpu-v4', '--m', '256', '--n', '1024', '--k', '1024', '--dtype', 'bf16', '--json']);
    expect(g.status, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout).device).toMatchObject({ id: 'tpu-v4', family: 'npu' });
    const sweep = tilewave(['sweep', '--device', 'tpu-v4', '--m', '1024', '--n', '1024:2048:1024', '--k', '1024', '--dtype', 'bf16', '--workers', '1']);
    expect(sweep.status, sweep.stderr).toBe(0);
    expect(sweep.stdout.trim().split('\n')).toHaveLength(3);
    const llm = tilewave(['llm', '--model', 'llama2-7b', '--device', 'tpu-v4', '--dtype', 'bf16', '--phase', 'decode', '--batch', '8', '--seq', '512', '--layers', 'one', '--json']);
    expect(llm.status, llm.stderr).toBe(0);
    const d = tilewave(['devices']);
    expect(d.stdout).toMatch(/systolic NPUs[\s\S]*tpu-v4/);
    const v = tilewave(['validate', join(import.meta.dirname, '..', '..', 'data', 'measured', 'flash-attention2.csv'), '--device', 'tpu-v4']);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/"tpu-v4" is an NPU \(family npu\): this command runs on GPUs only/);
    const rules = tilewave(['rules', '--model', 'llama2-7b', '--device', 'tpu-v4']);
    expect(rules.status).toBe(2);
    expect(rules.stderr).toMatch(/tpu-v4" is an NPU/);
  });
});

describe('PIM in the DRAM (the neupims preset)', () => {
  const spec = resolveNpu('neupims');
  const pim = spec.pim!;
  const runOn = (ops: Record<string, unknown>[], overrides: Record<string, unknown> = {}) =>
    runScenario(parseScenario({ name: 't', device: 'neupims', deviceOverrides: overrides, traceDetail: 'none', workload: { ops } }));
  const decode = (batch: number, extra: Record<string, unknown> = {}) => ({ type: 'attention', batch, heads: 32, seqQ: 1, seqKv: 1024, headDim: 128, ...extra });
  const rowNs = pim.rowActivateNs + pim.rowPrechargeNs + (pim.rowBytes / 2 / pim.multipliersPerBank) * Math.max(1e9 / pim.clockHz, pim.columnAccessNs);
  // One sequence's K cache: 32 heads x 1024 keys x 128 x 2 B, in 1 KB rows over 32 banks.
  const rowSteps = (sequencesPerChannel: number) => Math.ceil((sequencesPerChannel * (32 * 1024 * 128 * 2)) / pim.rowBytes / pim.banksPerChannel);

  it('decode attention runs in the banks: K then V, row by row, all banks of a channel in lockstep', () => {
    const r = runOn([decode(32)]).summary.ops[0]!;
    expect(r.config).toMatchObject({ unit: 'pim', rowBuffers: 'dual', channels: 32 });
    const banksNs = 2 * rowSteps(1) * rowNs;
    expect(r.durationNs).toBeGreaterThan(banksNs);
    expect(r.durationNs).toBeLessThan(banksNs * 1.6); // plus the scores out, the softmax, the probabilities in
    // The KV cache never crosses the bus: only queries, scores, probabilities and outputs do.
    expect(r.dramBytes).toBeLessThan(32 * (2 * 32 * 128 * 2 + 2 * 32 * 1024 * 2) + 1);
  });

  it('a sequence lives in one channel: 33 sequences on 32 channels take a second round', () => {
    const t = (batch: number) => runOn([decode(batch)]).summary.ops[0]!.durationNs;
    // The fuller channel reads a second sequence's K and V: one more round of row steps.
    expect(t(33) - t(32)).toBeGreaterThan(0.8 * 2 * rowSteps(1) * rowNs); // less what the others' bus traffic hides
    // 64 fill every channel twice: the same row steps as the fuller one at 33, with twice the
    // sequences' softmax and bus traffic.
    expect(t(64)).toBeGreaterThan(t(33));
    expect(t(64) - t(33)).toBeLessThan(t(33) - t(32));
  });

  it('prefill attention stays on the arrays; without PIM decode attention streams the cache through them', () => {
    expect(runOn([{ ...decode(1), seqQ: 512, seqKv: 512, causal: true }]).summary.ops[0]!.config!.unit).toBeUndefined();
    const withPim = runOn([decode(32)]).summary.simulatedTimeNs;
    const without = runOn([decode(32)], { pim: null }).summary;
    expect(without.ops[0]!.config!.dataflow).toBe('weight-stationary');
    expect(without.simulatedTimeNs / withPim).toBeGreaterThan(5);
  });

  it('single row buffers block the NPU while PIM computes; dual ones let both run (NeuPIMs)', () => {
    const ops = [decode(32, { name: 'attn' }), { type: 'gemm', name: 'qkv', m: 32, n: 12288, k: 4096, stream: 1 }];
    const dual = runOn(ops).summary.simulatedTimeNs;
    const single = runOn(ops, { 'pim.rowBuffers': 'single' }).summary.simulatedTimeNs;
    const alone = runOn([ops[0]!]).summary.simulatedTimeNs + runOn([ops[1]!]).summary.simulatedTimeNs;
    expect(single / dual).toBeGreaterThan(1.15);
    expect(single / alone).toBeGreaterThan(0.9);
    expect(dual / alone).toBeLessThan(0.85);
    expect(() => runOn(ops, { 'pim.rowBuffers': 'triple' })).toThrow(/pim\.rowBuffers.*expected "single"/);
  });
});

describe('MemoryModeGate', () => {
  it('lets holders of one mode share, makes the other mode wait, and serves modes first come first served', async () => {
    const { Simulation } = await import('../../sim/index.ts');
    const { MemoryModeGate } = await import('../../devices/npu/memory-gate.ts');
    const sim = new Simulation();
    const gate = new MemoryModeGate(sim);
    const log: string[] = [];
    const holder = (name: string, mode: 'npu' | 'pim', at: number, holdNs: number) =>
      sim.process(
        (function* () {
          yield sim.timeout(at);
          yield gate.acquire(mode);
          log.push(`${name}+${sim.now}`);
          yield sim.timeout(holdNs);
          gate.release();
        })(),
      );
    holder('a', 'npu', 0, 10);
    holder('b', 'npu', 1, 10); // shares with a
    holder('p', 'pim', 2, 5); // waits for a and b
    holder('c', 'npu', 3, 1); // queued behind p, though npu holds the gate
    sim.run();
    expect(log).toEqual(['a+0', 'b+1', 'p+11', 'c+16']);
  });
});

describe("NeuPIMs' comparison (scripts/neupims-table.ts)", () => {
  it('GPT-3 6.7B on 4 devices, batch 512: NeuPIMs beats the GPU, the NPU alone and blocked NPU + PIM', async () => {
    const { neuPimsStudy } = await import('../../scripts/neupims-table.ts');
    const rows = neuPimsStudy({ model: 'gpt3-6.7b', batch: 512, seq: 256, tp: 4, link: { bandwidthBytesPerSecond: 3e11, latencyNs: 2000 }, gpu: 'a100-80gb' });
    const t = Object.fromEntries(rows.map((r) => [r.system, r.stepNs]));
    const neupims = t['NeuPIMs: dual row buffers, 2 sub-batches']!;
    expect(rows.every((r) => r.fits)).toBe(true);
    expect(t.GPU! / neupims).toBeGreaterThan(1.5);
    expect(t['NPU only']! / neupims).toBeGreaterThan(1.5);
    expect(t['NPU + PIM, blocked']! / neupims).toBeGreaterThan(1.05);
    // Dual row buffers matter once PIM and the NPU run at once (sub-batches), not before.
    expect(t['NPU + PIM, dual row buffers']).toBe(t['NPU + PIM, blocked']);
    expect(t['NPU + PIM, blocked, 2 sub-batches']! / neupims).toBeGreaterThan(1.02);
  });
});

describe('PIM placement of sequences with different caches', () => {
  it('round-robin deals sequences to channels in turn; min-load sends each to the emptiest channel', async () => {
    const { placeSequences } = await import('../../devices/npu/npu-device.ts');
    const pim = { ...resolveNpu('neupims').pim!, channels: 2, rowBytes: 1 };
    const seqs = [8, 1, 1, 1].map((bytes) => ({ bytes, inBytes: 1, outBytes: 1 }));
    expect(placeSequences(pim, seqs).map((c) => c.rows)).toEqual([9, 2]);
    expect(placeSequences({ ...pim, placement: 'min-load' }, seqs).map((c) => c.rows)).toEqual([8, 3]);
    expect(placeSequences({ ...pim, placement: 'min-load' }, seqs).map((c) => c.sequences)).toEqual([1, 3]);
  });

  it('decode attention in the banks takes as long as its busiest channel', () => {
    const runOn = (seqKvs: number[], overrides: Record<string, unknown> = {}) =>
      runScenario(parseScenario({ name: 't', device: 'neupims', deviceOverrides: overrides, traceDetail: 'none', workload: { ops: [{ type: 'attention', batch: seqKvs.length, heads: 32, seqQ: 1, seqKvs, headDim: 128 }] } })).summary.ops[0]!;
    const lengths = Array.from({ length: 64 }, (_, i) => (i % 32 === 0 ? 4096 : 256));
    // Round-robin puts both long caches in channel 0; min-load spreads them.
    const rr = runOn(lengths);
    const ml = runOn(lengths, { 'pim.placement': 'min-load' });
    expect(ml.config).toMatchObject({ placement: 'min-load' });
    expect(rr.durationNs / ml.durationNs).toBeGreaterThan(1.3);
    expect(() => runOn(lengths, { 'pim.placement': 'random' })).toThrow(/pim\.placement.*expected "round-robin" or "min-load"/);
  });
});
