import type { Command } from 'commander';
import { applySets, parseScenario, runScenario, type RunResult } from '../../devices/scenario.ts';
import type { TraceDetail } from '../../devices/gpu/gpu-device.ts';
import { buildTransformerStep, opLayer, opRole, type StepOptionsInput, type TransformerStep } from '../../workloads/transformer/builder.ts';
import { loadModel, modelIds, type ModelConfig } from '../../workloads/transformer/config.ts';
import { addOutputOptions, emitRun } from '../emit.ts';
import { formatDuration, table } from '../format.ts';
import { collect, intOption, parseSets } from '../io.ts';
import { UsageError } from '../errors.ts';
import { checkVaryOutputs, sweepChartTrace } from '../vary-output.ts';

/** Time of one op role (qkv, attn, mlp_up, ...) over the whole step, all layers counted. */
export interface RoleTime {
  role: string;
  type: string;
  count: number;
  timeNs: number;
  fraction: number;
  flops: number;
}

export interface StepResult {
  result: RunResult;
  step: TransformerStep;
  /** The whole step: simulated time, plus the repeated layers when one layer stands for all. */
  stepTimeNs: number;
  /** One decoder layer, first to last op. */
  layerTimeNs: number;
  breakdown: RoleTime[];
}

export interface SimulateStepOptions {
  device: string;
  sets?: [string, unknown][];
  traceDetail?: TraceDetail | 'auto';
}

/** Build one step of `model` and simulate it on a device; per-role times cover every layer. */
export function simulateStep(model: ModelConfig, options: StepOptionsInput, run: SimulateStepOptions): StepResult {
  const step = buildTransformerStep(model, options);
  const raw: Record<string, unknown> = {
    name: `llm-${model.id}-${options.phase}-b${options.batch}-s${options.seq}${(options.tp ?? 1) > 1 ? `-tp${options.tp}${options.overlap === 'tile' ? '-t3' : ''}` : ''}${(options.nanoBatches ?? 1) > 1 ? `-nb${options.nanoBatches}` : ''}${options.seqMin !== undefined ? `-smin${options.seqMin}` : ''}-${run.device}`,
    device: run.device,
    seed: options.seed ?? 1,
    traceDetail: run.traceDetail ?? 'kernel',
    workload: { ops: step.ops },
  };
  applySets(raw, run.sets ?? []);
  const scenario = parseScenario(raw, 'llm');
  const result = runScenario(scenario);
  const ops = result.summary.ops;
  const layer0 = ops.filter((o) => opLayer(o.name) === 0);
  const layerEndNs = layer0.length === 0 ? 0 : layer0[layer0.length - 1]!.startNs + layer0[layer0.length - 1]!.durationNs;
  const layerTimeNs = layer0.length === 0 ? 0 : layerEndNs - layer0[0]!.startNs;
  const repeated = repeatedLayers(scenario, result, step.layerRepeat, layerEndNs, layerTimeNs);
  const stepTimeNs = result.summary.simulatedTimeNs + repeated.timeNs;
  const roles = new Map<string, RoleTime>();
  for (const o of ops) {
    const layer = opLayer(o.name);
    const weight = layer === null ? 1 : step.layerRepeat;
    const role = opRole(o.name);
    o.details = { ...(o.details ?? {}), role, ...(layer !== null ? { layer } : {}) };
    const r = roles.get(role) ?? { role, type: o.type, count: 0, timeNs: 0, fraction: 0, flops: 0 };
    r.count += weight;
    r.timeNs += layer === null ? o.durationNs : o.durationNs + (step.layerRepeat - 1) * repeated.opNs(o.name, o.durationNs);
    r.flops += o.flops * weight;
    roles.set(role, r);
  }
  if ((run.traceDetail ?? 'kernel') !== 'none') addLayerTrack(result, ops);
  const breakdown = [...roles.values()].sort((a, b) => b.timeNs - a.timeNs || a.role.localeCompare(b.role));
  for (const r of breakdown) r.fraction = Math.round((r.timeNs / Math.max(1, stepTimeNs)) * 1e6) / 1e6;
  (result.summary as unknown as Record<string, unknown>).llm = {
    model: model.id,
    phase: options.phase,
    batch: options.batch,
    seq: options.seq,
    tp: options.tp ?? 1,
    ...((options.tp ?? 1) > 1 && options.overlap === 'tile' ? { overlap: { mode: 'tile', reduction: options.reduction ?? 'sm' } } : {}),
    ...((options.nanoBatches ?? 1) > 1 ? { nanoBatches: options.nanoBatches } : {}),
    ...(options.seqMin !== undefined ? { seqMin: options.seqMin } : {}),
    ...((options.vocabPadding ?? 1) > 1 ? { vocabPadding: options.vocabPadding } : {}),
    dtypes: step.dtypes,
    memory: { ...step.memory, capacityBytes: result.spec.memory.capacityBytes, fits: fits(step, result) },
    layers: model.layers,
    layersSimulated: step.layersSimulated,
    stepTimeNs,
    layerTimeNs,
    tokens: step.tokens,
    analyticFlops: step.analytic.gemmFlops + step.analytic.attentionFlops,
    timeByOpType: breakdown,
    ...(step.routing.length > 0 ? { tokensPerExpert: step.routing } : {}),
  };
  return { result, step, stepTimeNs, layerTimeNs, breakdown };
}

/**
 * The layers one simulated layer stands for (`--layers one`): repeats of it, run after it. Where the
 * device's power controller settles (efficiency.settleAfterNs) within them, the part past that
 * point runs at the settled limit: its ops take their time from the same step simulated settled.
 * Returns the repeats' time and, per op of the simulated layer, one repeat's average time.
 */
function repeatedLayers(scenario: ReturnType<typeof parseScenario>, result: RunResult, repeat: number, layerEndNs: number, layerTimeNs: number): { timeNs: number; opNs: (name: string, ns: number) => number } {
  const plain = { timeNs: (repeat - 1) * layerTimeNs, opNs: (_: string, ns: number) => ns };
  const e = result.spec.family === 'gpu' ? result.spec.efficiency : undefined;
  if (repeat <= 1 || e?.settleAfterNs === undefined || e.settledPowerFraction === undefined) return plain;
  const total = (repeat - 1) * layerTimeNs;
  const freshNs = Math.min(total, Math.max(0, e.settleAfterNs - layerEndNs));
  if (freshNs >= total) return plain;
  const settled = runScenario({
    ...scenario,
    deviceOverrides: { ...scenario.deviceOverrides, 'efficiency.powerFraction': e.settledPowerFraction, 'efficiency.settleAfterNs': Number.MAX_VALUE },
    traceDetail: 'none',
  });
  const settledNs = new Map(settled.summary.ops.map((o) => [o.name, o.durationNs]));
  const settledOps = settled.summary.ops.filter((o) => opLayer(o.name) === 0);
  const settledLayerNs = settledOps.length === 0 ? 0 : settledOps[settledOps.length - 1]!.startNs + settledOps[settledOps.length - 1]!.durationNs - settledOps[0]!.startNs;
  // Layers run fresh until the controller settles, then at the settled layer time.
  const shareFresh = freshNs / total;
  return {
    timeNs: freshNs + (1 - shareFresh) * (repeat - 1) * settledLayerNs,
    opNs: (name, ns) => shareFresh * ns + (1 - shareFresh) * (settledNs.get(name) ?? ns),
  };
}

/** What the report calls the simulated device: "GPU", or "NPU" for the systolic family. */
function deviceWord(result: RunResult): string {
  return result.spec.family === 'npu' ? 'NPU' : 'GPU';
}

/** Whether one GPU holds the step's weights and KV cache (activations and workspaces aside). */
export function fits(step: TransformerStep, result: RunResult): boolean {
  return step.memory.weightBytes + step.memory.kvCacheBytes <= result.spec.memory.capacityBytes;
}

/** Bytes as decimal GB with one decimal, as the capacity is quoted (80.0 GB). */
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

/** What one GPU holds against its capacity, one line (activations and workspaces not counted). */
function memoryLine(s: StepResult): string {
  const { weightBytes, kvCacheBytes } = s.step.memory;
  const { dtypes } = s.step;
  return `one ${deviceWord(s.result)} holds ${gb(weightBytes)} of weights (${dtypes.linear} projections) and ${gb(kvCacheBytes)} of KV cache (${dtypes.kv}) of its ${gb(s.result.spec.memory.capacityBytes)}${fits(s.step, s.result) ? '' : ': does not fit'}`;
}

/** One line saying that the weights and KV cache outgrow the device (the step is simulated anyway), or null. */
export function memoryWarning(s: StepResult): string | null {
  if (fits(s.step, s.result)) return null;
  const { weightBytes, kvCacheBytes } = s.step.memory;
  return `warning: one ${deviceWord(s.result)} would hold ${gb(weightBytes)} of weights and ${gb(kvCacheBytes)} of KV cache; ${s.result.spec.id} has ${gb(s.result.spec.memory.capacityBytes)} (simulated as if it fit; a larger --tp or a smaller --batch would)`;
}

/**
 * A "layers" track above the per-layer tracks: one span per decoder layer, first op to last (one
 * track per nano-batch when the batch is split: their layers overlap).
 */
export function addLayerTrack(result: RunResult, ops: RunResult['summary']['ops']): void {
  const layers = new Map<string, Map<number, { startNs: number; endNs: number }>>();
  for (const o of ops) {
    const l = opLayer(o.name);
    if (l === null) continue;
    const nano = /\/n\d+$/.exec(o.name)?.[0] ?? '';
    let spans = layers.get(nano);
    if (spans === undefined) layers.set(nano, (spans = new Map()));
    const span = spans.get(l) ?? { startNs: o.startNs, endNs: o.startNs };
    span.endNs = Math.max(span.endNs, o.startNs + o.durationNs);
    spans.set(l, span);
  }
  if (layers.size === 0) return;
  const events = result.trace.traceEvents as Record<string, unknown>[];
  const pid = Number(events.find((e) => e.ph === 'M' && e.name === 'process_name')?.pid ?? 1);
  // A loop, not Math.max(...spread): a CTA-detail trace has more events than the call stack has room for arguments.
  let tid = 1;
  for (const e of events) if (e.pid === pid) tid = Math.max(tid, Number(e.tid ?? 0) + 1);
  const tw = (result.trace.otherData as { tilewave?: { tracks?: unknown[] } }).tilewave;
  for (const [nano, spans] of layers) {
    const unit = `layers${nano === '' ? '' : ` ${nano}`}`;
    events.push({ ph: 'M', pid, tid, name: 'thread_name', args: { name: unit } });
    events.push({ ph: 'M', pid, tid, name: 'thread_sort_index', args: { sort_index: 0 } });
    for (const [l, span] of [...spans].sort((a, b) => a[0] - b[0])) {
      events.push({ ph: 'X', pid, tid, ts: span.startNs / 1e3, dur: (span.endNs - span.startNs) / 1e3, name: `layer ${l}`, cat: 'layer', args: { layer: l } });
    }
    tw?.tracks?.push({ pid, tid, device: 'gpu0', unit, group: 'ops' });
    tid++;
  }
}

export function formatBreakdown(s: StepResult): string {
  const rows = s.breakdown.map((r) => [r.role, r.type, String(r.count), formatDuration(r.timeNs), `${(r.fraction * 100).toFixed(1)}%`, r.flops > 0 ? (r.flops / r.timeNs / 1e3).toFixed(1) : '']);
  const nano = s.step.ops.some((op) => op.stream > 0) ? ['(nano-batches run side by side, so the shares add up to more than 100%)'] : [];
  return [
    `step time ${formatDuration(s.stepTimeNs)} (${s.step.layersSimulated} of ${s.step.layersSimulated * s.step.layerRepeat} layers simulated, layer ${formatDuration(s.layerTimeNs)}), ${s.step.tokens} tokens`,
    memoryLine(s),
    table(['op type', 'kind', 'count', 'time', 'share', 'TFLOP/s'], rows),
    ...nano,
  ].join('\n');
}

function positiveIntOption(flag: string): (v: string) => number {
  return intOption(flag, 1);
}

export function registerLlm(program: Command): void {
  const command = program
    .command('llm')
    .description('simulate one prefill or decode step of a transformer model on a device')
    .requiredOption('--model <id>', `model preset (${modelIds().join(', ')})`)
    .requiredOption('--device <id>', 'device preset (tilewave devices)')
    .requiredOption('--phase <phase>', 'prefill | decode')
    .requiredOption('--batch <b>', 'sequences in the batch', positiveIntOption('--batch'))
    .requiredOption('--seq <s>', 'prefill: prompt tokens per sequence; decode: KV cache length', positiveIntOption('--seq'))
    .option('--tp <t>', 'tensor-parallel degree (one GPU of t is simulated)', positiveIntOption('--tp'), 1)
    .option('--dtype <dtype>', 'the linear layers: fp16 | bf16 | fp8 (FP8 serving: fp8 x fp8 products writing bf16, the rest in bf16)', 'fp16')
    .option('--kv-dtype <dtype>', "KV cache and attention: fp16 | bf16 | fp8 (default: the activations', bf16 with --dtype fp8)")
    .option('--layers <mode>', 'all: simulate every layer; one: simulate one and count it for all', 'all')
    .option('--logits <which>', 'all tokens or the last token per sequence', 'all')
    .option('--attention <impl>', 'auto | flash2 | standard', 'auto')
    .option('--overlap <mode>', 'with --tp > 1: none (an all-reduce after each row-parallel GEMM) | tile (sequence parallelism: row-parallel GEMMs reduce-scatter as their tiles land, T3; column-parallel ones gather their input as they run)', 'none')
    .option('--reduction <where>', 'with --overlap tile: sm | near-memory (where received chunks are added)', 'sm')
    .option('--nano-batches <n>', 'split the batch into n parts, each on a stream of its own, so their compute-, memory- and link-bound ops overlap (NanoFlow)', positiveIntOption('--nano-batches'), 1)
    .option('--seq-min <s>', 'decode: draw each sequence\'s KV cache length uniformly from s to --seq (seeded by --seed): requests of different lengths', positiveIntOption('--seq-min'))
    .option('--vocab-padding <n>', "pad the LM head's vocabulary up to a multiple of n, as serving engines do (vLLM: 64); 1: as the model has it", positiveIntOption('--vocab-padding'), 1)
    .option('--seed <n>', 'seed of the MoE routing draws', intOption('--seed', 0), 1)
    .option('--launch <how>', 'stream: kernels launched one by one (each costs efficiency.kernelOverheadNs) | graph: replayed from a CUDA graph, as serving engines run decode steps (each costs efficiency.graphKernelOverheadNs)', 'stream')
    .option('--set <path=value>', 'override a device-spec field (repeatable)', collect, [])
    .option('--vary <path=values>', 'run the step once per value of a device-spec field, or of batch, seq, tp or nano-batches (list, start:stop:step, or multiples like 1x,2x) and write a CSV row per value')
    .option('--out <file>', 'with --vary: the CSV file (default: stdout)')
    .option('--quiet', 'with --vary: no progress output');
  addOutputOptions(command, 'kernel')
    .action(async (opts) => {
      if (opts.phase !== 'prefill' && opts.phase !== 'decode') throw new UsageError(`--phase ${JSON.stringify(opts.phase)}: expected prefill or decode`);
      if (opts.launch !== 'stream' && opts.launch !== 'graph') throw new UsageError(`--launch ${JSON.stringify(opts.launch)}: expected stream or graph`);
      // The launch mode is a scenario field: it travels with the --set pairs.
      const sets: [string, unknown][] = [...parseSets(opts.set), ...(opts.launch === 'graph' ? [['launch', 'graph'] as [string, unknown]] : [])];
      const model = loadModel(opts.model);
      const step: StepOptionsInput = { phase: opts.phase, batch: opts.batch, seq: opts.seq, tp: opts.tp, dtype: opts.dtype, ...(opts.kvDtype !== undefined ? { kvDtype: opts.kvDtype } : {}), layers: opts.layers, logits: opts.logits, attention: opts.attention, overlap: opts.overlap, reduction: opts.reduction, nanoBatches: opts.nanoBatches, seed: opts.seed, vocabPadding: opts.vocabPadding, ...(opts.seqMin !== undefined ? { seqMin: opts.seqMin } : {}) };
      if (opts.overlap === 'tile' && opts.tp === 1 && opts.vary === undefined) process.stderr.write('tilewave: note: --overlap tile changes nothing without tensor parallelism (--tp > 1)\n');
      checkVaryOutputs(opts);
      if (opts.vary !== undefined) {
        const { llmVary } = await import('./llm-vary.ts');
        const { csv, rows } = llmVary(model, step, { device: opts.device, sets, vary: opts.vary, out: opts.out, quiet: opts.quiet });
        if (opts.out === undefined) process.stdout.write(csv);
        if (opts.html) {
          const { writeReportHtml } = await import('../../viz/report.ts');
          const parameter = String(rows[0]!.parameter);
          const points = rows.map((r) => ({ ...r, timeNs: Number(r.step_us) * 1000 }));
          const title = `${model.id} ${step.phase} b${step.batch} s${step.seq}${(step.tp ?? 1) > 1 ? ` tp${step.tp}` : ''} on ${opts.device}: sweep over ${parameter}`;
          await writeReportHtml(opts.html, { traces: [sweepChartTrace(title, parameter, 'tokens_per_s', points)] });
        }
        if (opts.out !== undefined) process.stderr.write(`wrote ${rows.length} rows to ${opts.out}${opts.html ? ` and ${opts.html}` : ''}\n`);
        return;
      }
      const s = simulateStep(model, step, { device: opts.device, sets, traceDetail: opts.traceDetail });
      const warning = memoryWarning(s);
      if (warning !== null) process.stderr.write(`tilewave: ${warning}\n`);
      await emitRun(s.result, { ...opts, json: opts.json });
      if (!opts.json) process.stdout.write(`\n${formatBreakdown(s)}\n`);
    });
}
