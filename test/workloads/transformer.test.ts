import { afterEach, describe, expect, it, vi } from 'vitest';
import { addLayerTrack, formatBreakdown, simulateStep } from '../../cli/commands/llm.ts';
import { llmVary } from '../../cli/commands/llm-vary.ts';
import { main } from '../../cli/main.ts';
import { buildTransformerStep, opRole } from '../../workloads/transformer/builder.ts';
import { layerParams, loadModel, modelIds } from '../../workloads/transformer/config.ts';
import { WorkloadSchema } from '../../workloads/index.ts';

describe('model presets', () => {
  it('all parse and cite a source', () => {
    expect(modelIds()).toEqual(expect.arrayContaining(['gpt3-2.7b', 'gpt3-175b', 'llama2-7b', 'llama2-70b', 'llama3-8b', 'llama3-70b', 'mixtral-8x7b']));
    for (const id of modelIds()) expect(loadModel(id).sources.length).toBeGreaterThan(0);
  });

  it('parameter counts match the published sizes', () => {
    const total = (id: string) => {
      const m = loadModel(id);
      return layerParams(m).total * m.layers + 2 * m.hiddenSize * m.vocabSize; // + embeddings and LM head
    };
    expect(total('llama2-7b') / 1e9).toBeCloseTo(6.74, 1);
    expect(total('llama2-70b') / 1e9).toBeCloseTo(69.0, 0);
    expect(total('gpt3-175b') / 1e9).toBeGreaterThan(173);
    expect(total('gpt3-175b') / 1e9).toBeLessThan(176);
    expect(total('mixtral-8x7b') / 1e9).toBeCloseTo(46.7, 0);
  });
});

describe('transformer step builder', () => {
  it('builds a valid op graph with one track per layer', () => {
    const step = buildTransformerStep(loadModel('llama2-7b'), { phase: 'prefill', batch: 2, seq: 512 });
    expect(() => WorkloadSchema.parse({ ops: step.ops })).not.toThrow();
    const tracks = new Set(step.ops.map((o) => o.track));
    expect(tracks.size).toBe(32 + 2);
    const roles = step.ops.filter((o) => o.name?.startsWith('L0.')).map((o) => opRole(o.name!));
    expect(roles).toEqual(['attn_norm', 'qkv', 'rope', 'attn', 'o_proj', 'attn_add', 'mlp_norm', 'mlp_up', 'act', 'mlp_down', 'mlp_add']);
  });

  it('fp8 is FP8 serving: the layer projections fp8 x fp8 writing bf16, everything else bf16', () => {
    const types = (opts: Parameters<typeof buildTransformerStep>[1]) =>
      Object.fromEntries(buildTransformerStep(loadModel('mixtral-8x7b'), opts).ops.filter((o) => o.name === undefined || !/^L[1-9]/.test(o.name)).map((o) => {
        const op = o as { name: string; dtype: string; outDtype?: string; bytes?: number };
        return [opRole(op.name), `${op.dtype}${op.outDtype !== undefined ? `->${op.outDtype}` : ''}${op.bytes !== undefined ? ` ${op.bytes}` : ''}`];
      }));
    const fp8 = types({ phase: 'decode', batch: 4, seq: 512, tp: 2, dtype: 'fp8' });
    for (const role of ['qkv', 'o_proj', 'moe_up', 'moe_down']) expect(fp8[role]).toBe('fp8->bf16');
    for (const role of ['embed', 'attn_norm', 'rope', 'attn', 'router', 'moe_permute', 'act', 'moe_unpermute', 'mlp_add', 'final_norm', 'lm_head']) expect(fp8[role]).toBe('bf16');
    // The all-reduce moves bf16 partial sums: 4 tokens x 4096 x 2 bytes.
    expect(fp8.attn_allreduce).toBe(`bf16 ${4 * 4096 * 2}`);
    // An FP8 KV cache runs the attention kernels in fp8 and nothing else.
    const kv8 = types({ phase: 'decode', batch: 4, seq: 512, tp: 2, dtype: 'fp8', kvDtype: 'fp8' });
    expect(kv8).toEqual({ ...fp8, attn: 'fp8' });
    // Without fp8, every op runs in the step's dtype.
    const bf16 = types({ phase: 'decode', batch: 4, seq: 512, tp: 2, dtype: 'bf16' });
    expect(new Set(Object.values(bf16).map((t) => t.split(' ')[0]))).toEqual(new Set(['bf16']));
  });

  it('an fp8 decode step streams half the projection weights of a bf16 one, and writes bf16', () => {
    const m = loadModel('llama2-7b');
    const run = (dtype: 'bf16' | 'fp8') => simulateStep(m, { phase: 'decode', batch: 1, seq: 1024, layers: 'one', dtype }, { device: 'h100-80gb', traceDetail: 'none' });
    const bytes = (s: ReturnType<typeof run>, name: string) => s.result.summary.ops.find((o) => o.name === name)!.dramBytes!;
    const b = run('bf16');
    const f = run('fp8');
    for (const name of ['L0.qkv', 'L0.mlp_up', 'L0.mlp_down']) expect(bytes(f, name) / bytes(b, name)).toBeCloseTo(0.5, 2);
    expect(bytes(f, 'lm_head')).toBe(bytes(b, 'lm_head'));
    expect(bytes(f, 'L0.attn')).toBe(bytes(b, 'L0.attn'));
    expect(f.stepTimeNs).toBeLessThan(b.stepTimeNs * 0.75);
    // The summary says which element types ran.
    const llm = (s: ReturnType<typeof run>) => (s.result.summary as unknown as { llm: { dtypes: unknown } }).llm.dtypes;
    expect(llm(f)).toEqual({ linear: 'fp8', activations: 'bf16', kv: 'bf16' });
    expect(llm(b)).toEqual({ linear: 'bf16', activations: 'bf16', kv: 'bf16' });
  });

  it('simulated FLOPs equal 2 x params x tokens plus attention (dense, prefill)', () => {
    const m = loadModel('llama2-7b');
    const s = simulateStep(m, { phase: 'prefill', batch: 1, seq: 256, layers: 'one' }, { device: 'h100-80gb', traceDetail: 'none' });
    const tokens = 256;
    const params = layerParams(m).active * m.layers + m.hiddenSize * m.vocabSize;
    const attention = m.layers * 4 * m.heads * ((256 * 257) / 2) * 128;
    const simulated = s.breakdown.reduce((a, r) => a + r.flops, 0);
    expect(simulated).toBeCloseTo(2 * params * tokens + attention, -3);
    expect(s.step.analytic.gemmFlops + s.step.analytic.attentionFlops).toBeCloseTo(simulated, -3);
  });

  it('simulated FLOPs equal the active-parameter count for MoE (decode, all layers)', () => {
    const m = loadModel('mixtral-8x7b');
    const s = simulateStep(m, { phase: 'decode', batch: 8, seq: 1024 }, { device: 'h100-80gb', traceDetail: 'none' });
    const simulated = s.result.summary.totals.flops;
    const attention = m.layers * 4 * 8 * m.heads * 1024 * 128;
    const params = layerParams(m).active * m.layers + m.hiddenSize * m.vocabSize;
    expect(simulated).toBeCloseTo(2 * params * 8 + attention, -3);
    for (const counts of s.step.routing) expect(counts.reduce((a, b) => a + b, 0)).toBe(8 * 2);
  });

  it('one simulated layer stands for all: step time close to simulating every layer', () => {
    const m = loadModel('llama2-7b');
    const opts = { phase: 'decode' as const, batch: 4, seq: 2048 };
    const all = simulateStep(m, opts, { device: 'a100-80gb', traceDetail: 'none' });
    const one = simulateStep(m, { ...opts, layers: 'one' }, { device: 'a100-80gb', traceDetail: 'none' });
    expect(one.stepTimeNs / all.stepTimeNs).toBeGreaterThan(0.98);
    expect(one.stepTimeNs / all.stepTimeNs).toBeLessThan(1.02);
    expect(one.breakdown.find((r) => r.role === 'qkv')!.count).toBe(32);
  });

  it('is deterministic: same inputs and seed give identical summaries; a new seed re-routes', () => {
    const m = loadModel('mixtral-8x7b');
    const run = (seed: number) => simulateStep(m, { phase: 'prefill', batch: 1, seq: 256, layers: 'one', seed }, { device: 'h100-80gb', traceDetail: 'none' });
    const a = run(3);
    expect(JSON.stringify(run(3).result.summary)).toBe(JSON.stringify(a.result.summary));
    expect(run(4).step.routing).not.toEqual(a.step.routing);
  });

  it('tensor parallelism all-reduces the attention and MLP outputs of every layer over the tp GPUs', () => {
    const m = loadModel('llama2-70b');
    const opts = { phase: 'decode' as const, batch: 8, seq: 1024, layers: 'one' as const };
    const single = buildTransformerStep(m, opts);
    expect(single.ops.some((op) => op.type === 'allreduce')).toBe(false);
    const tp = buildTransformerStep(m, { ...opts, tp: 8 });
    const reduces = tp.ops.filter((op) => op.type === 'allreduce');
    expect(reduces.map((op) => opRole(op.name!))).toEqual(['attn_allreduce', 'mlp_allreduce']);
    for (const op of reduces) expect(op).toMatchObject({ ranks: 8, bytes: 8 * 8192 * 2 });
    // Each one comes right after the projection whose partial sums it adds.
    const roles = tp.ops.map((op) => opRole(op.name!));
    expect(roles[roles.indexOf('attn_allreduce') - 1]).toBe('o_proj');
    expect(roles[roles.indexOf('mlp_allreduce') - 1]).toBe('mlp_down');
    const run = simulateStep(m, { ...opts, tp: 8 }, { device: 'h100-80gb', traceDetail: 'none' });
    expect(run.breakdown.find((r) => r.role === 'mlp_allreduce')!.count).toBe(80);
  });

  it('overlap tile is sequence parallelism with tile-level overlap: row-parallel GEMMs reduce-scatter as they write, column-parallel ones gather as they read, MoE layers gather and scatter around their experts', () => {
    const m = loadModel('llama2-70b');
    const opts = { phase: 'prefill' as const, batch: 2, seq: 2048, layers: 'one' as const, tp: 8 };
    const t3 = buildTransformerStep(m, { ...opts, overlap: 'tile', reduction: 'near-memory' });
    expect(t3.ops.some((op) => op.type === 'allreduce' || op.type === 'allgather')).toBe(false);
    const byRole = (role: string) => t3.ops.find((op) => op.name !== undefined && opRole(op.name) === role)! as Record<string, unknown>;
    for (const role of ['o_proj', 'mlp_down']) expect(byRole(role)).toMatchObject({ reduceScatter: { ranks: 8, overlap: 'tile', reduction: 'near-memory' } });
    for (const role of ['qkv', 'mlp_up', 'lm_head']) expect(byRole(role)).toMatchObject({ allGather: { ranks: 8, overlap: 'tile' } });
    // Norms and residual adds on this GPU's 1/8 of the 4096 tokens; the attention and activation on all.
    for (const role of ['attn_norm', 'attn_add', 'mlp_norm', 'mlp_add']) expect(byRole(role)).toMatchObject({ rows: 512 });
    expect(byRole('act')).toMatchObject({ rows: 4096 });
    const time = (o: { overlap?: 'none' | 'tile' }) => simulateStep(m, { ...opts, ...o }, { device: 'h100-80gb', traceDetail: 'none' }).result.summary.simulatedTimeNs;
    expect(time({ overlap: 'tile' })).toBeLessThan(0.9 * time({ overlap: 'none' }));
    // Without tensor parallelism there is nothing to overlap: the same ops.
    expect(buildTransformerStep(m, { ...opts, tp: 1, overlap: 'tile' }).ops).toEqual(buildTransformerStep(m, { ...opts, tp: 1 }).ops);
    // MoE layers gather their input before the router and reduce-scatter after the unpermute.
    const moe = buildTransformerStep(loadModel('mixtral-8x7b'), { ...opts, tp: 2, overlap: 'tile' });
    const moeRoles = moe.ops.filter((op) => op.name?.startsWith('L0.')).map((op) => opRole(op.name!));
    expect(moeRoles.slice(moeRoles.indexOf('mlp_norm'))).toEqual(['mlp_norm', 'moe_allgather', 'router', 'moe_permute', 'moe_up', 'act', 'moe_down', 'moe_unpermute', 'moe_reducescatter', 'mlp_add']);
    expect(moe.ops.some((op) => op.type === 'allreduce')).toBe(false);
    const moeTime = (o: { overlap?: 'none' | 'tile' }) => simulateStep(loadModel('mixtral-8x7b'), { ...opts, tp: 2, ...o }, { device: 'h100-80gb', traceDetail: 'none' }).result.summary.simulatedTimeNs;
    expect(moeTime({ overlap: 'tile' })).toBeLessThan(moeTime({ overlap: 'none' }));
  });

  it('nano-batches (NanoFlow): the batch in equal parts, each on its own stream and tracks; with tensor parallelism their collectives overlap the other part\'s compute', () => {
    const m = loadModel('llama2-7b');
    const opts = { phase: 'prefill' as const, batch: 4, seq: 512, tp: 2 };
    const whole = buildTransformerStep(m, opts);
    const split = buildTransformerStep(m, { ...opts, nanoBatches: 2 });
    expect(split.ops).toHaveLength(2 * whole.ops.length);
    expect(new Set(split.ops.map((op) => op.stream))).toEqual(new Set([0, 1]));
    expect(split.ops.filter((op) => op.stream === 1).every((op) => op.name!.endsWith('/n1') && op.track!.endsWith(' /n1'))).toBe(true);
    expect(opRole('L3.qkv/n1')).toBe('qkv');
    // Each part runs half the tokens; the step still holds the whole batch's KV cache and tokens.
    expect(split.ops.find((op) => op.name === 'L0.qkv/n1')).toMatchObject({ m: 1024 });
    expect(split.tokens).toBe(whole.tokens);
    expect(split.memory).toEqual(whole.memory);
    const run = (n: number) => simulateStep(m, { ...opts, nanoBatches: n }, { device: 'h100-80gb', traceDetail: 'kernel' });
    const one = run(1);
    const two = run(2);
    expect(two.stepTimeNs).toBeLessThan(one.stepTimeNs);
    expect(two.breakdown.find((r) => r.role === 'attn_allreduce')!.count).toBe(2 * 32);
    // Layer spans go on one "layers" track per part: they overlap across parts.
    const names = (two.result.trace.traceEvents as Record<string, unknown>[]).filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => (e.args as { name: string }).name);
    expect(names).toEqual(expect.arrayContaining(['layers /n0', 'layers /n1']));
    expect(() => buildTransformerStep(m, { ...opts, batch: 3, nanoBatches: 2 })).toThrow(/--nano-batches 2: expected a divisor of --batch \(3\)/);
    // --vary nano-batches: a row per count, the count in its column, the same step times as single runs.
    const { rows } = llmVary(m, opts, { device: 'h100-80gb', sets: [], vary: 'nano-batches=1,2', quiet: true });
    expect(rows.map((r) => [r.parameter, r.nano_batches])).toEqual([['nano-batches', 1], ['nano-batches', 2]]);
    expect(Number(rows[1]!.step_us)).toBe(Math.round(two.stepTimeNs) / 1000);
    expect(() => llmVary(m, opts, { device: 'h100-80gb', sets: [], vary: 'nano-batches=3', quiet: true })).toThrow(/--vary nano-batches=3: --nano-batches 3: expected a divisor/);
    expect(() => buildTransformerStep(m, { ...opts, nanoBatches: 2, layers: 'one' })).toThrow(/expected --layers all/);
  });

  it('tensor parallelism must divide heads', () => {
    expect(() => buildTransformerStep(loadModel('llama2-7b'), { phase: 'decode', batch: 1, seq: 16, tp: 3 })).toThrow(/--tp 3: expected a divisor of the model's heads \(32\)/);
  });
});

describe('layer track', () => {
  it('goes on a new thread after the busiest one, however many events the trace has (CTA detail: hundreds of thousands)', () => {
    const s = simulateStep(loadModel('llama2-7b'), { phase: 'decode', batch: 1, seq: 128, layers: 'one' }, { device: 'h100-80gb', traceDetail: 'kernel' });
    const events = s.result.trace.traceEvents as Record<string, unknown>[];
    const pid = Number(events.find((e) => e.ph === 'M' && e.name === 'process_name')?.pid);
    // Pad the trace past what a spread call can take as arguments.
    for (let i = 0; i < 300_000; i++) events.push({ ph: 'X', pid, tid: 7 + (i % 3), ts: 0, dur: 1, name: 'pad' });
    let maxTid = 0;
    for (const e of events) if (e.pid === pid) maxTid = Math.max(maxTid, Number(e.tid ?? 0));
    const before = events.filter((e) => e.name === 'thread_name' && (e.args as { name: string }).name === 'layers').length;
    addLayerTrack(s.result, s.result.summary.ops);
    const layers = events.filter((e) => e.name === 'thread_name' && (e.args as { name: string }).name === 'layers');
    expect(layers).toHaveLength(before + 1);
    expect(Number(layers.at(-1)!.tid)).toBeGreaterThan(maxTid);
  });
});

describe('tilewave llm: bad input', () => {
  let stderr = '';
  afterEach(() => vi.restoreAllMocks());
  const run = async (args: string[]) => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return main(['node', 'tilewave', 'llm', ...args]);
  };
  const base = ['--device', 'h100-80gb', '--phase', 'decode', '--batch', '1', '--seq', '128'];

  it.each([
    [['--model', 'nope', ...base], /--model "nope": not a known model; expected one of: .*llama2-7b/],
    [['--model', 'llama2-7b', '--device', 'h100-80gb', '--phase', 'decode', '--batch', '-1', '--seq', '128'], /--batch "-1": expected an integer >= 1/],
    [['--model', 'llama2-7b', '--device', 'h100-80gb', '--phase', 'train', '--batch', '1', '--seq', '128'], /--phase "train": expected prefill or decode/],
    [['--model', 'llama2-7b', ...base, '--tp', '3'], /--tp 3: expected a divisor/],
    [['--model', 'llama2-7b', '--device', 'tpu', '--phase', 'decode', '--batch', '1', '--seq', '128'], /device "tpu" is not a known preset/],
  ])('%j exits 2 with one line', async (args, message) => {
    expect(await run(args as string[])).toBe(2);
    expect(stderr).toMatch(message as RegExp);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('runs a decode step', async () => {
    expect(await run(['--model', 'llama2-7b', ...base, '--json'])).toBe(0);
    expect(stderr).toBe('');
  });

  it('warns, in one line, when the weights and KV cache outgrow one GPU, and still simulates', async () => {
    expect(await run(['--model', 'llama2-70b', '--device', 'h100-80gb', '--phase', 'decode', '--batch', '64', '--seq', '4096', '--layers', 'one', '--json'])).toBe(0);
    expect(stderr).toBe('tilewave: warning: one GPU would hold 138.0 GB of weights and 85.9 GB of KV cache; h100-80gb has 80.0 GB (simulated as if it fit; a larger --tp or a smaller --batch would)\n');
    expect(await run(['--model', 'llama2-70b', '--device', 'h100-80gb', '--phase', 'decode', '--batch', '64', '--seq', '4096', '--layers', 'one', '--tp', '8', '--json'])).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('memory footprint of a step on one GPU', () => {
  const m = loadModel('llama2-7b');
  const kvPerToken = 2 * m.layers * m.heads * 128 * 2; // K and V, every layer, fp16 (no grouped-query attention)

  it('weights: every parameter once in the projections\' type, embeddings and LM head in the activations\'', () => {
    const fp16 = buildTransformerStep(m, { phase: 'decode', batch: 4, seq: 1000 }).memory;
    const embeddings = 2 * m.hiddenSize * m.vocabSize;
    expect(fp16.weightBytes).toBe(2 * (layerParams(m).total * m.layers + embeddings));
    expect(fp16.kvCacheBytes).toBe(4 * 1001 * kvPerToken);
    // Tensor parallelism splits both; FP8 halves the projections only; an FP8 KV cache halves the cache.
    const tp2 = buildTransformerStep(m, { phase: 'decode', batch: 4, seq: 1000, tp: 2 }).memory;
    expect(tp2).toEqual({ weightBytes: fp16.weightBytes / 2, kvCacheBytes: fp16.kvCacheBytes / 2 });
    const fp8 = buildTransformerStep(m, { phase: 'decode', batch: 4, seq: 1000, dtype: 'fp8', kvDtype: 'fp8' }).memory;
    expect(fp8).toEqual({ weightBytes: layerParams(m).total * m.layers + 2 * embeddings, kvCacheBytes: fp16.kvCacheBytes / 2 });
    // Prefill holds the prompt's cache.
    expect(buildTransformerStep(m, { phase: 'prefill', batch: 2, seq: 512 }).memory.kvCacheBytes).toBe(2 * 512 * kvPerToken);
  });

  it('the text report says what one GPU holds, and when it does not fit', () => {
    const line = (device: string, batch = 4) => formatBreakdown(simulateStep(m, { phase: 'decode', batch, seq: 1000, layers: 'one', dtype: 'fp8' }, { device, traceDetail: 'none' })).split('\n')[1];
    const w = buildTransformerStep(m, { phase: 'decode', batch: 4, seq: 1000, dtype: 'fp8' }).memory;
    const gb = (b: number) => (b / 1e9).toFixed(1);
    expect(line('h100-80gb')).toBe(`one GPU holds ${gb(w.weightBytes)} GB of weights (fp8 projections) and ${gb(w.kvCacheBytes)} GB of KV cache (bf16) of its 80.0 GB`);
    expect(line('rtx-4070')).toMatch(/of its 12\.0 GB$/);
    expect(line('rtx-4070', 16)).toMatch(/of its 12\.0 GB: does not fit$/);
  });

  it('MoE: the weights of every expert count, not only the active ones', () => {
    const mx = loadModel('mixtral-8x7b');
    const w = buildTransformerStep(mx, { phase: 'decode', batch: 1, seq: 16 }).memory.weightBytes;
    expect(w).toBe(2 * (layerParams(mx).total * mx.layers + 2 * mx.hiddenSize * mx.vocabSize));
    expect(w / 2 / 1e9).toBeCloseTo(46.7, 1);
  });
});

describe('decode with requests of different lengths (--seq-min)', () => {
  const m = loadModel('llama2-7b');
  const step = (extra: Record<string, unknown> = {}) => buildTransformerStep(m, { phase: 'decode', batch: 16, seq: 2048, seqMin: 128, layers: 'one', ...extra });

  it('draws each sequence`s cache from seqMin to seq, seeded, and counts what they hold', () => {
    const a = step();
    const attn = a.ops.find((o) => o.name === 'L0.attn') as { seqKvs: number[] };
    expect(attn.seqKvs).toHaveLength(16);
    for (const l of attn.seqKvs) expect(l >= 128 && l <= 2048).toBe(true);
    expect(new Set(attn.seqKvs).size).toBeGreaterThan(8);
    expect((step().ops.find((o) => o.name === 'L0.attn') as { seqKvs: number[] }).seqKvs).toEqual(attn.seqKvs);
    expect((step({ seed: 2 }).ops.find((o) => o.name === 'L0.attn') as { seqKvs: number[] }).seqKvs).not.toEqual(attn.seqKvs);
    const tokens = attn.seqKvs.reduce((x, l) => x + l + 1, 0);
    expect(a.memory.kvCacheBytes).toBe(2 * 32 * 32 * 128 * tokens * 2);
  });

  it('nano-batches split the same draws between their parts', () => {
    const whole = (buildTransformerStep(m, { phase: 'decode', batch: 16, seq: 2048, seqMin: 128 }).ops.find((o) => o.name === 'L0.attn') as { seqKvs: number[] }).seqKvs;
    const parts = buildTransformerStep(m, { phase: 'decode', batch: 16, seq: 2048, seqMin: 128, nanoBatches: 2 }).ops.filter((o) => o.name?.startsWith('L0.attn/')) as unknown as { seqKvs: number[] }[];
    expect(parts.flatMap((p) => p.seqKvs)).toEqual(whole);
  });

  it('refuses a prefill or a minimum above --seq, by flag', () => {
    expect(() => buildTransformerStep(m, { phase: 'prefill', batch: 2, seq: 512, seqMin: 128 })).toThrow(/--seq-min 128: expected --phase decode/);
    expect(() => buildTransformerStep(m, { phase: 'decode', batch: 2, seq: 512, seqMin: 1024 })).toThrow(/--seq-min 1024: expected at most --seq \(512\)/);
  });
});

describe('vocabulary padding (serving engines pad the LM head)', () => {
  const head = (id: string, o: Record<string, unknown>) => {
    const op = buildTransformerStep(loadModel(id), { phase: 'decode', batch: 8, seq: 256, ...o }).ops.find((x) => x.name === 'lm_head');
    return op !== undefined && op.type === 'gemm' ? op.n : undefined;
  };

  it("pads the vocabulary up to the multiple before the tp split; 1 leaves the model's", () => {
    expect(head('gpt3-2.7b', {})).toBe(50257);
    expect(head('gpt3-2.7b', { vocabPadding: 64 })).toBe(50304);
    expect(head('gpt3-2.7b', { vocabPadding: 64, tp: 4 })).toBe(50304 / 4);
    expect(head('gpt3-2.7b', { tp: 4 })).toBe(Math.ceil(50257 / 4));
    expect(head('llama2-7b', { vocabPadding: 64 })).toBe(32000);
    expect(() => buildTransformerStep(loadModel('llama2-7b'), { phase: 'decode', batch: 1, seq: 1, vocabPadding: 0 })).toThrow(/vocabPadding/);
  });

  it('on the H100 the padded head is the faster step, and the summary says it was padded', () => {
    const step = (vocabPadding: number) => simulateStep(loadModel('gpt3-2.7b'), { phase: 'decode', batch: 64, seq: 512, layers: 'one', vocabPadding }, { device: 'h100-80gb', traceDetail: 'none' });
    const asIs = step(1);
    const padded = step(64);
    expect(padded.stepTimeNs).toBeLessThan(asIs.stepTimeNs);
    const llm = (r: typeof padded) => (r.result.summary as unknown as { llm: Record<string, unknown> }).llm;
    expect(llm(padded).vocabPadding).toBe(64);
    expect(llm(asIs).vocabPadding).toBeUndefined();
  });
});
