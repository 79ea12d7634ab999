import { describe, expect, it } from 'vitest';
import { AUTO_CTA_SPAN_LIMIT, parseScenario, runScenario } from '../../devices/scenario.ts';
import { presetIds, resolveDevice } from '../../devices/presets.ts';
import { BYTES_PER_ELEMENT, type Dtype, type GpuSpec } from '../../devices/gpu/spec.ts';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { gemmKernel } from '../../devices/gpu/gemm-kernel.ts';
import { ctaResources, planGemm, tileCandidates } from '../../devices/gpu/gemm-plan.ts';
import { GpuDevice } from '../../devices/gpu/gpu-device.ts';
import { Simulation, TraceRecorder } from '../../sim/index.ts';
import { GemmOpSchema } from '../../workloads/index.ts';
import { configLabel } from '../../devices/gpu/kernel.ts';

function gemm(device: string, op: Record<string, unknown>, overrides: Record<string, unknown> = {}, traceDetail = 'none') {
  return runScenario(parseScenario({ name: 't', device, deviceOverrides: overrides, traceDetail, workload: { ops: [{ type: 'gemm', ...op }] } }));
}

describe('tiled GEMM on the GPU model: wave quantization', () => {
  // m = k = 8192 with a fixed 128x256 tile: CTAs = 64 * ceil(n / 256), one per SM at a time. The
  // throughput drops exactly where the CTA count spills into one more wave, and nowhere else.
  for (const device of ['a100-80gb', 'h100-80gb']) {
    it(`throughput drops where waves overflow (${device})`, () => {
      const sms = resolveDevice(device).sm.count;
      const ns: number[] = [];
      for (let n = 1024; n <= 8192; n += 64) ns.push(n);
      const tflops = ns.map((n) => gemm(device, { m: 8192, n, k: 8192, tile: '128x256x64', splitK: 1, tailSplit: 1 }).summary.totals.achievedFlopsPerSecond);
      const waves = (n: number) => Math.ceil((64 * Math.ceil(n / 256)) / sms);
      const expected = ns.filter((n, i) => i > 0 && waves(n) > waves(ns[i - 1]!));
      const drops = ns.filter((_, i) => i > 0 && tflops[i]! < tflops[i - 1]! * 0.99);
      expect(expected.length).toBeGreaterThan(5);
      expect(drops).toEqual(expected);
    });
  }

  it('reports the waves and tiles of the chosen kernel', () => {
    const spec = resolveDevice('a100-80gb');
    const s = gemm('a100-80gb', { m: 4096, n: 4096, k: 4096, tile: '128x256x64', splitK: 1 }).summary.ops[0]!;
    expect(s.tiles).toBe(32 * 16);
    expect(s.waves).toBeCloseTo((32 * 16) / spec.sm.count, 3);
    expect(s.config?.tile).toBe('128x256x64');
  });

  it('the heuristic picks a config and records it; split-K fills the GPU for skinny, deep GEMMs', () => {
    const big = gemm('h100-80gb', { m: 8192, n: 8192, k: 8192 }).summary.ops[0]!;
    expect(big.config?.splitK).toBe(1);
    const skinny = gemm('h100-80gb', { m: 64, n: 1024, k: 16384 }).summary.ops[0]!;
    expect(Number(skinny.config?.splitK)).toBeGreaterThan(1);
  });
});

describe('GPU model: bytes, bounds and what-ifs', () => {
  it('moves exactly the compulsory HBM bytes when everything fits in L2', () => {
    const m = 1024, n = 1024, k = 1024;
    const s = gemm('a100-80gb', { m, n, k }).summary;
    const compulsory = (m * k + k * n + m * n) * 2;
    // Shares of cooperative fetches are fractions of a panel: exact up to float rounding.
    expect(Math.abs(s.totals.dramBytes - compulsory) / compulsory).toBeLessThan(1e-9);
  });

  it('keeps HBM traffic between the compulsory bytes and no reuse at all for a large GEMM', () => {
    const m = 8192, n = 8192, k = 8192;
    const s = gemm('h100-80gb', { m, n, k, tile: '128x256x64', splitK: 1 }).summary;
    const compulsory = (m * k + k * n + m * n) * 2;
    const noReuse = (m * k * (n / 256) + k * n * (m / 128) + m * n) * 2;
    expect(s.totals.dramBytes).toBeGreaterThanOrEqual(compulsory);
    expect(s.totals.dramBytes).toBeLessThan(noReuse / 4);
  });

  it('never beats the compute or bandwidth roof', () => {
    for (const [m, n, k] of [[1, 4096, 4096], [64, 8192, 8192], [4096, 4096, 4096], [8192, 8192, 8192], [333, 777, 5555]] as const) {
      const r = gemm('h100-80gb', { m, n, k });
      const spec = resolveDevice('h100-80gb');
      const flops = 2 * m * n * k;
      const bytes = (m * k + k * n + m * n) * 2;
      const roofNs = Math.max((flops / spec.tensor.flopsPerSecond.fp16!) * 1e9, (bytes / spec.memory.bandwidthBytesPerSecond) * 1e9);
      expect(r.summary.simulatedTimeNs).toBeGreaterThan(roofNs);
    }
  });

  it('every preset runs a GEMM in every dtype it has a tensor rate for, within that dtype\'s roofs', () => {
    for (const device of presetIds()) {
      const spec = resolveDevice(device);
      if (spec.family !== 'gpu') continue;
      for (const [dtype, peak] of Object.entries(spec.tensor.flopsPerSecond) as [Dtype, number][]) {
        const [m, n, k] = [2048, 2048, 2048];
        const r = gemm(device, { m, n, k, dtype });
        const roofNs = Math.max((2 * m * n * k) / peak! * 1e9, ((m * k + k * n + m * n) * BYTES_PER_ELEMENT[dtype]) / spec.memory.bandwidthBytesPerSecond * 1e9);
        expect(r.summary.simulatedTimeNs, `${device} ${dtype}`).toBeGreaterThan(roofNs);
        // Not absurdly slow either: within 4x of the roof at this size.
        expect(r.summary.simulatedTimeNs, `${device} ${dtype}`).toBeLessThan(4 * roofNs);
      }
    }
  });

  it('what-ifs can set a field the preset leaves at its default, and unknown fields fail by name', () => {
    // The a100 preset does not spell out sm.persistentGemm (default false).
    const r = gemm('a100-80gb', { m: 4096, n: 4096, k: 4096, tile: '128x256x64' }, { 'sm.persistentGemm': true });
    expect(r.summary.ops[0]!.config?.persistent).toBe(true);
    expect(() => gemm('a100-80gb', { m: 64, n: 64, k: 64 }, { 'l2.nonsense': 3 })).toThrow(/unknown field "l2\.nonsense"/);
  });

  it('on Hopper the 8-warp (two consumer warpgroups) tiles run persistent, the 4-warp tiles one CTA per tile', () => {
    const h100 = resolveDevice('h100-80gb');
    const op = GemmOpSchema.parse({ type: 'gemm', m: 4096, n: 4096, k: 1024, splitK: 1, tailSplit: 1 });
    const ctas = (spec: GpuSpec, tile: string) => simulateOpAlone(spec, { ...op, tile }).kernels[0]!.ctaCount;
    // 512 tiles of 128x256 on 132 SMs: one looping CTA per SM; 1024 tiles of 128x128: one CTA each.
    expect(ctas(h100, '128x256x64')).toBe(h100.sm.count);
    expect(ctas(h100, '128x128x64')).toBe(1024);
    expect(gemm('h100-80gb', { ...op, tile: '128x256x64' }).summary.ops[0]!.config!.persistent).toBe(true);
    expect(gemm('h100-80gb', { ...op, tile: '128x128x64' }).summary.ops[0]!.config!.persistent).toBeUndefined();
    // Without persistent kernels on the device, neither is.
    expect(ctas(resolveDevice('h100-80gb', { 'sm.persistentGemm': false }), '128x256x64')).toBe(512);
  });

  it('CTAs sharing an SM split it: a partial second round runs at half an SM per CTA', () => {
    // 128x128 tiles fit twice per H100 SM. 200 tiles: 68 SMs hold two, 64 hold one; 132 tiles:
    // one per SM. With no power limit, DRAM energy or launch cost, the doubled CTAs take about
    // twice as long as lone ones (not 200/132 as a chip-wide pool alone would give).
    const free = { 'efficiency.powerFraction': 1, 'efficiency.dramPicojoulesPerByte': 0, 'efficiency.kernelOverheadNs': 0 };
    const run = (m: number, n: number) => gemm('h100-80gb', { m, n, k: 8192, tile: '128x128x64', splitK: 1 }, free).summary;
    const lone = run(1408, 1536);
    const mixed = run(1280, 2560);
    expect([lone.ops[0]!.tiles, mixed.ops[0]!.tiles]).toEqual([132, 200]);
    expect(mixed.simulatedTimeNs / lone.simulatedTimeNs).toBeGreaterThan(1.7);
    expect(mixed.simulatedTimeNs / lone.simulatedTimeNs).toBeLessThan(2.05);
  });

  it('a memory-bound GEMM speeds up with HBM bandwidth, a compute-bound one with tensor rate', () => {
    const decode = { m: 8, n: 8192, k: 8192 };
    const base = gemm('h100-80gb', decode).summary.simulatedTimeNs;
    const fastHbm = gemm('h100-80gb', decode, { 'memory.bandwidthBytesPerSecond': 6.7e12 }).summary.simulatedTimeNs;
    expect(fastHbm).toBeLessThan(base * 0.8);
    const big = { m: 8192, n: 8192, k: 8192 };
    const b = gemm('h100-80gb', big).summary.simulatedTimeNs;
    const fastHbmBig = gemm('h100-80gb', big, { 'memory.bandwidthBytesPerSecond': 6.7e12 }).summary.simulatedTimeNs;
    // Twice the tensor rate and twice the shared-memory bandwidth that feeds it (otherwise the
    // operand reads from shared memory become the limit).
    const fastTensor = gemm('h100-80gb', big, { 'tensor.flopsPerSecond.fp16': 2 * 989e12, 'sm.sharedMemoryBytesPerClock': 256 }).summary.simulatedTimeNs;
    expect(fastHbmBig).toBeGreaterThan(b * 0.95);
    // Not 0.5: memory then binds part of the time.
    expect(fastTensor).toBeLessThan(b * 0.8);
  });

  it('DRAM power share: the math slows while DRAM streams on a power-limited chip, most near the ridge', () => {
    // Same kernel with and without DRAM drawing 70 pJ per byte (70 W per TB/s: 31% of the H100's
    // 700 W at its achievable 3.1 TB/s).
    const slowdown = (m: number, tile: string, overrides: Record<string, unknown> = {}) => {
      const op = { m, n: 8192, k: 8192, tile, splitK: 1, tailSplit: 1 };
      const base = gemm('h100-80gb', op, { ...overrides, 'efficiency.dramPicojoulesPerByte': 0 }).summary.simulatedTimeNs;
      const shared = gemm('h100-80gb', op, { ...overrides, 'efficiency.dramPicojoulesPerByte': 70 }).summary.simulatedTimeNs;
      return shared / base;
    };
    // Weight streaming: the SMs wait on DRAM, the power left to them is enough. At the ridge both
    // are busy. A large GEMM with every operand kept in a huge L2: DRAM is nearly idle.
    const memoryBound = slowdown(16, '64x64x64');
    const ridge = slowdown(384, '128x256x64');
    const fromL2 = slowdown(8192, '128x256x64', { 'l2.sizeBytes': 1e9, 'efficiency.l2ReuseFraction': 1 });
    expect(ridge).toBeGreaterThan(1.05);
    expect(ridge).toBeLessThan(1 / (1 - 0.31));
    expect(memoryBound).toBeLessThan(ridge - 0.03);
    expect(fromL2).toBeLessThan(ridge - 0.03);
    // The trace shows it: a counter of the power DRAM leaves to the SMs, down while it streams.
    const traced = gemm('h100-80gb', { m: 384, n: 8192, k: 8192 }, { 'efficiency.dramPicojoulesPerByte': 70 }, 'kernel');
    const left = traced.trace.traceEvents.filter((e) => e.ph === 'C' && e.name === 'SM power left (%)').map((e) => (e.args as { '%': number })['%']);
    expect(Math.min(...left)).toBeLessThan(80);
    expect(left.at(-1)).toBe(100);
    // The energy is per byte: twice the bandwidth at full use draws twice the power, so an energy
    // the H100 can carry takes its whole 700 W with 2x HBM bandwidth, and is an error there.
    const small = { m: 64, n: 64, k: 64 };
    expect(gemm('h100-80gb', small, { 'efficiency.dramPicojoulesPerByte': 140 }).summary.simulatedTimeNs).toBeGreaterThan(0);
    expect(() => gemm('h100-80gb', small, { 'memory.bandwidthBytesPerSecond': 6.7e12, 'efficiency.dramPicojoulesPerByte': 140 })).toThrow(
      /efficiency\.dramPicojoulesPerByte.*expected < 113\.6 \(DRAM at its full 6\.159 TB\/s would draw all of the 700 W\)/,
    );
  });

  it('imperfect overlap slows kernels at the compute/memory ridge most', () => {
    // Same kernel (tile and splits forced) with perfect and with half overlap of math and loads:
    // the exposed part is half the shorter of a step's math and its loads.
    const slowdown = (m: number, tile: string, overrides: Record<string, unknown> = {}) => {
      const op = { m, n: 8192, k: 8192, tile, splitK: 1, tailSplit: 1 };
      const perfect = gemm('h100-80gb', op, { ...overrides, 'efficiency.overlapFraction': 1 }).summary.simulatedTimeNs;
      const half = gemm('h100-80gb', op, { ...overrides, 'efficiency.overlapFraction': 0.5 }).summary.simulatedTimeNs;
      expect(half).toBeGreaterThan(perfect);
      return half / perfect;
    };
    // m = 16 on 64x64 tiles: weights stream from HBM, the math is small; m = 256 on 128x128
    // tiles: HBM time and math about equal; m = 4096 with an L2 and L2-to-SM path 8x as fast:
    // operands arrive long before they are needed.
    const memoryBound = slowdown(16, '64x64x64');
    const ridge = slowdown(256, '128x128x64');
    const computeBound = slowdown(4096, '128x128x64', { 'sm.l2ToSmBytesPerClock': 512, 'l2.bandwidthBytesPerSecond': 1e14 });
    expect(ridge).toBeGreaterThan(1.15);
    expect(ridge).toBeLessThanOrEqual(1.5);
    expect(memoryBound).toBeLessThan(ridge - 0.05);
    expect(computeBound).toBeLessThan(ridge - 0.05);
  });

  it('traces one span per CTA on the SM tracks, never overlapping on a lane', () => {
    const r = gemm('a100-80gb', { m: 2048, n: 2048, k: 1024, tile: '128x128x64', splitK: 1 }, {}, 'cta');
    const spans = r.trace.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'gemm' && e.tid !== undefined);
    const ctaSpans = spans.filter((e) => String(e.name).startsWith('tile '));
    expect(ctaSpans.length).toBe(16 * 16);
    const byLane = new Map<string, { ts: number; dur: number }[]>();
    for (const e of ctaSpans) {
      const key = `${e.pid}/${e.tid}`;
      if (!byLane.has(key)) byLane.set(key, []);
      byLane.get(key)!.push({ ts: e.ts as number, dur: e.dur as number });
    }
    for (const lane of byLane.values()) {
      lane.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < lane.length; i++) expect(lane[i]!.ts).toBeGreaterThanOrEqual(lane[i - 1]!.ts + lane[i - 1]!.dur - 1e-6);
    }
  });

  it('persistent kernels (H100): one CTA per slot loops over tiles; the trace still shows every tile', () => {
    const r = gemm('h100-80gb', { m: 4096, n: 4096, k: 1024, tile: '128x256x64', splitK: 1, tailSplit: 1 }, {}, 'cta');
    const op = r.summary.ops[0]!;
    expect(op.config?.persistent).toBe(true);
    expect(op.tiles).toBe(32 * 16);
    const tileSpans = r.trace.traceEvents.filter((e) => e.ph === 'X' && String(e.name).startsWith('tile '));
    expect(tileSpans.length).toBe(32 * 16);
    expect(new Set(tileSpans.map((e) => (e.args as Record<string, unknown> | undefined)?.cta)).size).toBe(132);
    // Same work without persistence costs more: every CTA pays its own pipeline fill.
    const fresh = gemm('h100-80gb', { m: 4096, n: 4096, k: 1024, tile: '128x256x64', splitK: 1, tailSplit: 1 }, { 'sm.persistentGemm': false });
    expect(fresh.summary.ops[0]!.config?.persistent).toBeUndefined();
    expect(r.summary.simulatedTimeNs).toBeLessThan(fresh.summary.simulatedTimeNs);
  });

  it('auto trace detail counts a persistent kernel\'s tiles, not its CTAs: 132 CTAs over 205k tiles draw no per-tile spans', () => {
    // 4096^3 x 400 in 256x128 tiles: 16 x 32 x 400 = 204,800 tiles, more than AUTO_CTA_SPAN_LIMIT.
    const big = gemm('h100-80gb', { m: 4096, n: 4096, k: 4096, batch: 400, tile: '256x128x64', splitK: 1, tailSplit: 1 }, {}, 'auto');
    expect(big.summary.ops[0]!.config?.persistent).toBe(true);
    expect(big.summary.ops[0]!.tiles).toBeGreaterThan(AUTO_CTA_SPAN_LIMIT);
    const spans = big.trace.traceEvents.filter((e) => e.ph === 'X');
    expect(spans.some((e) => String(e.name).startsWith('tile '))).toBe(false);
    expect(spans.some((e) => e.cat === 'gemm')).toBe(true); // the kernel's span on its stream track
    // Below the limit the same kernel keeps its per-tile spans.
    const small = gemm('h100-80gb', { m: 4096, n: 4096, k: 4096, batch: 2, tile: '256x128x64', splitK: 1, tailSplit: 1 }, {}, 'auto');
    expect(small.trace.traceEvents.filter((e) => e.ph === 'X' && String(e.name).startsWith('tile ')).length).toBe(16 * 32 * 2);
  });

  it('persistent CTAs walk every work item once: tiles, splits, tail pieces, their bytes and their steps add up', () => {
    const spec = resolveDevice('h100-80gb') as GpuSpec;
    const gpu = new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none');
    // Edge tiles in m and n, 2 batches, the last wave's tiles split 3 ways over K (k not a multiple of the split).
    const op = GemmOpSchema.parse({ type: 'gemm', m: 1000, n: 3000, k: 5000, batch: 2, tile: '128x256x64', splitK: 1, tailSplit: 3 });
    const plan = planGemm(spec, op, gpu.occupancy.bind(gpu));
    const kernel = gemmKernel(spec, op, plan, 'g');
    const tiles = 8 * 12 * 2;
    const tail = tiles % plan.slots;
    expect(plan.tailSplit).toBe(3);
    expect(kernel.ctaCount).toBe(plan.slots);
    expect(kernel.tiles).toBe(tiles + 2 * tail);
    const seen = new Map<string, number>();
    let aBytes = 0;
    let bBytes = 0;
    let storeBytes = 0;
    let segments = 0;
    for (let c = 0; c < kernel.ctaCount; c++) {
      const cta = kernel.cta(c);
      let segmentSteps = 0;
      for (let step = 0; step < cta.steps; step++) {
        const [a, b] = cta.loads(step);
        aBytes += a!.bytes;
        bBytes += b!.bytes;
        expect(cta.stepWorkNs(step)).toBeGreaterThan(0);
        storeBytes += cta.stepStoreBytes!(step);
        segmentSteps++;
        const seg = cta.segmentEnd!(step);
        if (seg === null) continue;
        segments++;
        const key = `${seg.args!.batch} ${seg.label}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        // A whole tile walks fill, two long steps and drain; a tail piece's K loop is a third as long, still 4 steps.
        expect(segmentSteps).toBe(4);
        segmentSteps = 0;
      }
      expect(segmentSteps).toBe(0);
    }
    expect(segments).toBe(tiles + 2 * tail);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // Each tile's K pieces together read its whole A rows and B columns (edge tiles only their real extent).
    const bytes = 2;
    expect(aBytes).toBeCloseTo(2 * 1000 * 5000 * bytes * 12, 0);
    expect(bBytes).toBeCloseTo(2 * 3000 * 5000 * bytes * 8, 0);
    // Output once, plus the fp32 partials of the tail's pieces written and read back.
    const tailOut = [...seen.keys()].filter((k) => / k\d$/.test(k)).length;
    expect(tailOut).toBe(3 * tail);
    expect(storeBytes).toBeGreaterThan(2 * 1000 * 3000 * bytes);
  });

  it('tail split (persistent kernels): the leftover tiles of the last wave run in K pieces that fill the GPU', () => {
    // 128x256 tiles of m = n = 4096 + 256: 34 x 17 = 578 tiles = 4 full waves of 132 + 50 left over.
    const op = { m: 4352, n: 4352, k: 8192, tile: '128x256x64', splitK: 1 };
    const plain = gemm('h100-80gb', { ...op, tailSplit: 1 }, {}, 'cta');
    const split = gemm('h100-80gb', { ...op, tailSplit: 2 }, {}, 'cta');
    const s = split.summary.ops[0]!;
    expect(s.config?.tailSplit).toBe(2);
    expect(s.config?.tailTiles).toBe(578 - 4 * 132);
    expect(configLabel(s.config!)).toBe('128x256x64 tailSplit=2');
    expect(s.tiles).toBe(578 + 50);
    // Every leftover tile is drawn as two K pieces; the full waves' tiles once each.
    const spans = split.trace.traceEvents.filter((e) => e.ph === 'X' && String(e.name).startsWith('tile '));
    expect(spans.filter((e) => / k[01]$/.test(String(e.name))).length).toBe(100);
    expect(spans.length).toBe(628);
    // Halving the tail's K loops shortens the last wave by more than the partials' extra traffic.
    expect(split.summary.simulatedTimeNs).toBeLessThan(plain.summary.simulatedTimeNs);
    // Same useful work either way; the split only adds the fp32 partials' traffic.
    expect(s.flops).toBe(plain.summary.ops[0]!.flops);
    expect(s.dramBytes).toBeGreaterThan(plain.summary.ops[0]!.dramBytes);
    // A tail split cuts the tiles of an unsplit kernel only.
    expect(() => gemm('h100-80gb', { ...op, splitK: 2, tailSplit: 2 })).toThrow(/field "workload\.ops\.0\.tailSplit" = 2: expected tailSplit 1 when splitK > 1/);
    // Non-persistent kernels keep their last wave: the heuristic never tail-splits there.
    const fresh = gemm('h100-80gb', { m: 4352, n: 4352, k: 8192 }, { 'sm.persistentGemm': false });
    expect(fresh.summary.ops[0]!.config?.tailSplit).toBeUndefined();
  });

  it('a forced kernel is honoured while it can run, and otherwise fails naming the field', () => {
    // k = 256 is four 64-deep iterations: a forced split-K 4 runs (one iteration per split), 5 cannot.
    const four = gemm('a100-80gb', { m: 64, n: 4096, k: 256, splitK: 4, tile: '64x64x64' });
    expect(four.summary.ops[0]!.config?.splitK).toBe(4);
    expect(() => gemm('a100-80gb', { m: 64, n: 4096, k: 256, splitK: 5, tile: '64x64x64' })).toThrow(/field "splitK" = 5: k = 256 gives at most 4 K iterations.*expected splitK <= 4/);
    // 128x256x64 in tf32 needs 288 KB of shared memory: more than an H100 SM has.
    expect(() => gemm('h100-80gb', { m: 256, n: 256, k: 256, dtype: 'tf32', tile: '128x256x64' })).toThrow(/field "tile" = "128x256x64": in tf32 a CTA needs 294912 B of shared memory/);
  });

  it('two streams overlap: together they finish sooner than one after the other', () => {
    const ops = [
      { type: 'gemm', name: 'a', m: 2048, n: 8192, k: 4096, stream: 0 },
      { type: 'gemm', name: 'b', m: 16, n: 8192, k: 8192, stream: 1 },
    ];
    const run = (o: unknown[]) => runScenario(parseScenario({ name: 't', device: 'a100-80gb', traceDetail: 'none', workload: { ops: o } })).summary.simulatedTimeNs;
    const both = run(ops);
    const serial = run(ops.map((o) => ({ ...o, stream: 0 })));
    expect(both).toBeLessThan(serial);
  });
});

describe('tile candidates per operand width', () => {
  it('fp8 tiles are twice as deep in K as the 2-byte ones, tf32 ones half as deep too: the same shared memory per stage', () => {
    const fp16 = tileCandidates('fp16');
    const fp8 = tileCandidates('fp8');
    expect(fp8).toHaveLength(fp16.length);
    fp16.forEach((t, i) => {
      expect(fp8[i]).toEqual({ ...t, tileK: 2 * t.tileK });
      expect(ctaResources(fp8[i]!, 'fp8').sharedMemoryBytes).toBe(ctaResources(t, 'fp16').sharedMemoryBytes);
    });
    for (const t of tileCandidates('tf32').filter((c) => !fp16.some((u) => u.tileK === c.tileK && u.tileM === c.tileM && u.tileN === c.tileN))) {
      expect(fp16.some((u) => u.tileM === t.tileM && u.tileN === t.tileN && u.tileK === 2 * t.tileK)).toBe(true);
    }
  });
});
