import { describe, expect, it } from 'vitest';
import { flash2DramBytes, flash2RequestedBytes, chooseSplits, splitKvDramBytes } from '../../devices/gpu/attention-kernel.ts';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { GemmOpSchema, WorkloadOpSchema, attentionFlops, attentionShape, type AttentionOp } from '../../workloads/index.ts';

const h100 = resolveDevice('h100-80gb');
const a100 = resolveDevice('a100-80gb');

function attention(fields: Record<string, unknown>): AttentionOp {
  return WorkloadOpSchema.parse({ type: 'attention', ...fields }) as AttentionOp;
}

function run(op: AttentionOp, spec = h100) {
  const r = simulateOpAlone(spec, op);
  return {
    timeNs: r.timeNs,
    dram: r.kernels.reduce((a, k) => a + k.dramBytes, 0),
    l2: r.kernels.reduce((a, k) => a + k.l2Bytes, 0),
    kernels: r.kernels,
    configs: r.configs,
  };
}

describe('FlashAttention-2 forward', () => {
  it('reads Q, K, V once from DRAM and writes O and the LSE once (K/V tiles shared in L2)', () => {
    const op = attention({ impl: 'flash2', batch: 2, heads: 8, seqQ: 1024, headDim: 64 });
    const s = attentionShape(op);
    const r = run(op);
    // Q, K, V: 3·B·H·N·d·2 bytes; O: B·H·N·d·2; LSE: B·H·N·4.
    const expected = 3 * 2 * 8 * 1024 * 64 * 2 + 2 * 8 * 1024 * (64 * 2 + 4);
    expect(flash2DramBytes(s, 'fp16')).toBe(expected);
    expect(r.dram).toBeCloseTo(expected, 0);
  });

  it('requests Q once and K/V once per Q block from the hierarchy (the paper\'s count without an L2)', () => {
    const op = attention({ impl: 'flash2', batch: 1, heads: 4, seqQ: 2048, headDim: 128 });
    const s = attentionShape(op);
    const r = run(op);
    const qBlocks = 2048 / 128;
    const expected = 4 * 2048 * 128 * 2 + qBlocks * 2 * 4 * 2048 * 128 * 2 + 4 * 2048 * (128 * 2 + 4);
    expect(flash2RequestedBytes(h100, s, 'fp16')).toBe(expected);
    expect(r.dram + r.l2).toBeCloseTo(expected, 0);
  });

  it('causal masking skips blocks above the diagonal: about half the work, time and hierarchy traffic', () => {
    const full = attention({ impl: 'flash2', batch: 4, heads: 16, seqQ: 2048, headDim: 128 });
    const causal = attention({ impl: 'flash2', batch: 4, heads: 16, seqQ: 2048, headDim: 128, causal: true });
    expect(attentionFlops(attentionShape(causal)) / attentionFlops(attentionShape(full))).toBeCloseTo((2048 + 1) / (2 * 2048), 6);
    const rf = run(full);
    const rc = run(causal);
    expect(rc.timeNs / rf.timeNs).toBeGreaterThan(0.45);
    expect(rc.timeNs / rf.timeNs).toBeLessThan(0.62);
    // DRAM: every K/V row is still read once; the hierarchy traffic follows the visited blocks.
    expect(rc.dram).toBeCloseTo(flash2DramBytes(attentionShape(causal), 'fp16'), 0);
    expect(rc.dram + rc.l2).toBeCloseTo(flash2RequestedBytes(h100, attentionShape(causal), 'fp16'), 0);
    expect((rc.dram + rc.l2) / (rf.dram + rf.l2)).toBeLessThan(0.6);
  });

  it('smaller K/V blocks where the tiles would not fit shared memory', () => {
    const a40 = resolveDevice('a40');
    const tile = (r: ReturnType<typeof run>) => String(r.configs[0]!.tile).split('x').map(Number) as [number, number];
    const decode = { impl: 'split-kv', batch: 2, heads: 8, seqQ: 1, seqKv: 4096, headDim: 256, dtype: 'bf16' };
    const prefill = { impl: 'flash2', batch: 2, heads: 8, seqQ: 1024, headDim: 256 };
    const cases = [
      // flash-decoding with head dim 256 on an A40 (~100 KB per block): 64 + 2 x 128 rows do not fit.
      { big: run(attention(decode), h100), small: run(attention(decode), a40), bytes: 2, limit: a40.sm.maxSharedMemoryBytesPerBlock },
      // FlashAttention-2 with head dim 256 on an A100: tf32 has twice the bytes of bf16.
      { big: run(attention({ ...prefill, dtype: 'bf16' }), a100), small: run(attention({ ...prefill, dtype: 'tf32' }), a100), bytes: 4, limit: a100.sm.maxSharedMemoryBytesPerBlock },
    ];
    for (const c of cases) {
      const [m, n] = tile(c.small);
      expect(n).toBeLessThan(tile(c.big)[1]);
      expect((m + 2 * n) * 256 * c.bytes).toBeLessThanOrEqual(c.limit);
      expect(Number.isFinite(c.small.timeNs) && c.small.timeNs > 0).toBe(true);
    }
  });

  it('grouped-query attention reads only the K/V heads it has', () => {
    const mha = run(attention({ impl: 'flash2', batch: 1, heads: 32, seqQ: 1024, headDim: 128 }));
    const gqa = run(attention({ impl: 'flash2', batch: 1, heads: 32, kvHeads: 8, seqQ: 1024, headDim: 128 }));
    const mqa = run(attention({ impl: 'flash2', batch: 1, heads: 32, kvHeads: 1, seqQ: 1024, headDim: 128 }));
    const kvHeadBytes = 2 * 1024 * 128 * 2;
    expect(mha.dram - gqa.dram).toBeCloseTo((32 - 8) * kvHeadBytes, 0);
    expect(mha.dram - mqa.dram).toBeCloseTo((32 - 1) * kvHeadBytes, 0);
  });

  it('rejects kvHeads that do not divide heads', () => {
    expect(WorkloadOpSchema.safeParse({ type: 'attention', heads: 32, kvHeads: 5, seqQ: 64, headDim: 64 }).success).toBe(false);
  });

  it('is charged for power by how busy it keeps the tensor cores: under the limit where a GEMM is throttled', () => {
    const unlimited = { ...h100, efficiency: { ...h100.efficiency, powerFraction: 1 } };
    const limited = { ...h100, efficiency: { ...h100.efficiency, powerFraction: 0.8 } };
    const fa = attention({ impl: 'flash2', batch: 4, heads: 16, seqQ: 4096, headDim: 128 });
    expect(run(fa, limited).timeNs / run(fa, unlimited).timeNs).toBeCloseTo(1, 3);
    const gemm = (spec: typeof h100) => simulateOpAlone(spec, GemmOpSchema.parse({ type: 'gemm', m: 8192, n: 8192, k: 8192 })).timeNs;
    expect(gemm(limited) / gemm(unlimited)).toBeGreaterThan(1.15);
  });

  it('reaches a lower fraction of peak than GEMM because softmax runs on the non-tensor units', () => {
    const op = attention({ impl: 'flash2', batch: 4, heads: 16, seqQ: 4096, headDim: 128 });
    const tflops = attentionFlops(attentionShape(op)) / run(op, a100).timeNs / 1e3;
    const tensorRoof = (312 * a100.efficiency.tensorFraction);
    expect(tflops).toBeLessThan(tensorRoof * 0.85);
    expect(tflops).toBeGreaterThan(100);
  });
});

describe('standard attention vs flash', () => {
  it('copies Q, K and V into batched layout (PyTorch eager), writes and reads the score matrix through DRAM', () => {
    const op = attention({ impl: 'standard', batch: 1, heads: 8, seqQ: 1024, headDim: 64 });
    const r = run(op);
    const scoreBytes = 8 * 1024 * 1024 * 2;
    const qkvBytes = 8 * 1024 * 64 * 2;
    expect(r.kernels.map((k) => k.name)).toEqual(['attention.q_copy', 'attention.k_copy', 'attention.qk', 'attention.softmax', 'attention.v_copy', 'attention.pv']);
    // Each copy reads and writes its tensor once; softmax reads S and writes P, exactly.
    for (const i of [0, 1, 4]) expect(r.kernels[i]!.dramBytes).toBe(2 * qkvBytes);
    expect(r.kernels[3]!.dramBytes).toBe(2 * scoreBytes);
    // QK^T writes S (plus its Q and K reads); PV reads P (plus V, writes O).
    expect(r.kernels[2]!.dramBytes).toBeGreaterThanOrEqual(scoreBytes);
    expect(r.kernels[5]!.dramBytes).toBeGreaterThanOrEqual(scoreBytes);
    // At least Q, K, V, O once plus S written, read, P written, read: 4 N^2 terms flash never moves.
    expect(r.dram).toBeGreaterThanOrEqual(4 * qkvBytes + 4 * scoreBytes);
  });

  it('causal: computes the whole score matrix and masks it in one more pass over S; a mask too big for L2 is read per head', () => {
    const fields = { impl: 'standard' as const, batch: 1, heads: 8, seqQ: 1024, headDim: 64 };
    const plain = run(attention(fields));
    const causal = run(attention({ ...fields, causal: true }));
    const scoreBytes = 8 * 1024 * 1024 * 2;
    expect(causal.kernels.map((k) => k.name)).toEqual(['attention.q_copy', 'attention.k_copy', 'attention.qk', 'attention.mask', 'attention.softmax', 'attention.v_copy', 'attention.pv']);
    // A 2 MB mask stays in L2: only the scores are read and written.
    expect(causal.kernels[3]!.dramBytes).toBe(2 * scoreBytes);
    expect(causal.dram - plain.dram).toBe(2 * scoreBytes);
    expect(causal.timeNs).toBeGreaterThan(plain.timeNs);
    // 8192 x 8192 bf16 is 128 MB, more than an H100's L2: every head reads it from DRAM.
    const long = run(attention({ ...fields, heads: 2, seqQ: 8192, causal: true }));
    expect(long.kernels[3]!.dramBytes).toBe(3 * 2 * 8192 * 8192 * 2);
  });

  it('the standard/flash traffic ratio grows with sequence length, the time ratio falls', () => {
    const ratios = [512, 2048, 8192].map((seq) => {
      const fields = { batch: 16384 / seq, heads: 16, seqQ: seq, headDim: 128 };
      const std = run(attention({ impl: 'standard', ...fields }));
      const fa = run(attention({ impl: 'flash2', ...fields }));
      return { bytes: std.dram / fa.dram, time: std.timeNs / fa.timeNs };
    });
    expect(ratios[1]!.bytes).toBeGreaterThan(ratios[0]!.bytes);
    expect(ratios[2]!.bytes).toBeGreaterThan(ratios[1]!.bytes);
    // At a fixed token count both times grow with N; the layout copies (a cost per token) weigh
    // most at short sequences, so the time ratio falls, as published (4.2x at 512, 2.7x at 8k on H100).
    expect(ratios[0]!.time).toBeGreaterThan(ratios[2]!.time);
    expect(ratios[2]!.time).toBeGreaterThan(1.5);
  });
});

describe('decode attention with split-KV', () => {
  it('splits a small batch\'s KV sequence to fill the GPU, then combines', () => {
    const op = attention({ batch: 1, heads: 32, kvHeads: 8, seqQ: 1, seqKv: 8192, headDim: 128 });
    const s = attentionShape(op);
    expect(s.impl).toBe('split-kv');
    const r = run(op);
    const splits = Number(r.configs[0]!.splits);
    expect(splits).toBeGreaterThan(1);
    expect(r.kernels.map((k) => k.name)).toEqual(['attention.split', 'attention.combine']);
    // The KV cache once, Q once per split, O once, and the fp32 partials written and read back.
    const kv = 2 * 8 * 8192 * 128 * 2;
    const partials = 2 * 32 * splits * (128 * 4 + 4);
    expect(splitKvDramBytes(s, 'fp16', splits)).toBe(kv + (splits + 1) * 32 * 128 * 2 + partials);
    expect(r.dram).toBeCloseTo(splitKvDramBytes(s, 'fp16', splits), 0);
    // Bandwidth-bound: close to the DRAM roof.
    const roofNs = (kv / (h100.memory.bandwidthBytesPerSecond * h100.efficiency.dramFraction)) * 1e9;
    expect(r.timeNs).toBeGreaterThan(roofNs);
  });

  it('does not split when the batch already fills the GPU', () => {
    const r = run(attention({ batch: 64, heads: 32, kvHeads: 8, seqQ: 1, seqKv: 4096, headDim: 128 }));
    expect(r.configs[0]!.splits).toBe(1);
    expect(r.kernels).toHaveLength(1);
    expect(r.dram).toBeCloseTo(splitKvDramBytes(attentionShape(attention({ batch: 64, heads: 32, kvHeads: 8, seqQ: 1, seqKv: 4096, headDim: 128 })), 'fp16', 1), 0);
  });

  it('split heuristic: no split at >= 80% occupancy, otherwise a split with good wave efficiency', () => {
    expect(chooseSplits(200, 200, 64)).toBe(1);
    const n = chooseSplits(8, 132, 64);
    expect(n).toBeGreaterThan(1);
    expect((8 * n) / 132 / Math.ceil((8 * n) / 132)).toBeGreaterThan(0.7);
  });
});

describe('decode attention over sequences of different lengths (seqKvs)', () => {
  const base = { batch: 4, heads: 32, kvHeads: 8, seqQ: 1, headDim: 128 };

  it('equal lengths give the same kernel as one shared seqKv', () => {
    const shared = run(attention({ ...base, seqKv: 2048 }));
    const listed = run(attention({ ...base, seqKvs: [2048, 2048, 2048, 2048] }));
    expect(listed.timeNs).toBe(shared.timeNs);
    expect(listed.dram).toBe(shared.dram);
  });

  it('each sequence streams its own cache: bytes and FLOPs are the sums, splits sized by the longest', () => {
    const lengths = [64, 4096, 512, 2048];
    const op = attention({ ...base, seqKvs: lengths });
    const s = attentionShape(op);
    expect(s.seqKv).toBe(4096);
    expect(attentionFlops(s)).toBe(4 * 32 * 128 * lengths.reduce((a, l) => a + l, 0));
    const r = run(op);
    const splits = Number(r.configs[0]!.splits);
    expect(r.dram).toBeCloseTo(splitKvDramBytes(s, 'fp16', splits), 0);
    // Shorter than all at the longest, longer than all at the mean.
    expect(r.timeNs).toBeLessThan(run(attention({ ...base, seqKv: 4096 })).timeNs);
    expect(r.timeNs).toBeGreaterThan(run(attention({ ...base, seqKv: 1024 })).timeNs * 0.9);
  });

  it('names what does not fit: one length per sequence, not with seqKv, decode only', () => {
    expect(() => attention({ ...base, seqKvs: [1, 2] })).toThrow(/expected one key count per sequence/);
    expect(() => attention({ ...base, seqKv: 8, seqKvs: [1, 2, 3, 4] })).toThrow(/expected seqKv or seqKvs, not both/);
    expect(() => attention({ ...base, seqQ: 512, seqKvs: [512, 512, 512, 512] })).toThrow(/only for decode attention/);
  });
});
