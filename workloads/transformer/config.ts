import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InputError, parseWith } from '../../sim/validation.ts';

const positiveInt = (what: string) =>
  z.number({ error: `expected an integer >= 1 (${what})` }).int({ error: `expected an integer >= 1 (${what})` }).min(1, { error: `expected an integer >= 1 (${what})` });

/** A decoder-only transformer, as its config file describes it. */
export const ModelConfigSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, { error: 'expected a lower-case id like "llama2-7b"' }),
    name: z.string().min(1),
    /** Where the numbers come from (paper table, published config). */
    sources: z.array(z.string()).min(1, { error: 'expected at least one source citation' }),
    hiddenSize: positiveInt('model width'),
    heads: positiveInt('query heads'),
    /** Key/value heads (grouped-query attention); defaults to heads. */
    kvHeads: positiveInt('key/value heads').optional(),
    /** Defaults to hiddenSize / heads. */
    headDim: positiveInt('head dimension').optional(),
    /** Width of the MLP's hidden layer (per expert for MoE). */
    ffnSize: positiveInt('MLP hidden width'),
    /** Gated MLP (SwiGLU/GeGLU): an up and a gate projection, multiplied. */
    gatedMlp: z.boolean(),
    activation: z.enum(['gelu', 'silu'], { error: 'expected gelu or silu' }),
    norm: z.enum(['layernorm', 'rmsnorm'], { error: 'expected layernorm or rmsnorm' }),
    rotary: z.boolean(),
    layers: positiveInt('decoder layers'),
    vocabSize: positiveInt('vocabulary size'),
    maxSeq: positiveInt('context length').optional(),
    moe: z
      .strictObject({
        experts: positiveInt('experts per MoE layer'),
        topK: positiveInt('experts per token'),
        routing: z.enum(['uniform', 'skewed'], { error: 'expected uniform or skewed' }).default('uniform'),
        /** Zipf exponent of the skewed routing. */
        skew: z.number().min(0).max(8).default(1),
      })
      .optional(),
  })
  .refine((m) => m.heads % (m.kvHeads ?? m.heads) === 0, { error: 'expected kvHeads to divide heads', path: ['kvHeads'] })
  .refine((m) => m.headDim !== undefined || m.hiddenSize % m.heads === 0, { error: 'expected heads to divide hiddenSize (or give headDim)', path: ['heads'] })
  .refine((m) => m.moe === undefined || m.moe.topK <= m.moe.experts, { error: 'expected topK <= experts', path: ['moe', 'topK'] });
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

const MODEL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');

export function modelIds(): string[] {
  return readdirSync(MODEL_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function parseModel(raw: unknown, where = 'model'): ModelConfig {
  return parseWith(ModelConfigSchema, raw, where);
}

/** A preset model by id (`workloads/models/<id>.json`). */
export function loadModel(id: string): ModelConfig {
  const ids = modelIds();
  if (!ids.includes(id)) throw new InputError(`--model "${id}": not a known model; expected one of: ${ids.join(', ')}`);
  return parseModel(JSON.parse(readFileSync(join(MODEL_DIR, `${id}.json`), 'utf8')), `model ${id}`);
}

export function headDimOf(m: ModelConfig): number {
  return m.headDim ?? m.hiddenSize / m.heads;
}

export function kvHeadsOf(m: ModelConfig): number {
  return m.kvHeads ?? m.heads;
}

/**
 * Weights per decoder layer that each token multiplies (MoE: the router plus topK experts), and in
 * all; the LM head separately. Norm weights and biases carry no GEMM FLOPs and are left out.
 */
export function layerParams(m: ModelConfig): { active: number; total: number } {
  const d = headDimOf(m);
  const attn = m.hiddenSize * (m.heads + 2 * kvHeadsOf(m)) * d + m.heads * d * m.hiddenSize;
  const mlp = (m.gatedMlp ? 3 : 2) * m.hiddenSize * m.ffnSize;
  if (m.moe === undefined) return { active: attn + mlp, total: attn + mlp };
  const router = m.hiddenSize * m.moe.experts;
  return { active: attn + router + m.moe.topK * mlp, total: attn + router + m.moe.experts * mlp };
}
