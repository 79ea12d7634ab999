import { headDimOf, kvHeadsOf, type ModelConfig } from './config.ts';

/**
 * Transformer sizing rules for tensor-core GPUs (Anthony et al., "The Case for Co-Designing Model
 * Architectures with Hardware", 2024): fp16/bf16 GEMM dimensions should be multiples of 64 so that
 * tiles are not padded (tile quantization) and loads stay aligned; the head dimension h/a should
 * be a multiple of 64; tensor parallelism must divide heads; tokens per step b·s a multiple of 64.
 */
export interface SizingRule {
  id: string;
  /** What the rule asks for. */
  rule: string;
  field: string;
  value: number;
  ok: boolean;
  /** The nearest value that satisfies the rule (null when already satisfied). */
  friendly: number | null;
  /** The model with that one change (null when already satisfied or when the change is not to the model). */
  resized: ModelConfig | null;
}

export const FRIENDLY_MULTIPLE = 64;

function nearestMultiple(x: number, m: number): number {
  const down = Math.floor(x / m) * m;
  const up = Math.ceil(x / m) * m;
  if (down === 0) return up;
  return x - down < up - x ? down : up;
}

/** Head dimensions that are multiples of 64 and divide the hidden size, nearest first (larger on ties). */
function friendlyHeadDim(m: ModelConfig): number | null {
  const d = headDimOf(m);
  const candidates: number[] = [];
  for (let c = FRIENDLY_MULTIPLE; c <= m.hiddenSize; c += FRIENDLY_MULTIPLE) if (m.hiddenSize % c === 0) candidates.push(c);
  candidates.sort((a, b) => Math.abs(a - d) - Math.abs(b - d) || b - a);
  return candidates[0] ?? null;
}

/** Check every rule on a model at a step shape (tokens and tensor-parallel degree). */
export function checkSizingRules(m: ModelConfig, opts: { tokens: number; tp: number }): SizingRule[] {
  const out: SizingRule[] = [];
  const d = headDimOf(m);
  const kv = kvHeadsOf(m);
  const multiple = (id: string, rule: string, field: string, value: number, resize: (v: number) => ModelConfig | null) => {
    const ok = value % FRIENDLY_MULTIPLE === 0;
    const friendly = ok ? null : nearestMultiple(value, FRIENDLY_MULTIPLE);
    out.push({ id, rule, field, value, ok, friendly, resized: friendly === null ? null : resize(friendly) });
  };
  // The vocabulary is padded up (extra embedding rows are never produced), not cut.
  {
    const ok = m.vocabSize % FRIENDLY_MULTIPLE === 0;
    const friendly = ok ? null : Math.ceil(m.vocabSize / FRIENDLY_MULTIPLE) * FRIENDLY_MULTIPLE;
    out.push({ id: 'vocab-64', rule: 'vocabulary size a multiple of 64 (the LM-head GEMM n), padded up', field: 'vocabSize', value: m.vocabSize, ok, friendly, resized: friendly === null ? null : { ...m, vocabSize: friendly } });
  }
  {
    const ok = d % FRIENDLY_MULTIPLE === 0;
    const friendly = ok ? null : friendlyHeadDim(m);
    const resized = friendly === null ? null : ({ ...m, heads: m.hiddenSize / friendly, kvHeads: kv === m.heads ? m.hiddenSize / friendly : Math.min(kv, m.hiddenSize / friendly), headDim: friendly } as ModelConfig);
    if (resized !== null && resized.heads % (resized.kvHeads ?? resized.heads) !== 0) resized.kvHeads = resized.heads;
    out.push({ id: 'head-dim-64', rule: 'head dimension h/a a multiple of 64 (attention tiles, QKV GEMM n)', field: 'heads', value: m.heads, ok, friendly: resized?.heads ?? null, resized });
  }
  multiple('hidden-64', 'hidden size a multiple of 64 (every GEMM k or n)', 'hiddenSize', m.hiddenSize, (v) => (v % m.heads === 0 ? { ...m, hiddenSize: v, headDim: v / m.heads } : { ...m, hiddenSize: v, headDim: d }));
  multiple('ffn-64', 'FFN size a multiple of 64 (MLP GEMM n and k)', 'ffnSize', m.ffnSize, (v) => ({ ...m, ffnSize: v }));
  if (opts.tp > 1) {
    multiple('hidden-tp-64', 'hidden size / tp a multiple of 64', 'hiddenSize', m.hiddenSize / opts.tp, (v) => ({ ...m, hiddenSize: v * opts.tp }));
    multiple('ffn-tp-64', 'FFN size / tp a multiple of 64', 'ffnSize', m.ffnSize / opts.tp, (v) => ({ ...m, ffnSize: v * opts.tp }));
    const ok = m.heads % opts.tp === 0 && (kv % opts.tp === 0 || kv < opts.tp);
    out.push({ id: 'heads-tp', rule: 'heads (and KV heads) divisible by the tensor-parallel degree', field: 'heads', value: m.heads, ok, friendly: null, resized: null });
  }
  // Tokens per step: not a model dimension; reported, not resized.
  const tokensOk = opts.tokens % FRIENDLY_MULTIPLE === 0;
  out.push({ id: 'tokens-64', rule: 'tokens per step b·s a multiple of 64 (every GEMM m)', field: 'tokens', value: opts.tokens, ok: tokensOk, friendly: tokensOk ? null : nearestMultiple(opts.tokens, FRIENDLY_MULTIPLE), resized: null });
  return out;
}
