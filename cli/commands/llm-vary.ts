import { stringify } from 'csv-stringify/sync';
import { deviceSets } from '../../devices/scenario.ts';
import { parseVary, varyOverrides } from '../../devices/sweep.ts';
import { InputError } from '../../sim/validation.ts';
import { buildTransformerStep, type StepOptionsInput } from '../../workloads/transformer/builder.ts';
import type { ModelConfig } from '../../workloads/transformer/config.ts';
import { writeFileAtomic } from '../io.ts';
import { progress } from '../progress.ts';
import { fits, simulateStep } from './llm.ts';

export interface LlmVaryOptions {
  device: string;
  sets: [string, unknown][];
  vary: string;
  out?: string;
  quiet?: boolean;
}

/**
 * Step fields `--vary` may sweep besides the device's: the batch, the sequence length, the
 * tensor-parallel degree, the nano-batch count (`nanoBatches` in the CSV's `parameter`).
 */
const STEP_FIELDS = ['batch', 'seq', 'tp', 'nanoBatches'] as const;
type StepField = (typeof STEP_FIELDS)[number];
/** How each step field is spelled after --vary (the CLI's flag names). */
const VARY_NAMES: Record<StepField, string> = { batch: 'batch', seq: 'seq', tp: 'tp', nanoBatches: 'nano-batches' };

/**
 * `tilewave llm --vary PATH=VALUES`: the same step on the device with one spec field at each
 * value (what does 2x HBM bandwidth do to a decode step?), or the step at each batch size,
 * sequence length or tensor-parallel degree (`batch=1,8,32,128`: the throughput curve), one CSV
 * row per value: step time, tokens/s, whether the weights and KV cache fit one GPU, and the time
 * of each op role over the step. Points run in order on this thread.
 */
export function llmVary(model: ModelConfig, step: StepOptionsInput, options: LlmVaryOptions): { csv: string; rows: Record<string, string | number>[] } {
  const fixed = deviceSets(options.sets);
  const stepField = STEP_FIELDS.find((f) => options.vary.trim().startsWith(`${VARY_NAMES[f]}=`));
  const vary: { path: string; values: number[]; overrides?: Record<string, unknown>[] } =
    stepField === undefined ? varyOverrides(options.device, fixed, options.vary) : stepVary(model, step, stepField, options.vary);
  // Scenario-level sets (seed, workload...) stay; the device ones are in each point's overrides.
  const scenarioSets = options.sets.filter(([path]) => !(path in fixed));
  const bar = progress('llm --vary', vary.values.length, options.quiet === true || options.out === undefined);
  const rows = vary.values.map((value, i): Record<string, string | number> => {
    const pointStep = stepField === undefined ? step : { ...step, [stepField]: value };
    const deviceOverrides = Object.entries(vary.overrides?.[i] ?? fixed);
    const s = simulateStep(model, pointStep, { device: options.device, sets: [...scenarioSets, ...deviceOverrides], traceDetail: 'none' });
    bar.tick();
    const us = (ns: number) => Math.round(ns) / 1000;
    const roles = Object.fromEntries([...s.breakdown].sort((a, b) => a.role.localeCompare(b.role)).map((r) => [`${r.role}_us`, us(r.timeNs)]));
    return {
      parameter: vary.path,
      value,
      device: options.device,
      model: model.id,
      phase: step.phase,
      batch: pointStep.batch,
      seq: pointStep.seq,
      tp: pointStep.tp ?? 1,
      dtype: s.step.dtypes.linear,
      kv_dtype: s.step.dtypes.kv,
      // Tensor-parallel communication: all-reduces, or sequence parallelism with tile-level overlap.
      overlap: (pointStep.tp ?? 1) > 1 && step.overlap === 'tile' ? `tile/${step.reduction ?? 'sm'}` : 'none',
      nano_batches: pointStep.nanoBatches ?? 1,
      step_us: us(s.stepTimeNs),
      layer_us: us(s.layerTimeNs),
      tokens: s.step.tokens,
      tokens_per_s: Math.round((s.step.tokens / s.stepTimeNs) * 1e9 * 10) / 10,
      memory_gb: Math.round((s.step.memory.weightBytes + s.step.memory.kvCacheBytes) / 1e7) / 100,
      fits: fits(s.step, s.result) ? 'yes' : 'no',
      ...roles,
    };
  });
  bar.stop();
  const csv = stringify(rows, { header: true, columns: Object.keys(rows[0]!) });
  if (options.out !== undefined) writeFileAtomic(options.out, csv);
  return { csv, rows };
}

/** The values of a step field, each checked by building the step once (a bad value fails before any point runs). */
function stepVary(model: ModelConfig, step: StepOptionsInput, field: StepField, text: string): { path: string; values: number[] } {
  const { path, values } = parseVary(text, () => (field === 'tp' ? (step.tp ?? 1) : field === 'nanoBatches' ? (step.nanoBatches ?? 1) : step[field]));
  for (const value of values) {
    try {
      buildTransformerStep(model, { ...step, [field]: value });
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`--vary ${path}=${value}: ${e.message}`);
      throw e;
    }
  }
  return { path, values };
}
