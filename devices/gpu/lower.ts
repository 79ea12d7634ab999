import type { AllGatherInput, GemmOp, ReduceScatter, WorkloadOp } from '../../workloads/index.ts';
import { attentionShape, groupRows } from '../../workloads/index.ts';
import { flash2Kernel, flashResources, flashTile, splitKvKernels, standardAttentionKernels } from './attention-kernel.ts';
import { allGatherKernel, allReduceKernel, reduceScatterKernel } from './collective-kernel.ts';
import { ELEMENTWISE_RESOURCES, elementwiseKernel } from './elementwise-kernel.ts';
import type { GpuDevice } from './gpu-device.ts';
import { gemmKernel } from './gemm-kernel.ts';
import { planGemm } from './gemm-plan.ts';
import type { Kernel } from './kernel.ts';
import { groupedGemmKernel } from './moe-kernel.ts';
import { BYTES_PER_ELEMENT, type Dtype } from './spec.ts';
import { triggeredAllGather } from './triggered-all-gather.ts';
import { triggeredReduceScatter } from './triggered-reduce-scatter.ts';

/**
 * Lower one workload op to the kernels that run it on this GPU, in launch order. A new op type
 * gets a case here; an op this device cannot run is a clear error naming both.
 */
export function lowerToKernels(gpu: GpuDevice, op: WorkloadOp, name: string): Kernel[] {
  const kernels = lowerOp(gpu, op, name);
  for (const k of kernels) checkWorkItems(k, op);
  return kernels;
}

/**
 * Work items (output tiles, CTAs) one kernel may have: simulation time and memory grow with
 * them (about 6 s and 0.7 GB for 0.5 M tiles on 2 cores), so a kernel far past this would look
 * like a hang. Above it the user gets an error naming the op's size fields instead.
 */
export const MAX_WORK_ITEMS = 2 ** 21;

function checkWorkItems(kernel: Kernel, op: WorkloadOp): void {
  const items = kernel.tiles ?? kernel.ctaCount;
  if (items <= MAX_WORK_ITEMS) return;
  const sizes = Object.entries(op)
    .filter(([key, value]) => typeof value === 'number' && !['stream', 'tailSplit', 'splitK'].includes(key))
    .map(([key, value]) => `${key} = ${value}`)
    .join(', ');
  throw new Error(
    `${sizes}: kernel "${kernel.name}" has ${items.toLocaleString('en-US')} work items (${kernel.config.grid !== undefined ? `grid ${kernel.config.grid}, ` : ''}tiles or CTAs), ` +
      `expected at most ${MAX_WORK_ITEMS.toLocaleString('en-US')} per kernel; simulate a smaller batch or size and scale (time grows linearly with the batch)`,
  );
}

function lowerOp(gpu: GpuDevice, op: WorkloadOp, name: string): Kernel[] {
  const occupancyOf = (r: Kernel['resources']) => gpu.occupancy(r);
  switch (op.type) {
    case 'gemm': {
      const plan = planGemm(gpu.spec, op, occupancyOf);
      const gemm = gemmKernel(gpu.spec, op, plan, name);
      const [before, fed] = op.allGather === undefined ? [[], gemm] : withAllGather(gpu, op, op.allGather, gemm, name);
      return [...before, ...(op.reduceScatter === undefined ? [fed] : withReduceScatter(gpu, op, op.reduceScatter, fed, name))];
    }
    case 'attention': {
      const s = attentionShape(op);
      const dtype = op.dtype as Dtype;
      if (s.impl === 'standard') return standardAttentionKernels(gpu.spec, s, dtype, name, occupancyOf);
      if (s.impl === 'split-kv') return splitKvKernels(gpu.spec, s, dtype, name, occupancyOf);
      const tile = flashTile(gpu.spec, s.headDim, dtype);
      const resources = flashResources(tile, s.headDim, dtype);
      const occupancy = occupancyOf(resources);
      if (occupancy < 1) {
        throw new Error(
          `FlashAttention-2 with head dim ${s.headDim} in ${dtype} needs ${resources.sharedMemoryBytes} B of shared memory even with ${tile.blockM}x${tile.blockN} blocks; ` +
            `an SM of ${gpu.spec.id} has ${gpu.spec.sm.maxSharedMemoryBytesPerBlock} B per block (expected a smaller head dim or a 2-byte dtype)`,
        );
      }
      return [flash2Kernel(gpu.spec, s, dtype, name, occupancy)];
    }
    case 'elementwise':
      return [elementwiseKernel(gpu.spec, op, name, occupancyOf(ELEMENTWISE_RESOURCES))];
    case 'allreduce':
      return [allReduceKernel(gpu.spec, op, name)];
    case 'allgather':
      return [allGatherKernel(gpu.spec, op, name)];
    case 'reducescatter':
      return [reduceScatterKernel(gpu.spec, op, name)];
    case 'grouped_gemm':
      return [groupedGemmKernel(gpu.spec, op, groupRows(op), name, occupancyOf)];
    default:
      throw new Error(`op type "${(op as { type: string }).type}" is not supported on GPU device ${gpu.spec.id}`);
  }
}

/**
 * A GEMM whose A rows are gathered over a ring (GemmOp.allGather): a ring all-gather kernel first
 * (overlap "none"), or the GEMM alone with the gathering feeding its tiles as it runs ("tile").
 * Returns the kernels to run before the GEMM, and the GEMM.
 */
function withAllGather(gpu: GpuDevice, op: GemmOp, ag: AllGatherInput, gemm: Kernel, name: string): [Kernel[], Kernel] {
  if (gpu.spec.interconnect === undefined) {
    throw new Error(`an all-gather needs a device-to-device link, and device ${gpu.spec.id} has no "interconnect" in its spec`);
  }
  const bytes = op.m * op.k * op.batch * BYTES_PER_ELEMENT[op.dtype as Dtype];
  const details = { ...gemm.details, allGather: { ranks: ag.ranks, overlap: ag.overlap, inputBytes: bytes } };
  if (ag.overlap === 'none') {
    return [[allGatherKernel(gpu.spec, { type: 'allgather', stream: 0, after: [], bytes, ranks: ag.ranks, dtype: op.dtype }, `${name}.all-gather`)], { ...gemm, details }];
  }
  return [[], { ...gemm, details, inputGate: triggeredAllGather({ ranks: ag.ranks, rows: op.m, bytes }) }];
}

/**
 * A GEMM whose output is reduce-scattered over a ring (GemmOp.reduceScatter): the GEMM, then a
 * ring reduce-scatter kernel (overlap "none"), or the GEMM alone with a tile-triggered
 * reduce-scatter riding on its output (overlap "tile"; the kernel ends when the last chunk is in).
 */
function withReduceScatter(gpu: GpuDevice, op: GemmOp, rs: ReduceScatter, gemm: Kernel, name: string): Kernel[] {
  if (gpu.spec.interconnect === undefined) {
    throw new Error(`a reduce-scatter needs a device-to-device link, and device ${gpu.spec.id} has no "interconnect" in its spec`);
  }
  const outDtype = (op.outDtype ?? op.dtype) as Dtype;
  const elementBytes = BYTES_PER_ELEMENT[outDtype];
  const outputBytes = op.m * op.n * op.batch * elementBytes;
  const details = { ...gemm.details, reduceScatter: { ranks: rs.ranks, overlap: rs.overlap, reduction: rs.reduction, outputBytes } };
  if (rs.overlap === 'none') {
    return [{ ...gemm, details }, reduceScatterKernel(gpu.spec, { bytes: outputBytes, ranks: rs.ranks, dtype: outDtype, reduction: rs.reduction }, `${name}.reduce-scatter`)];
  }
  return [{ ...gemm, details, outputTrigger: triggeredReduceScatter({ ranks: rs.ranks, outputBytes, elementBytes, reduction: rs.reduction }) }];
}
