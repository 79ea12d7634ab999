import type { GpuSpec } from './spec.ts';

/**
 * Per-SM rates of the units a kernel's work runs on, per ns. Tensor work runs at the achievable
 * fraction of the dtype's peak (the preset's fitted tensorFraction); fp32 and special-function
 * work (exp, rsqrt, tanh) at the datasheet rates of the CUDA cores and SFUs.
 */
export interface SmRates {
  tensorFlopsPerNs: number;
  fp32OpsPerNs: number;
  specialOpsPerNs: number;
}

/**
 * `instructions`: 'async' for kernels built on the architecture's full-rate tensor instructions
 * (cuBLAS/CUTLASS GEMMs: wgmma on Hopper), 'sync' for kernels written with warp-synchronous
 * mma.sync (FlashAttention-2 and flash-decoding), which reach only `tensor.syncMmaFraction` of it.
 */
export function smRates(spec: GpuSpec, dtype: string, instructions: 'async' | 'sync' = 'async'): SmRates {
  const peak = spec.tensor.flopsPerSecond[dtype as keyof GpuSpec['tensor']['flopsPerSecond']];
  if (peak === undefined) throw new Error(`device ${spec.id} has no tensor rate for dtype ${dtype}`);
  const perSm = 1e9 * spec.sm.count;
  const sync = instructions === 'sync' ? spec.tensor.syncMmaFraction : 1;
  return {
    tensorFlopsPerNs: (peak * spec.efficiency.tensorFraction * sync) / perSm,
    fp32OpsPerNs: spec.vector.fp32FlopsPerSecond / perSm,
    specialOpsPerNs: spec.vector.specialFunctionOpsPerSecond / perSm,
  };
}

/** SM time of non-tensor work, ns: fp32 ops and special-function ops issue to different units but share the warps' issue slots; they are not assumed to overlap. */
export function vectorNs(r: SmRates, fp32Ops: number, specialOps: number): number {
  return fp32Ops / r.fp32OpsPerNs + specialOps / r.specialOpsPerNs;
}
