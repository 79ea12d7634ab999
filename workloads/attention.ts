import { z } from 'zod';
import { OpDtypeSchema, opCommon } from './ops.ts';

/** Query lengths up to this use split-kv under impl "auto" (decode, speculative decode). */
export const SPLIT_KV_MAX_SEQ_Q = 16;

const count = (what: string) =>
  z.number({ error: `expected an integer >= 1 (${what})` }).int({ error: `expected an integer >= 1 (${what})` }).min(1, { error: `expected an integer >= 1 (${what})` }).max(2 ** 31, { error: `expected an integer <= 2^31 (${what})` });

/**
 * Attention O = softmax(Q K^T / sqrt(d)) V over `batch` sequences and `heads` query heads.
 * `kvHeads` < `heads` is grouped-query attention (heads / kvHeads query heads share one K/V head;
 * kvHeads = 1 is multi-query). seqQ = 1 with a long seqKv is decode against a KV cache.
 *
 * impl: `flash2` (FlashAttention-2 forward: tiles in shared memory, online softmax),
 * `standard` (QK^T GEMM, softmax, PV GEMM as separate kernels; the score matrix goes through HBM),
 * `split-kv` (flash-decoding: the KV sequence split across thread blocks, then a reduction), or
 * `auto` (split-kv when seqQ is small, else flash2).
 */
export const AttentionOpSchema = z
  .strictObject({
    type: z.literal('attention'),
    ...opCommon,
    impl: z.enum(['auto', 'flash2', 'standard', 'split-kv'], { error: 'expected one of auto, flash2, standard, split-kv' }).default('auto'),
    batch: count('sequences').default(1),
    heads: count('query heads'),
    kvHeads: count('key/value heads').optional(),
    seqQ: count('query tokens per sequence'),
    /** Keys per sequence (the KV cache length in decode); defaults to seqQ. */
    seqKv: count('key tokens per sequence').optional(),
    headDim: count('head dimension'),
    /** Causal mask, aligned bottom-right when seqQ < seqKv (query i sees keys <= i + seqKv - seqQ). */
    causal: z.boolean().default(false),
    dtype: OpDtypeSchema.default('fp16'),
    /** Force the split count of split-kv (otherwise the occupancy heuristic picks it). */
    splits: z.number().int().min(1).max(1024).optional(),
    /**
     * Keys of each sequence, when they differ (a serving batch decoding requests of different
     * lengths): one per sequence, in place of seqKv. Decode attention only (split-kv; seqQ <= 16).
     */
    seqKvs: z.array(count('key tokens of one sequence')).optional(),
  })
  .refine((op) => op.kvHeads === undefined || op.heads % op.kvHeads === 0, {
    error: 'expected kvHeads to divide heads (grouped-query attention)',
    path: ['kvHeads'],
  })
  .refine((op) => op.seqKvs === undefined || op.seqKvs.length === op.batch, { error: 'expected one key count per sequence (as many as batch)', path: ['seqKvs'] })
  .refine((op) => op.seqKvs === undefined || op.seqKv === undefined, { error: 'expected seqKv or seqKvs, not both', path: ['seqKvs'] })
  .refine((op) => op.seqKvs === undefined || (op.seqQ <= SPLIT_KV_MAX_SEQ_Q && (op.impl === 'auto' || op.impl === 'split-kv')), {
    error: `expected per-sequence key counts only for decode attention (seqQ <= ${SPLIT_KV_MAX_SEQ_Q}, impl auto or split-kv)`,
    path: ['seqKvs'],
  });
export type AttentionOp = z.infer<typeof AttentionOpSchema>;

/** The op with defaults resolved: kvHeads and seqKv filled in, impl chosen. */
export interface AttentionShape {
  impl: 'flash2' | 'standard' | 'split-kv';
  batch: number;
  heads: number;
  kvHeads: number;
  seqQ: number;
  seqKv: number;
  headDim: number;
  causal: boolean;
  /** Forced split count (split-kv only). */
  splits?: number;
  /** Keys of each sequence when they differ (seqKv is then their largest). */
  seqKvs?: number[];
}


export function attentionShape(op: AttentionOp): AttentionShape {
  const impl = op.impl === 'auto' ? (op.seqQ <= SPLIT_KV_MAX_SEQ_Q ? 'split-kv' : 'flash2') : op.impl;
  return {
    impl,
    batch: op.batch,
    heads: op.heads,
    kvHeads: op.kvHeads ?? op.heads,
    seqQ: op.seqQ,
    seqKv: op.seqKvs !== undefined ? Math.max(...op.seqKvs) : (op.seqKv ?? op.seqQ),
    headDim: op.headDim,
    causal: op.causal,
    ...(op.splits !== undefined ? { splits: op.splits } : {}),
    ...(op.seqKvs !== undefined ? { seqKvs: op.seqKvs } : {}),
  };
}

/** Keys of sequence `b` (its own count, or the shared seqKv). */
export function seqKvOf(s: Pick<AttentionShape, 'seqKv' | 'seqKvs'>, b: number): number {
  return s.seqKvs?.[b] ?? s.seqKv;
}

/** Cached keys of the whole batch: the sum of every sequence's. */
export function batchKeys(s: Pick<AttentionShape, 'batch' | 'seqKv' | 'seqKvs'>): number {
  return s.seqKvs !== undefined ? s.seqKvs.reduce((a, k) => a + k, 0) : s.batch * s.seqKv;
}

/** Keys query row `i` attends to (causal: bottom-right aligned). */
export function keysVisible(s: Pick<AttentionShape, 'seqQ' | 'seqKv' | 'causal'>, i: number): number {
  if (!s.causal) return s.seqKv;
  return Math.max(0, Math.min(s.seqKv, i + 1 + s.seqKv - s.seqQ));
}

/** Unmasked (query, key) pairs of one head. */
export function attendedPairs(s: Pick<AttentionShape, 'seqQ' | 'seqKv' | 'causal'>): number {
  if (!s.causal) return s.seqQ * s.seqKv;
  // Rows see seqKv - seqQ + 1 ... seqKv keys (clamped at 0): an arithmetic series.
  let pairs = 0;
  const first = s.seqKv - s.seqQ + 1;
  if (first >= 1) return s.seqQ * first + (s.seqQ * (s.seqQ - 1)) / 2;
  for (let i = 0; i < s.seqQ; i++) pairs += keysVisible(s, i);
  return pairs;
}

/** Useful attention FLOPs: QK^T and PV, 2·d each per unmasked pair (the convention of the FA2 paper). */
export function attentionFlops(s: Pick<AttentionShape, 'batch' | 'heads' | 'seqQ' | 'seqKv' | 'headDim' | 'causal' | 'seqKvs'>): number {
  return 4 * s.heads * batchPairs(s) * s.headDim;
}

/** Unmasked (query, key) pairs of one head over the whole batch (each sequence its own keys). */
export function batchPairs(s: Pick<AttentionShape, 'batch' | 'seqQ' | 'seqKv' | 'causal' | 'seqKvs'>): number {
  if (s.seqKvs === undefined) return s.batch * attendedPairs(s);
  return s.seqKvs.reduce((a, seqKv) => a + attendedPairs({ seqQ: s.seqQ, seqKv, causal: s.causal }), 0);
}
