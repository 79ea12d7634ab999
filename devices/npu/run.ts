/**
 * A scenario on a systolic NPU: ops lowered to phases (lower.ts), run on the device's arrays,
 * vector unit and DRAM (npu-device.ts) in stream order with their `after` dependencies, summarised
 * in the same summary format as a GPU run.
 */
import { InputError, Simulation, TraceRecorder, type OpSummary, type RunSummary, type SimEvent } from '../../sim/index.ts';
import { OpOrder, round, runResult } from '../run-result.ts';
import { opNames } from '../../workloads/index.ts';
import type { RunOptions, RunResult, Scenario } from '../scenario.ts';
import { lowerForNpu, type NpuWork } from './lower.ts';
import { NpuDevice, type PhaseResult } from './npu-device.ts';
import { npuPeakFlops, type NpuDtype, type NpuSpec } from './spec.ts';

export function npuDeviceInfo(spec: NpuSpec): RunSummary['device'] {
  return { id: spec.id, name: spec.name, family: spec.family, peakFlopsPerSecond: npuPeakFlops(spec), memoryBandwidthBytesPerSecond: spec.memory.bandwidthBytesPerSecond };
}

export function runNpuScenario(scenario: Scenario, spec: NpuSpec, options: RunOptions = {}): RunResult {
  if (scenario.launch !== 'stream') throw new InputError(`field "launch" = "${scenario.launch}": CUDA graphs are a GPU launch mode and ${spec.id} is an NPU; expected "stream"`);
  const wallStart = performance.now();
  const seed = options.seed ?? scenario.seed;
  const detail = options.traceDetail ?? scenario.traceDetail;
  const sim = new Simulation();
  const trace = new TraceRecorder();
  trace.enabled = detail !== 'none';
  const ops = scenario.workload.ops;
  const names = opNames(ops);
  const works: NpuWork[] = ops.map((op, i) => {
    try {
      return lowerForNpu(spec, op);
    } catch (error) {
      throw new InputError(`scenario: op "workload.ops.${i}" (${names[i]}): ${(error as Error).message}`);
    }
  });
  const npu = new NpuDevice(sim, spec, trace, trace.enabled);
  const results: PhaseResult[][] = ops.map(() => []);
  const opStartNs: number[] = ops.map(() => 0);
  const order = new OpOrder();
  ops.forEach((op, i) => {
    const waitFor = order.waitsOf(op, i);
    const opTrack = trace.enabled ? trace.track(npu.deviceName, op.track ?? `stream ${op.stream}`, 'ops') : null;
    const done = sim.process(
      (function* () {
        for (const ev of waitFor) yield ev;
        const startNs = (opStartNs[i] = sim.now);
        if (spec.efficiency.opOverheadNs > 0) yield sim.timeout(spec.efficiency.opOverheadNs);
        const parts = works[i]!.parts.map((phases) =>
          sim.process(
            (function* () {
              for (const phase of phases) results[i]!.push((yield npu.run(phase, names[i]!)) as PhaseResult);
            })(),
          ),
        );
        for (const part of parts) yield part;
        if (opTrack !== null) trace.span(opTrack, names[i]!, startNs, sim.now - startNs, { op: names[i]!, ...works[i]!.config, flops: works[i]!.flops }, op.type);
      })(),
    ) as SimEvent<void>;
    order.started(op, names[i]!, done);
  });
  sim.run();

  const opSummaries = ops.map((op, i) => summariseOp(spec, op.type, names[i]!, works[i]!, opStartNs[i]!, results[i]!));
  return runResult({ scenarioName: scenario.name, seed, spec, device: npuDeviceInfo(spec), sim, trace, ops: opSummaries, wallStart });
}

/**
 * An op's summary. `waves` is its weight tiles per array (the NPU's counterpart of a GPU's waves),
 * and config.utilization the share of its arrays' cell-clocks that did useful MACs while it ran.
 */
function summariseOp(spec: NpuSpec, type: string, name: string, work: NpuWork, startNs: number, phases: PhaseResult[]): OpSummary {
  const endNs = phases.reduce((a, p) => Math.max(a, p.endNs), startNs);
  const durationNs = endNs - startNs;
  const dramBytes = phases.reduce((a, p) => a + p.dramBytes, 0);
  const all = work.parts.flat();
  const tiles = all.reduce((a, p) => a + (p.kind === 'matrix' ? p.folds.reduce((b, f) => b + f.count, 0) : 0), 0);
  const usefulMacs = all.reduce((a, p) => a + (p.kind === 'matrix' ? p.usefulMacs : 0), 0);
  const arrayCycles = phases.reduce((a, p) => a + p.arrayCycles, 0);
  const macsPerClock = spec.systolic.rows * spec.systolic.cols * (spec.systolic.macsPerCellPerClock[work.dtype as NpuDtype] ?? 1);
  const config = { ...work.config, ...(arrayCycles > 0 ? { utilization: round(usefulMacs / (arrayCycles * macsPerClock), 4) } : {}) };
  return {
    name,
    type,
    startNs,
    durationNs,
    flops: work.flops,
    dramBytes,
    dtype: work.dtype,
    achievedFlopsPerSecond: durationNs > 0 ? (work.flops / durationNs) * 1e9 : 0,
    achievedDramBytesPerSecond: durationNs > 0 ? (dramBytes / durationNs) * 1e9 : 0,
    config,
    ...(tiles > 0 ? { waves: round(tiles / spec.systolic.arrays, 4), tiles } : {}),
  };
}

