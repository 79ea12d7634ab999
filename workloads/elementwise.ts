import { z } from 'zod';
import { OpDtypeSchema, opCommon } from './ops.ts';

/**
 * Per-element costs of the bandwidth-bound ops of a transformer layer. Bytes count whole tensors
 * of the op's dtype (inputs read, outputs written); fp32 ops and special-function ops (exp, tanh,
 * rsqrt) run on the SMs' non-tensor units.
 */
export interface ElementwiseCost {
  /** Input tensors of rows x cols read. */
  inputs: number;
  /** Output tensors of rows x cols written. */
  outputs: number;
  fp32OpsPerElement: number;
  specialOpsPerElement: number;
  /** Special-function ops per row (rsqrt of a norm). */
  specialOpsPerRow: number;
}

export const ELEMENTWISE_COSTS = {
  // mean and variance (2 passes folded into one read), normalize, scale and shift.
  layernorm: { inputs: 1, outputs: 1, fp32OpsPerElement: 8, specialOpsPerElement: 0, specialOpsPerRow: 1 },
  rmsnorm: { inputs: 1, outputs: 1, fp32OpsPerElement: 4, specialOpsPerElement: 0, specialOpsPerRow: 1 },
  // tanh-approximated GELU: a handful of FMAs around one tanh.
  gelu: { inputs: 1, outputs: 1, fp32OpsPerElement: 8, specialOpsPerElement: 1, specialOpsPerRow: 0 },
  silu: { inputs: 1, outputs: 1, fp32OpsPerElement: 3, specialOpsPerElement: 1, specialOpsPerRow: 0 },
  // SwiGLU: silu(gate) * up; cols is the output width, both halves are read.
  swiglu: { inputs: 2, outputs: 1, fp32OpsPerElement: 4, specialOpsPerElement: 1, specialOpsPerRow: 0 },
  // Rotary embedding with precomputed cos/sin: two multiplies and an FMA per element.
  rotary: { inputs: 1, outputs: 1, fp32OpsPerElement: 3, specialOpsPerElement: 0, specialOpsPerRow: 0 },
  add: { inputs: 2, outputs: 1, fp32OpsPerElement: 1, specialOpsPerElement: 0, specialOpsPerRow: 0 },
  // Row softmax: max, exp, sum, scale.
  softmax: { inputs: 1, outputs: 1, fp32OpsPerElement: 4, specialOpsPerElement: 1, specialOpsPerRow: 0 },
  copy: { inputs: 1, outputs: 1, fp32OpsPerElement: 0, specialOpsPerElement: 0, specialOpsPerRow: 0 },
  // Additive mask on a materialized score matrix (causal attention without fusion): the
  // broadcast mask is small and stays in L2, so only the scores are read and written.
  mask: { inputs: 1, outputs: 1, fp32OpsPerElement: 1, specialOpsPerElement: 0, specialOpsPerRow: 0 },
} as const satisfies Record<string, ElementwiseCost>;

export type ElementwiseKind = keyof typeof ELEMENTWISE_COSTS;
const KINDS = Object.keys(ELEMENTWISE_COSTS) as [ElementwiseKind, ...ElementwiseKind[]];

const count = (what: string) =>
  z.number({ error: `expected an integer >= 1 (${what})` }).int({ error: `expected an integer >= 1 (${what})` }).min(1, { error: `expected an integer >= 1 (${what})` }).max(2 ** 40, { error: `expected an integer <= 2^40 (${what})` });

/** An elementwise or row-reduction op over a rows x cols tensor (norms, activations, residual add, softmax). */
export const ElementwiseOpSchema = z.strictObject({
  type: z.literal('elementwise'),
  ...opCommon,
  kind: z.enum(KINDS, { error: `expected one of ${KINDS.join(', ')}` }),
  rows: count('rows (tokens)'),
  cols: count('columns (features)'),
  dtype: OpDtypeSchema.default('fp16'),
});
export type ElementwiseOp = z.infer<typeof ElementwiseOpSchema>;

/** Bytes an elementwise op must move through DRAM: its inputs read once, its outputs written once. */
export function elementwiseBytes(op: Pick<ElementwiseOp, 'kind' | 'rows' | 'cols'>, bytesPerElement: number): { readBytes: number; writeBytes: number } {
  const c = ELEMENTWISE_COSTS[op.kind];
  const elements = op.rows * op.cols;
  return { readBytes: c.inputs * elements * bytesPerElement, writeBytes: c.outputs * elements * bytesPerElement };
}
