/**
 * What every device family's scenario runner shares: ops waiting for their stream and their
 * `after` dependencies, and the run's summary and lazily built trace from its op summaries.
 */
import { InputError, SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION, type ChromeTrace, type OpSummary, type RunSummary, type SimEvent, type Simulation, type TraceRecorder } from '../sim/index.ts';
import type { WorkloadOp } from '../workloads/index.ts';
import type { AnyDeviceSpec } from './presets.ts';
import type { RunResult } from './scenario.ts';

/** Ops in stream order: each waits for the op before it on its stream and for its `after` ops. */
export class OpOrder {
  private readonly opDone = new Map<string, SimEvent<void>>();
  private readonly streamTail = new Map<number, SimEvent<void>>();

  /** The events op `index` waits for; an `after` naming no earlier op is an input error. */
  waitsOf(op: WorkloadOp, index: number): SimEvent<void>[] {
    const waitFor: SimEvent<void>[] = [];
    const tail = this.streamTail.get(op.stream);
    if (tail !== undefined) waitFor.push(tail);
    for (const dep of op.after) {
      const ev = this.opDone.get(dep);
      if (ev === undefined) {
        throw new InputError(`scenario: field "workload.ops.${index}.after" = "${dep}": expected the name of an earlier op (known: ${[...this.opDone.keys()].join(', ') || 'none'})`);
      }
      waitFor.push(ev);
    }
    return waitFor;
  }

  /** Record that op `name` (on its stream) is done when `done` triggers. */
  started(op: WorkloadOp, name: string, done: SimEvent<void>): void {
    this.opDone.set(name, done);
    this.streamTail.set(op.stream, done);
  }
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The run's result once the simulation has ended: summary, trace (built on first use), rates. */
export function runResult(o: {
  scenarioName: string;
  seed: number;
  launch?: 'stream' | 'graph';
  spec: AnyDeviceSpec;
  device: RunSummary['device'];
  sim: Simulation;
  trace: TraceRecorder;
  ops: OpSummary[];
  wallStart: number;
}): RunResult {
  const endNs = o.sim.now;
  const flops = o.ops.reduce((a, op) => a + op.flops, 0);
  const dramBytes = o.ops.reduce((a, op) => a + op.dramBytes, 0);
  const wallTimeMs = performance.now() - o.wallStart;
  const summary: RunSummary = {
    schema: SUMMARY_SCHEMA,
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    scenario: o.scenarioName,
    seed: o.seed,
    ...(o.launch === 'graph' ? { launch: 'graph' as const } : {}),
    device: o.device,
    simulatedTimeNs: endNs,
    eventCount: o.sim.eventCount,
    totals: {
      flops,
      dramBytes,
      achievedFlopsPerSecond: endNs > 0 ? (flops / endNs) * 1e9 : 0,
      achievedDramBytesPerSecond: endNs > 0 ? (dramBytes / endNs) * 1e9 : 0,
    },
    ops: o.ops,
    units: o.trace.busyByTrack(endNs).map((u) => ({ ...u, utilization: round(u.utilization, 6) })),
  };
  // The Chrome trace is built on first use: a run whose trace nobody writes (validate, sweeps,
  // --json) does not pay for converting every span.
  let chromeTrace: ChromeTrace | undefined;
  const info = { title: `${o.scenarioName} on ${o.spec.id}`, device: o.device, summary };
  const trace = o.trace;
  return {
    summary,
    get trace(): ChromeTrace {
      return (chromeTrace ??= trace.toChromeTrace(info));
    },
    spec: o.spec,
    wallTimeMs,
    eventsPerSecond: o.sim.eventCount / Math.max(wallTimeMs / 1e3, 1e-9),
  };
}
