import { ringAllReduceLinkBytes, type AllGatherOp, type AllReduceOp } from '../../workloads/collective.ts';
import type { CtaResources, CtaWork, Kernel, OperandLoad } from './kernel.ts';
import { BYTES_PER_ELEMENT, type Dtype, type GpuSpec } from './spec.ts';
import { smRates, vectorNs, type SmRates } from './vector-rates.ts';

/** A communication CTA: one warp group moving chunks between HBM and the link. */
const CHANNEL_RESOURCES: CtaResources = { threads: 512, sharedMemoryBytes: 0, registersPerThread: 64 };
/** Most channels (CTAs) a collective uses, and the least bytes worth a channel of its own. */
const MAX_CHANNELS = 16;
const MIN_CHANNEL_BYTES = 64 * 1024;

/**
 * Ring all-reduce as a kernel, the way NCCL runs it: the buffer is split over `channels` CTAs, and
 * each splits its share into `ranks` chunks and makes 2 (p - 1) steps: p - 1 reduce-scatter steps
 * (send a chunk to the next device, add the one received from the previous device into it) and
 * p - 1 all-gather steps (pass the reduced chunks on). Every step waits for one link transfer, so
 * small buffers cost 2 (p - 1) link latencies and large ones 2 (p - 1) / p of the buffer at the
 * link's one-way bandwidth.
 */
export function allReduceKernel(spec: GpuSpec, op: AllReduceOp, name: string): Kernel {
  return ringKernel(spec, { ...op, kind: 'allreduce', reduction: 'sm' }, name);
}

/** Ring all-gather: the all-reduce's second half (p - 1 steps passing the shards on, no adds). */
export function allGatherKernel(spec: GpuSpec, op: AllGatherOp, name: string): Kernel {
  return ringKernel(spec, { ...op, kind: 'allgather', reduction: 'sm' }, name);
}

/**
 * Ring reduce-scatter: the all-reduce's first half (p - 1 steps; each device ends with its 1/p of
 * the sum). `reduction: "near-memory"` leaves the adds to the DRAM (no SM work per step).
 */
export function reduceScatterKernel(spec: GpuSpec, op: { bytes: number; ranks: number; dtype: string; reduction: 'sm' | 'near-memory' }, name: string): Kernel {
  return ringKernel(spec, { ...op, kind: 'reducescatter' }, name);
}

/**
 * DRAM traffic per ring step, in chunks. All-reduce and all-gather: the chunk sent is read and the
 * chunk received written (2). Reduce-scatter adding on the SMs (NCCL's fused receive-reduce-send): the received
 * chunk is written and read back with the local partial (3), the sum goes straight to the link,
 * and the last step writes it (+1). Adding near memory: the received chunk is written as an
 * in-memory update and the summed chunk read to be sent on (2).
 */
const RING_TRAFFIC = {
  allreduce: { perStep: 2, last: 0 },
  allgather: { perStep: 2, last: 0 },
  sm: { perStep: 3, last: 1 },
  'near-memory': { perStep: 2, last: 0 },
} as const;

const RING_NAMES = { allreduce: 'an all-reduce', reducescatter: 'a reduce-scatter', allgather: 'an all-gather' } as const;

interface RingOp {
  kind: 'allreduce' | 'reducescatter' | 'allgather';
  bytes: number;
  ranks: number;
  dtype: string;
  reduction: 'sm' | 'near-memory';
}

function ringKernel(spec: GpuSpec, op: RingOp, name: string): Kernel {
  if (spec.interconnect === undefined) {
    throw new Error(`${RING_NAMES[op.kind]} needs a device-to-device link, and device ${spec.id} has no "interconnect" in its spec`);
  }
  const p = op.ranks;
  const channels = Math.max(1, Math.min(MAX_CHANNELS, Math.floor(op.bytes / MIN_CHANNEL_BYTES)));
  const r = smRates(spec, 'fp32');
  const elementBytes = BYTES_PER_ELEMENT[op.dtype as Dtype] ?? 2;
  const steps = op.kind === 'allreduce' ? 2 * (p - 1) : p - 1;
  const addSteps = op.kind !== 'allgather' && op.reduction === 'sm' ? p - 1 : 0;
  return {
    name,
    category: 'collective',
    ctaCount: channels,
    resources: CHANNEL_RESOURCES,
    flops: 0,
    // Data movement: the SMs' power draw is small.
    powerIntensity: 0,
    dtype: op.dtype,
    config: { kernel: `ring-${op.kind}`, ranks: p, channels },
    details: { bytes: op.bytes, ranks: p, linkBytes: op.kind === 'allreduce' ? ringAllReduceLinkBytes(op.bytes, p) : ((p - 1) * op.bytes) / p },
    cta: (index: number): CtaWork => {
      const share = Math.floor(op.bytes / channels) + (index < op.bytes % channels ? 1 : 0);
      return new RingChannelCta(r, share, p, elementBytes, index, steps, addSteps, RING_TRAFFIC[op.kind === 'reducescatter' ? op.reduction : op.kind]);
    },
  };
}

class RingChannelCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes: number;
  readonly storeL2Bytes = 0;
  readonly label: string;
  private readonly chunk: number;

  constructor(
    private readonly r: SmRates,
    share: number,
    ranks: number,
    private readonly elementBytes: number,
    index: number,
    steps: number,
    /** Leading steps that add the received chunk on the SMs (the reduce-scatter's, when it adds). */
    private readonly addSteps: number,
    /** DRAM traffic of a step, in chunks, and extra chunks the last step writes (RING_TRAFFIC). */
    private readonly traffic: { perStep: number; last: number },
  ) {
    this.steps = steps;
    this.chunk = share / ranks;
    this.storeBytes = 0;
    this.label = `channel ${index}`;
  }

  /** Reduce-scatter steps add the received chunk into the local one. */
  stepWorkNs(step: number): number {
    return step < this.addSteps ? vectorNs(this.r, this.chunk / this.elementBytes, 0) : 0;
  }

  /**
   * NCCL streams each chunk in small slices from HBM to the link and from the link to HBM, so HBM
   * (several times faster than the link) never gates a step: its traffic is posted, below.
   */
  loads(): OperandLoad[] {
    return [];
  }

  stepStoreBytes(step: number): number {
    return (this.traffic.perStep + (step === this.steps - 1 ? this.traffic.last : 0)) * this.chunk;
  }

  linkBytes(): number {
    return this.chunk;
  }
}
