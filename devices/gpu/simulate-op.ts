import { Simulation, TraceRecorder } from '../../sim/index.ts';
import type { WorkloadOp } from '../../workloads/index.ts';
import { GpuDevice } from './gpu-device.ts';
import type { Kernel, KernelResult } from './kernel.ts';
import { lowerToKernels } from './lower.ts';
import type { GpuSpec } from './spec.ts';

export interface AloneResult {
  /** The kernels' time, launch overhead included (as CUDA events measure it), ns. */
  timeNs: number;
  kernels: KernelResult[];
  configs: Kernel['config'][];
  events: number;
}

/**
 * Simulate one op alone on a fresh GPU with no trace: the fast path for validation, calibration
 * and sweeps.
 */
export function simulateOpAlone(spec: GpuSpec, op: WorkloadOp): AloneResult {
  return simulateKernelsAlone(spec, (gpu) => lowerToKernels(gpu, op, op.name ?? op.type));
}

/** Run the kernels `build` makes for a fresh GPU back to back on one stream, with no trace. */
export function simulateKernelsAlone(spec: GpuSpec, build: (gpu: GpuDevice) => Kernel[]): AloneResult {
  const sim = new Simulation();
  const gpu = new GpuDevice(sim, spec, new TraceRecorder(), 'none');
  const kernels = build(gpu);
  const results: KernelResult[] = [];
  sim.process(
    (function* () {
      for (const k of kernels) results.push(yield gpu.launch(k));
    })(),
  );
  sim.run();
  return { timeNs: sim.now, kernels: results, configs: kernels.map((k) => k.config), events: sim.eventCount };
}
