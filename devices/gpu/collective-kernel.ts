import { ringAllReduceLinkBytes, type AllReduceOp } from '../../workloads/collective.ts';
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
  if (spec.interconnect === undefined) {
    throw new Error(`an all-reduce needs a device-to-device link, and device ${spec.id} has no "interconnect" in its spec`);
  }
  const p = op.ranks;
  const channels = Math.max(1, Math.min(MAX_CHANNELS, Math.floor(op.bytes / MIN_CHANNEL_BYTES)));
  const r = smRates(spec, 'fp32');
  const elementBytes = BYTES_PER_ELEMENT[op.dtype as Dtype] ?? 2;
  return {
    name,
    category: 'collective',
    ctaCount: channels,
    resources: CHANNEL_RESOURCES,
    flops: 0,
    // Data movement: the SMs' power draw is small.
    powerIntensity: 0,
    dtype: op.dtype,
    config: { kernel: 'ring-allreduce', ranks: p, channels },
    details: { bytes: op.bytes, ranks: p, linkBytes: ringAllReduceLinkBytes(op.bytes, p) },
    cta: (index: number): CtaWork => {
      const share = Math.floor(op.bytes / channels) + (index < op.bytes % channels ? 1 : 0);
      return new RingChannelCta(r, share, p, elementBytes, index);
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
    private readonly ranks: number,
    private readonly elementBytes: number,
    index: number,
  ) {
    this.steps = 2 * (ranks - 1);
    this.chunk = share / ranks;
    this.storeBytes = 0;
    this.label = `channel ${index}`;
  }

  /** Reduce-scatter steps add the received chunk into the local one. */
  stepWorkNs(step: number): number {
    return step < this.ranks - 1 ? vectorNs(this.r, this.chunk / this.elementBytes, 0) : 0;
  }

  /**
   * NCCL streams each chunk in small slices from HBM to the link and from the link to HBM, so HBM
   * (several times faster than the link) never gates a step: its traffic is posted, below.
   */
  loads(): OperandLoad[] {
    return [];
  }

  /** The chunk sent is read from HBM and the chunk received is written to it. */
  stepStoreBytes(): number {
    return 2 * this.chunk;
  }

  linkBytes(): number {
    return this.chunk;
  }
}
