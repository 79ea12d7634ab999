import { z } from 'zod';
import { Simulation, TraceRecorder, InputError, parseWith, setPath, type ChromeTrace, type OpSummary, type RunSummary, type SimEvent } from '../sim/index.ts';
import { WorkloadSchema, opNames, type WorkloadOp } from '../workloads/index.ts';
import { GpuDevice, type TraceDetail } from './gpu/gpu-device.ts';
import { graphReplayed } from './gpu/spec.ts';
import type { Kernel, KernelResult } from './gpu/kernel.ts';
import { lowerToKernels } from './gpu/lower.ts';
import { runNpuScenario } from './npu/run.ts';
import { OpOrder, round, runResult } from './run-result.ts';
import { isNpuPreset, resolveDevice, resolveNpu, type AnyDeviceSpec, type DeviceSpec } from './presets.ts';

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1, { error: 'expected a non-empty scenario name' }),
  description: z.string().optional(),
  seed: z.number().int({ error: 'expected an integer seed' }).min(0).default(1),
  /** A preset id (`tilewave devices` lists them). */
  device: z.string({ error: 'expected a device preset id like "h100-80gb"' }),
  /** What-if overrides of the device spec by dotted path, e.g. {"memory.bandwidthBytesPerSecond": 6.7e12}. */
  deviceOverrides: z.record(z.string(), z.unknown()).default({}),
  /** cta: a span per thread block; kernel: kernel spans and counters only; auto: cta unless huge. */
  traceDetail: z.enum(['auto', 'cta', 'kernel', 'none']).default('auto'),
  /**
   * How the host launches the kernels (GPU devices): `stream`, one by one, each costing
   * efficiency.kernelOverheadNs (the per-kernel fixed cost of the calibration rows); `graph`, replayed from a
   * CUDA graph, as serving engines run decode steps, each costing efficiency.graphKernelOverheadNs.
   */
  launch: z.enum(['stream', 'graph']).default('stream'),
  workload: WorkloadSchema,
});
export type Scenario = z.infer<typeof ScenarioSchema>;

const SCENARIO_KEYS = new Set(Object.keys(ScenarioSchema.shape));

/** Above this many CTA spans in a run (CTAs, or a persistent CTA's tiles), `auto` trace detail drops them (counters stay). */
export const AUTO_CTA_SPAN_LIMIT = 200_000;

/**
 * Apply `--set path=value`: a path starting with a scenario field (name, seed, workload, ...) edits
 * the scenario; any other path is a device-spec override (memory.bandwidthBytesPerSecond=6.7e12).
 */
/** The `--set` pairs that name device-spec fields (not scenario keys such as workload or seed), as overrides. */
export function deviceSets(sets: readonly [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(sets.filter(([path]) => !SCENARIO_KEYS.has(path.split('.')[0]!)));
}

export function applySets(raw: Record<string, unknown>, sets: readonly [string, unknown][]): void {
  for (const [path, value] of sets) {
    const head = path.split('.')[0]!;
    if (SCENARIO_KEYS.has(head)) {
      setPath(raw, path, value, head !== 'workload');
    } else {
      const overrides = (raw.deviceOverrides ??= {}) as Record<string, unknown>;
      overrides[path] = value;
    }
  }
}

export function parseScenario(raw: unknown, where = 'scenario'): Scenario {
  return parseWith(ScenarioSchema, raw, where);
}

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  traceDetail?: TraceDetail | 'auto';
}

export interface RunResult {
  summary: RunSummary;
  trace: ChromeTrace;
  spec: AnyDeviceSpec;
  wallTimeMs: number;
  eventsPerSecond: number;
}

export function deviceInfo(spec: DeviceSpec): RunSummary['device'] {
  return {
    id: spec.id,
    name: spec.name,
    family: spec.family,
    peakFlopsPerSecond: { ...spec.tensor.flopsPerSecond },
    memoryBandwidthBytesPerSecond: spec.memory.bandwidthBytesPerSecond,
  };
}

/** Simulate a validated scenario: lower its ops, run them on the device, summarise. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  if (isNpuPreset(scenario.device)) return runNpuScenario(scenario, resolveNpu(scenario.device, scenario.deviceOverrides), options);
  const wallStart = performance.now();
  const spec = launchedSpec(resolveDevice(scenario.device, scenario.deviceOverrides), scenario.launch);
  const seed = options.seed ?? scenario.seed;
  const sim = new Simulation();
  const trace = new TraceRecorder();
  const ops = scenario.workload.ops;
  const names = opNames(ops);

  // Lowering does not depend on simulated state, so it happens up front: the CTA total decides
  // the trace detail before anything is recorded.
  const probe = new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none');
  const kernels: Kernel[][] = ops.map((op, i) => lowerOrExplain(probe, op, names[i]!, i));
  // One span per CTA, or per tile for a persistent CTA that loops over tiles.
  const totalSpans = kernels.flat().reduce((a, k) => a + Math.max(k.ctaCount, k.tiles ?? 0), 0);
  let detail = options.traceDetail ?? scenario.traceDetail;
  if (detail === 'auto') detail = totalSpans > AUTO_CTA_SPAN_LIMIT ? 'kernel' : 'cta';
  trace.enabled = detail !== 'none';

  const gpu = new GpuDevice(sim, spec, trace, detail);
  const results: KernelResult[][] = ops.map(() => []);
  const order = new OpOrder();
  ops.forEach((op, i) => {
    const waitFor = order.waitsOf(op, i);
    const opTrack = detail === 'none' ? null : trace.track('gpu0', op.track ?? `stream ${op.stream}`, 'ops');
    const done = sim.process(
      (function* () {
        for (const ev of waitFor) yield ev;
        for (const kernel of kernels[i]!) {
          const r: KernelResult = yield gpu.launch(kernel, opTrack);
          results[i]!.push(r);
          if (opTrack !== null) {
            trace.span(opTrack, kernel.name, r.startNs, r.endNs - r.startNs, {
              op: names[i]!, ...kernel.config, flops: kernel.flops, dramBytes: r.dramBytes, ctas: r.ctaCount,
              waves: round(r.waves, 3),
            }, kernel.category);
          }
        }
      })(),
    ) as SimEvent<void>;
    order.started(op, names[i]!, done);
  });
  sim.run();

  const opSummaries: OpSummary[] = ops.map((op, i) => summariseOp(op, names[i]!, kernels[i]!, results[i]!));
  return runResult({ scenarioName: scenario.name, seed, launch: scenario.launch, spec, device: deviceInfo(spec), sim, trace, ops: opSummaries, wallStart });
}

/** The spec as the scenario's launch mode sees it: graph replays cost the graph's fixed cost per kernel. */
function launchedSpec(spec: DeviceSpec, launch: Scenario['launch']): DeviceSpec {
  if (launch === 'stream') return spec;
  const replayed = graphReplayed(spec);
  if (replayed === undefined) {
    throw new InputError(`field "launch" = "graph": device ${spec.id} has no efficiency.graphKernelOverheadNs (no graph-timed measurement of the part); expected "stream", or set one (--set efficiency.graphKernelOverheadNs=NS)`);
  }
  return replayed;
}

function lowerOrExplain(gpu: GpuDevice, op: WorkloadOp, name: string, index: number): Kernel[] {
  try {
    return lowerToKernels(gpu, op, name);
  } catch (error) {
    throw new InputError(`scenario: op "workload.ops.${index}" (${name}): ${(error as Error).message}`);
  }
}

function summariseOp(op: WorkloadOp, name: string, kernels: Kernel[], results: KernelResult[]): OpSummary {
  const startNs = results[0]?.startNs ?? 0;
  const endNs = results[results.length - 1]?.endNs ?? startNs;
  const durationNs = endNs - startNs;
  const flops = kernels.reduce((a, k) => a + k.flops, 0);
  const dramBytes = results.reduce((a, r) => a + r.dramBytes, 0);
  // The op's own kernel (a GEMM's, not the all-gather launched before it), else the first.
  const mainIndex = Math.max(0, kernels.findIndex((k) => k.category === op.type));
  const main = kernels[mainIndex]!;
  const summary: OpSummary = {
    name,
    type: op.type,
    startNs,
    durationNs,
    flops,
    dramBytes,
    achievedFlopsPerSecond: durationNs > 0 ? (flops / durationNs) * 1e9 : 0,
    achievedDramBytesPerSecond: durationNs > 0 ? (dramBytes / durationNs) * 1e9 : 0,
    config: main.config,
    waves: round(results[mainIndex]?.waves ?? 0, 4),
    tiles: main.tiles ?? main.ctaCount,
  };
  if (main.dtype !== undefined) summary.dtype = main.dtype;
  const details = mergeDetails(main.details, results);
  if (details !== undefined) summary.details = details;
  return summary;
}


/**
 * The lowering's details, with what the kernels' output triggers measured merged in (key by key),
 * and for a GEMM with a reduce-scatter the communication left exposed after the GEMM's output:
 * the reduce-scatter kernel's time (overlap none), or the time from the last output write to the
 * last chunk reduced (overlap tile).
 */
function mergeDetails(base: Record<string, unknown> | undefined, results: KernelResult[]): Record<string, unknown> | undefined {
  let details = base;
  for (const r of results) {
    if (r.details === undefined) continue;
    details = { ...details };
    for (const [key, value] of Object.entries(r.details)) details[key] = { ...(details[key] as object | undefined), ...(value as object) };
  }
  const rs = details?.reduceScatter as Record<string, unknown> | undefined;
  const gemm = results.find((r) => r.category === 'gemm');
  if (rs !== undefined && gemm !== undefined) {
    const last = results[results.length - 1]!;
    const outputNs = rs.overlap === 'tile' ? gemm.startNs + Number(rs.outputDoneNs) : gemm.endNs;
    details = { ...details, reduceScatter: { ...rs, exposedNs: round(last.endNs - outputNs, 3) } };
  }
  return details;
}
