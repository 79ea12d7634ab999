import { Simulation, TraceRecorder } from '../../sim/index.ts';
import type { WorkloadOp } from '../../workloads/index.ts';
import { GpuDevice } from './gpu-device.ts';
import type { Kernel, KernelResult } from './kernel.ts';
import { lowerToKernels } from './lower.ts';
import type { GpuSpec } from './spec.ts';

/**
 * Simulate one op alone on a fresh GPU with no trace: the fast path for validation, calibration
 * and sweeps. Returns the op's time (launch overhead included, as CUDA events measure it) and its
 * kernels' results.
 */
export function simulateOpAlone(spec: GpuSpec, op: WorkloadOp): { timeNs: number; kernels: KernelResult[]; configs: Kernel['config'][]; events: number } {
  const sim = new Simulation();
  const gpu = new GpuDevice(sim, spec, new TraceRecorder(), 'none');
  const kernels = lowerToKernels(gpu, op, op.name ?? op.type);
  const results: KernelResult[] = [];
  sim.process(
    (function* () {
      for (const k of kernels) results.push(yield gpu.launch(k));
    })(),
  );
  sim.run();
  return { timeNs: sim.now, kernels: results, configs: kernels.map((k) => k.config), events: sim.eventCount };
}
