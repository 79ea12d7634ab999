import { z } from 'zod';
import { Rng } from '../sim/rng.ts';
import { OpDtypeSchema, opCommon } from './ops.ts';

/**
 * How a router spreads tokens over experts. `uniform`: every expert equally likely; `skewed`:
 * expert popularity follows a Zipf law with exponent `skew` (hot experts, as seen in trained MoE
 * routers), under a seeded random permutation so the hot experts are not always the first ones.
 */
export const RoutingSchema = z.strictObject({
  tokens: z.number().int().min(1, { error: 'expected an integer >= 1 (tokens routed)' }),
  experts: z.number().int().min(1, { error: 'expected an integer >= 1 (experts)' }).max(4096),
  topK: z.number().int().min(1, { error: 'expected an integer >= 1 (experts per token)' }),
  distribution: z.enum(['uniform', 'skewed'], { error: 'expected uniform or skewed' }).default('uniform'),
  /** Zipf exponent of the skewed distribution (0 = uniform). */
  skew: z.number().min(0).max(8).default(1),
  seed: z.number().int().min(0).default(1),
}).refine((r) => r.topK <= r.experts, { error: 'expected topK <= experts', path: ['topK'] });
export type Routing = z.infer<typeof RoutingSchema>;

/**
 * Tokens per expert: each token picks topK distinct experts, drawn from the routing distribution
 * with a seeded generator. The counts sum to tokens · topK and depend only on the inputs and seed.
 */
export function routeTokens(r: Routing): number[] {
  const rng = new Rng(r.seed).fork('moe-routing');
  const weights = expertWeights(r, rng);
  const counts = new Array<number>(r.experts).fill(0);
  const picked = new Uint8Array(r.experts);
  for (let t = 0; t < r.tokens; t++) {
    const chosen: number[] = [];
    for (let k = 0; k < r.topK; k++) {
      // Draw without replacement: zero the weights already chosen for this token.
      let total = 0;
      for (let e = 0; e < r.experts; e++) if (picked[e] === 0) total += weights[e]!;
      let x = rng.next() * total;
      let e = 0;
      for (; e < r.experts - 1; e++) {
        if (picked[e] === 1) continue;
        x -= weights[e]!;
        if (x < 0) break;
      }
      while (picked[e] === 1) e--; // the float tail landed on a taken expert
      picked[e] = 1;
      chosen.push(e);
      counts[e]!++;
    }
    for (const e of chosen) picked[e] = 0;
  }
  return counts;
}

function expertWeights(r: Routing, rng: Rng): number[] {
  if (r.distribution === 'uniform' || r.skew === 0) return new Array<number>(r.experts).fill(1);
  const order = Array.from({ length: r.experts }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const w = new Array<number>(r.experts);
  order.forEach((expert, rank) => (w[expert] = 1 / (rank + 1) ** r.skew));
  return w;
}

/** Max over mean tokens per expert: 1 is perfectly balanced. */
export function imbalance(counts: readonly number[]): number {
  const mean = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  return mean > 0 ? Math.max(...counts) / mean : 1;
}

/**
 * One launch of many GEMMs that share n and k but not m (a CUTLASS-style grouped GEMM): the MoE
 * expert FFN, C_e[m_e, n] = A_e[m_e, k] · W_e[k, n]. Give the rows per group directly, or a
 * routing to draw them from.
 */
export const GroupedGemmOpSchema = z
  .strictObject({
    type: z.literal('grouped_gemm'),
    ...opCommon,
    groupM: z.array(z.number().int().min(0, { error: 'expected an integer >= 0 (rows of one group)' })).min(1).optional(),
    routing: RoutingSchema.optional(),
    n: z.number().int().min(1, { error: 'expected an integer >= 1 (columns of each W)' }),
    k: z.number().int().min(1, { error: 'expected an integer >= 1 (reduction dimension)' }),
    dtype: OpDtypeSchema.default('fp16'),
    /** Element type of the outputs when it differs from the operands' (an FP8 product writing bf16). */
    outDtype: OpDtypeSchema.optional(),
  })
  .refine((op) => (op.groupM === undefined) !== (op.routing === undefined), { error: 'expected exactly one of groupM or routing' });
export type GroupedGemmOp = z.infer<typeof GroupedGemmOpSchema>;

/** Rows of each group (drawn from the routing when not given). */
export function groupRows(op: GroupedGemmOp): number[] {
  return op.groupM ?? routeTokens(op.routing!);
}

export function groupedGemmFlops(op: GroupedGemmOp, rows: readonly number[] = groupRows(op)): number {
  return 2 * rows.reduce((a, b) => a + b, 0) * op.n * op.k;
}
