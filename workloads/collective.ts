import { z } from 'zod';
import { OpDtypeSchema, opCommon } from './ops.ts';

/**
 * An all-reduce across `ranks` devices of `bytes` per device (tensor-parallel partial sums). One
 * device of the group is simulated: its peers are symmetric, so what it sends it also receives.
 */
export const AllReduceOpSchema = z.strictObject({
  type: z.literal('allreduce'),
  ...opCommon,
  bytes: z.number({ error: 'expected an integer >= 1 (bytes per device)' }).int({ error: 'expected an integer >= 1 (bytes per device)' }).min(1, { error: 'expected an integer >= 1 (bytes per device)' }).max(2 ** 40, { error: 'expected an integer <= 2^40 (bytes per device)' }),
  ranks: z.number({ error: 'expected an integer from 2 to 1024 (devices in the group)' }).int({ error: 'expected an integer from 2 to 1024 (devices in the group)' }).min(2, { error: 'expected an integer from 2 to 1024 (devices in the group)' }).max(1024, { error: 'expected an integer from 2 to 1024 (devices in the group)' }),
  dtype: OpDtypeSchema.default('fp16'),
});
export type AllReduceOp = z.infer<typeof AllReduceOpSchema>;

/**
 * An all-gather across `ranks` devices: each holds 1/ranks of a `bytes` buffer and ends with all
 * of it (the second half of an all-reduce, after a reduce-scatter: sequence parallelism).
 */
export const AllGatherOpSchema = z.strictObject({
  type: z.literal('allgather'),
  ...opCommon,
  bytes: z.number({ error: 'expected an integer >= 1 (bytes of the gathered buffer)' }).int({ error: 'expected an integer >= 1 (bytes of the gathered buffer)' }).min(1, { error: 'expected an integer >= 1 (bytes of the gathered buffer)' }).max(2 ** 40, { error: 'expected an integer <= 2^40 (bytes of the gathered buffer)' }),
  ranks: z.number({ error: 'expected an integer from 2 to 1024 (devices in the group)' }).int({ error: 'expected an integer from 2 to 1024 (devices in the group)' }).min(2, { error: 'expected an integer from 2 to 1024 (devices in the group)' }).max(1024, { error: 'expected an integer from 2 to 1024 (devices in the group)' }),
  dtype: OpDtypeSchema.default('fp16'),
});
export type AllGatherOp = z.infer<typeof AllGatherOpSchema>;

/** Bytes one device sends (and receives) in a ring all-reduce: 2 (p - 1) / p of the buffer. */
export function ringAllReduceLinkBytes(bytes: number, ranks: number): number {
  return (2 * (ranks - 1) * bytes) / ranks;
}
