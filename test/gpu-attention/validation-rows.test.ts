import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasuredCsv } from '../../devices/validation/measured.ts';
import { ROW_OPS, predictRow, skipReason } from '../../devices/validation/predict.ts';
import { parseScenario, runScenario } from '../../devices/scenario.ts';

describe('measured FlashAttention-2 rows', () => {
  const { rows, skipped } = parseMeasuredCsv(readFileSync('data/measured/flash-attention2.csv', 'utf8'), 'flash-attention2.csv');

  it('parse, map to the flash2 op and are all simulable', () => {
    expect(skipped).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) expect(skipReason(row)).toBeNull();
    const op = ROW_OPS.attention!(rows.find((r) => r.extra.kv_heads === '8')!);
    expect(op).toMatchObject({ type: 'attention', impl: 'flash2', heads: 32, kvHeads: 8, headDim: 128 });
  });

  it('predictions are within 25% of the measured times', () => {
    for (const row of rows) {
      const p = predictRow(row);
      expect(Math.abs(p.predictedUs / row.measuredUs - 1)).toBeLessThan(0.25);
    }
  });
});

describe('published FlashAttention-2 rows on H100 (FlashAttention-3 paper, Fig. 5)', () => {
  const { rows, skipped } = parseMeasuredCsv(readFileSync('data/measured/flash-attention2-h100.csv', 'utf8'), 'flash-attention2-h100.csv');

  it('cover 512..16k, head dims 64 and 128, causal and not, all as flash2 on h100-80gb', () => {
    expect(skipped).toEqual([]);
    expect(new Set(rows.map((r) => r.extra.seq_q))).toEqual(new Set(['512', '1024', '2048', '4096', '8192', '16384']));
    expect(new Set(rows.map((r) => `${r.extra.head_dim}/${r.extra.causal}`))).toEqual(new Set(['64/false', '128/false', '128/true']));
    for (const row of rows) {
      expect(skipReason(row)).toBeNull();
      expect(ROW_OPS[row.op]!(row)).toMatchObject({ type: 'attention', impl: 'flash2', dtype: 'bf16' });
      // 16k tokens per run, hidden size 2048.
      expect(Number(row.extra.batch) * Number(row.extra.seq_q)).toBe(16384);
      expect(Number(row.extra.heads) * Number(row.extra.head_dim)).toBe(2048);
    }
  });

  it('predictions are within 25% of the published times', () => {
    for (const row of rows) {
      const p = predictRow(row);
      expect(Math.abs(p.predictedUs / row.measuredUs - 1)).toBeLessThan(0.25);
    }
  });
});

describe('determinism', () => {
  it('an attention + MoE scenario gives byte-identical traces run to run', () => {
    const scenario = {
      name: 'det', device: 'h100-80gb', seed: 5,
      workload: { ops: [
        { type: 'attention', name: 'fa', batch: 2, heads: 16, kvHeads: 4, seqQ: 1024, headDim: 128, causal: true },
        { type: 'grouped_gemm', name: 'moe', routing: { tokens: 512, experts: 8, topK: 2, distribution: 'skewed', seed: 5 }, n: 1024, k: 1024 },
        { type: 'attention', name: 'dec', batch: 4, heads: 16, kvHeads: 4, seqQ: 1, seqKv: 3000, headDim: 128 },
      ] },
    };
    const a = runScenario(parseScenario(scenario));
    const b = runScenario(parseScenario(scenario));
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
  });
});

describe('measured decode attention rows on A100 (data/measured/decode-attention-vidur-a100.csv)', () => {
  const { rows, skipped } = parseMeasuredCsv(readFileSync('data/measured/decode-attention-vidur-a100.csv', 'utf8'), 'decode-attention-vidur-a100.csv');

  it('are split-KV decode steps of Llama-2-70B attention at tp 2, batch 1-128, caches of 32-4,032 tokens', () => {
    expect(skipped).toEqual([]);
    expect(rows).toHaveLength(1319);
    for (const row of rows) {
      expect(skipReason(row)).toBeNull();
      const op = ROW_OPS[row.op]!(row) as { batch: number; seqKv: number };
      expect(op).toMatchObject({ type: 'attention', impl: 'split-kv', heads: 32, kvHeads: 4, seqQ: 1, headDim: 128, causal: false, dtype: 'fp16' });
      expect(op.batch).toBeGreaterThanOrEqual(1);
      expect(op.batch).toBeLessThanOrEqual(128);
      // The source's kv_cache_size (a multiple of 32) plus the token being decoded.
      expect((op.seqKv - 1) % 32).toBe(0);
      expect(Number(row.extra.min_us)).toBeLessThanOrEqual(row.measuredUs);
      expect(Number(row.extra.max_us)).toBeGreaterThanOrEqual(row.measuredUs);
    }
  });

  it('long caches are bound by streaming them: the time grows with the batch', () => {
    const at = (batch: number) => predictRow(rows.find((r) => r.extra.seq_kv === '2113' && r.extra.batch === String(batch))!).predictedUs;
    expect(at(96)).toBeGreaterThan(at(88) * 1.05);
    // 96 sequences x 2,113 tokens x 4 KV heads x 128 x 2 (K, V) x 2 bytes over the A100's achievable DRAM bandwidth.
    const bytes = 96 * 2113 * 4 * 128 * 2 * 2;
    expect(at(96) * 1e-6).toBeGreaterThan(bytes / 2.039e12);
  });
});
