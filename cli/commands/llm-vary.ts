import { stringify } from 'csv-stringify/sync';
import { deviceSets } from '../../devices/scenario.ts';
import { varyOverrides } from '../../devices/sweep.ts';
import type { StepOptionsInput } from '../../workloads/transformer/builder.ts';
import type { ModelConfig } from '../../workloads/transformer/config.ts';
import { writeFileAtomic } from '../io.ts';
import { progress } from '../progress.ts';
import { simulateStep } from './llm.ts';

export interface LlmVaryOptions {
  device: string;
  sets: [string, unknown][];
  vary: string;
  out?: string;
  quiet?: boolean;
}

/**
 * `tilewave llm --vary PATH=VALUES`: the same step on the device with one spec field at each
 * value (what does 2x HBM bandwidth do to a decode step?), one CSV row per value: step time,
 * tokens/s and the time of each op role over the step. Points run in order on this thread.
 */
export function llmVary(model: ModelConfig, step: StepOptionsInput, options: LlmVaryOptions): { csv: string; rows: Record<string, string | number>[] } {
  const fixed = deviceSets(options.sets);
  const vary = varyOverrides(options.device, fixed, options.vary);
  // Scenario-level sets (seed, workload...) stay; the device ones are in each point's overrides.
  const scenarioSets = options.sets.filter(([path]) => !(path in fixed));
  const bar = progress('llm --vary', vary.values.length, options.quiet === true || options.out === undefined);
  const rows = vary.values.map((value, i): Record<string, string | number> => {
    const s = simulateStep(model, step, { device: options.device, sets: [...scenarioSets, ...Object.entries(vary.overrides[i]!)], traceDetail: 'none' });
    bar.tick();
    const us = (ns: number) => Math.round(ns) / 1000;
    const roles = Object.fromEntries([...s.breakdown].sort((a, b) => a.role.localeCompare(b.role)).map((r) => [`${r.role}_us`, us(r.timeNs)]));
    return {
      parameter: vary.path,
      value,
      device: options.device,
      model: model.id,
      phase: step.phase,
      batch: step.batch,
      seq: step.seq,
      tp: step.tp ?? 1,
      dtype: s.step.dtypes.linear,
      kv_dtype: s.step.dtypes.kv,
      step_us: us(s.stepTimeNs),
      layer_us: us(s.layerTimeNs),
      tokens: s.step.tokens,
      tokens_per_s: Math.round((s.step.tokens / s.stepTimeNs) * 1e9 * 10) / 10,
      ...roles,
    };
  });
  bar.stop();
  const csv = stringify(rows, { header: true, columns: Object.keys(rows[0]!) });
  if (options.out !== undefined) writeFileAtomic(options.out, csv);
  return { csv, rows };
}
