import type { WorkloadOp } from '../../workloads/index.ts';
import type { GpuDevice } from './gpu-device.ts';
import { gemmKernel, planGemm } from './gemm-kernel.ts';
import type { Kernel } from './kernel.ts';

/**
 * Lower one workload op to the kernels that run it on this GPU, in launch order. A new op type
 * gets a case here; an op this device cannot run is a clear error naming both.
 */
export function lowerToKernels(gpu: GpuDevice, op: WorkloadOp, name: string): Kernel[] {
  switch (op.type) {
    case 'gemm': {
      const plan = planGemm(gpu.spec, op, (r) => gpu.occupancy(r));
      return [gemmKernel(gpu.spec, op, plan, name)];
    }
    default:
      throw new Error(`op type "${(op as { type: string }).type}" is not supported on GPU device ${gpu.spec.id}`);
  }
}
