import { z } from 'zod';
import { OpDtypeSchema, bytesField, opCommon, ranksField, reductionField } from './ops.ts';

/** What every collective op has: the common op fields, its buffer's bytes, the group, the element type. */
const collectiveFields = (bytesWhat: string) => ({
  ...opCommon,
  bytes: bytesField(bytesWhat),
  ranks: ranksField('devices in the group'),
  dtype: OpDtypeSchema.default('fp16'),
});

/**
 * An all-reduce across `ranks` devices of `bytes` per device (tensor-parallel partial sums). One
 * device of the group is simulated: its peers are symmetric, so what it sends it also receives.
 */
export const AllReduceOpSchema = z.strictObject({
  type: z.literal('allreduce'),
  ...collectiveFields('bytes per device'),
});
export type AllReduceOp = z.infer<typeof AllReduceOpSchema>;

/**
 * An all-gather across `ranks` devices: each holds 1/ranks of a `bytes` buffer and ends with all
 * of it (the second half of an all-reduce, after a reduce-scatter: sequence parallelism).
 */
export const AllGatherOpSchema = z.strictObject({
  type: z.literal('allgather'),
  ...collectiveFields('bytes of the gathered buffer'),
});
export type AllGatherOp = z.infer<typeof AllGatherOpSchema>;

/**
 * A reduce-scatter across `ranks` devices of `bytes` per device: each ends with its 1/ranks of the
 * sum (the first half of an all-reduce: sequence parallelism after a layer without a GEMM of its
 * own to ride on, such as MoE experts). A GEMM's own reduce-scatter is its `reduceScatter` field.
 */
export const ReduceScatterOpSchema = z.strictObject({
  type: z.literal('reducescatter'),
  ...collectiveFields('bytes per device'),
  reduction: reductionField(),
});
export type ReduceScatterOp = z.infer<typeof ReduceScatterOpSchema>;

/** Bytes one device sends (and receives) in a ring all-reduce: 2 (p - 1) / p of the buffer. */
export function ringAllReduceLinkBytes(bytes: number, ranks: number): number {
  return (2 * (ranks - 1) * bytes) / ranks;
}
