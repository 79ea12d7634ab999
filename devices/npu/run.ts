/**
 * A scenario on a systolic NPU: ops lowered to phases (lower.ts), run on the device's arrays,
 * vector unit and DRAM (npu-device.ts) in stream order with their `after` dependencies, summarised
 * in the same summary format as a GPU run.
 */
import { InputError, Simulation, SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION, TraceRecorder, type ChromeTrace, type OpSummary, type RunSummary, type SimEvent } from '../../sim/index.ts';
import { opNames } from '../../workloads/index.ts';
import type { RunOptions, RunResult, Scenario } from '../scenario.ts';
import { lowerForNpu, type NpuWork } from './lower.ts';
import { NpuDevice, type PhaseResult } from './npu-device.ts';
import { npuPeakFlops, type NpuDtype, type NpuSpec } from './spec.ts';

export function npuDeviceInfo(spec: NpuSpec): RunSummary['device'] {
  return { id: spec.id, name: spec.name, family: spec.family, peakFlopsPerSecond: npuPeakFlops(spec), memoryBandwidthBytesPerSecond: spec.memory.bandwidthBytesPerSecond };
}

export function runNpuScenario(scenario: Scenario, spec: NpuSpec, options: RunOptions = {}): RunResult {
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
  const opDone = new Map<string, SimEvent<void>>();
  const streamTail = new Map<number, SimEvent<void>>();
  ops.forEach((op, i) => {
    const waitFor: SimEvent<void>[] = [];
    const tail = streamTail.get(op.stream);
    if (tail !== undefined) waitFor.push(tail);
    for (const dep of op.after) {
      const ev = opDone.get(dep);
      if (ev === undefined) throw new InputError(`scenario: field "workload.ops.${i}.after" = "${dep}": expected the name of an earlier op (known: ${[...opDone.keys()].join(', ') || 'none'})`);
      waitFor.push(ev);
    }
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
    opDone.set(names[i]!, done);
    streamTail.set(op.stream, done);
  });
  sim.run();

  const endNs = sim.now;
  const opSummaries = ops.map((op, i) => summariseOp(spec, op.type, names[i]!, works[i]!, opStartNs[i]!, results[i]!));
  const flops = opSummaries.reduce((a, o) => a + o.flops, 0);
  const dramBytes = opSummaries.reduce((a, o) => a + o.dramBytes, 0);
  const summary: RunSummary = {
    schema: SUMMARY_SCHEMA,
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    scenario: scenario.name,
    seed,
    device: npuDeviceInfo(spec),
    simulatedTimeNs: endNs,
    eventCount: sim.eventCount,
    totals: {
      flops,
      dramBytes,
      achievedFlopsPerSecond: endNs > 0 ? (flops / endNs) * 1e9 : 0,
      achievedDramBytesPerSecond: endNs > 0 ? (dramBytes / endNs) * 1e9 : 0,
    },
    ops: opSummaries,
    units: trace.busyByTrack(endNs).map((u) => ({ ...u, utilization: round(u.utilization, 6) })),
  };
  const wallTimeMs = performance.now() - wallStart;
  let chromeTrace: ChromeTrace | undefined;
  const info = { title: `${scenario.name} on ${spec.id}`, device: npuDeviceInfo(spec), summary };
  return {
    summary,
    get trace(): ChromeTrace {
      return (chromeTrace ??= trace.toChromeTrace(info));
    },
    spec,
    wallTimeMs,
    eventsPerSecond: sim.eventCount / Math.max(wallTimeMs / 1e3, 1e-9),
  };
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

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
