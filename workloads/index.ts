import { z } from 'zod';
import { AttentionOpSchema } from './attention.ts';
import { AllGatherOpSchema, AllReduceOpSchema, ReduceScatterOpSchema } from './collective.ts';
import { ElementwiseOpSchema } from './elementwise.ts';
import { GroupedGemmOpSchema } from './moe.ts';
import { GemmOpSchema } from './ops.ts';

export * from './ops.ts';
export * from './attention.ts';
export * from './elementwise.ts';
export * from './moe.ts';
export * from './collective.ts';

/** Every op type a workload may hold (discriminated by `type`). */
export const WorkloadOpSchema = z.discriminatedUnion('type', [GemmOpSchema, AttentionOpSchema, ElementwiseOpSchema, GroupedGemmOpSchema, AllReduceOpSchema, AllGatherOpSchema, ReduceScatterOpSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'expected an op with "type" one of: gemm, attention, elementwise, grouped_gemm, allreduce, allgather, reducescatter' : undefined,
});
export type WorkloadOp = z.infer<typeof WorkloadOpSchema>;

export const WorkloadSchema = z.strictObject({
  ops: z.array(WorkloadOpSchema).min(1, { error: 'expected at least one op' }),
});
export type Workload = z.infer<typeof WorkloadSchema>;

/** Op names, defaulting to `<type><index>`; duplicates are an error (they are dependency targets). */
export function opNames(ops: readonly WorkloadOp[]): string[] {
  const names = ops.map((op, i) => op.name ?? `${op.type}${i}`);
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new Error(`workload.ops.${i}.name: "${n}" is used twice; op names must be unique`);
    seen.add(n);
  });
  return names;
}
