import type { Command } from 'commander';
import { resolveDevice } from '../../devices/presets.ts';
import type { StepOptionsInput } from '../../workloads/transformer/builder.ts';
import { loadModel, type ModelConfig } from '../../workloads/transformer/config.ts';
import { checkSizingRules, type SizingRule } from '../../workloads/transformer/sizing-rules.ts';
import { UsageError } from '../errors.ts';
import { formatDuration, table } from '../format.ts';
import { intOption, toJson } from '../io.ts';
import { simulateStep } from './llm.ts';

/** A sizing rule as reported: the rule without the resized model, plus what resizing would buy. */
export interface RuleResult extends Omit<SizingRule, 'resized'> {
  /** Step time with this one dimension resized, ns; null when nothing was resized. */
  resizedStepNs: number | null;
  /** Step time per FLOP relative to the model as it is (< 1: the resize makes each FLOP cheaper). */
  timePerFlopRatio: number | null;
}

export interface RulesReport {
  model: string;
  device: string;
  step: StepOptionsInput;
  stepTimeNs: number;
  flops: number;
  rules: RuleResult[];
  /** The step's GEMMs: tile choice and wave fill, where wave quantization shows. */
  gemms: { role: string; shape: string; tile: string; ctas: number; waves: number; lastWaveFill: number }[];
}

/** Which of a model's dimensions break the sizing rules, and the simulated step time if each were resized. */
export function sizingReport(model: ModelConfig, device: string, step: StepOptionsInput): RulesReport {
  const opts = { ...step, layers: 'one' as const };
  const base = simulateStep(model, opts, { device, traceDetail: 'none' });
  const flopsOf = (s: typeof base) => s.breakdown.reduce((a, r) => a + r.flops, 0);
  const baseFlops = flopsOf(base);
  const rules = checkSizingRules(model, { tokens: base.step.tokens, tp: step.tp ?? 1 }).map((r: SizingRule): RuleResult => {
    let resizedStepNs: number | null = null;
    let timePerFlopRatio: number | null = null;
    if (r.resized !== null) {
      const s = simulateStep(r.resized, opts, { device, traceDetail: 'none' });
      resizedStepNs = s.stepTimeNs;
      timePerFlopRatio = round(s.stepTimeNs / flopsOf(s) / (base.stepTimeNs / baseFlops), 4);
    }
    return { id: r.id, rule: r.rule, field: r.field, value: r.value, ok: r.ok, friendly: r.friendly, resizedStepNs, timePerFlopRatio };
  });
  const gemms = base.result.summary.ops
    .filter((o) => o.type === 'gemm' && (o.name.startsWith('L0.') || o.name === 'lm_head'))
    .map((o) => {
      const ctas = o.tiles ?? 0;
      const waves = o.waves ?? 0;
      const fill = waves > 0 ? waves - Math.floor(waves - 1e-9) : 0;
      return { role: String(o.details?.role ?? o.name), shape: `${o.config?.grid ?? ''}`, tile: String(o.config?.tile ?? ''), ctas, waves: round(waves, 3), lastWaveFill: round(fill, 3) };
    });
  return { model: model.id, device, step, stepTimeNs: base.stepTimeNs, flops: baseFlops, rules, gemms };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function formatRules(r: RulesReport): string {
  const lines = [
    `sizing rules for ${r.model} on ${r.device} (${r.step.phase}, batch ${r.step.batch}, seq ${r.step.seq}${(r.step.tp ?? 1) > 1 ? `, tp ${r.step.tp}` : ''}): step ${formatDuration(r.stepTimeNs)}`,
    '',
    table(
      ['rule', 'field', 'value', 'ok', 'friendly', 'step if resized', 'time/FLOP'],
      r.rules.map((x) => [
        x.rule, x.field, String(x.value), x.ok ? 'yes' : 'NO', x.friendly === null ? '' : String(x.friendly),
        x.resizedStepNs === null ? '' : formatDuration(x.resizedStepNs),
        x.timePerFlopRatio === null ? '' : `${x.timePerFlopRatio >= 1 ? '+' : ''}${((x.timePerFlopRatio - 1) * 100).toFixed(1)}%`,
      ]),
    ),
    '',
    'GEMMs of one layer and the LM head (wave fill: share of the last wave in use)',
    table(['op', 'grid', 'tile', 'CTAs', 'waves', 'last wave fill'], r.gemms.map((g) => [g.role, g.shape, g.tile, String(g.ctas), g.waves.toFixed(2), `${(g.lastWaveFill * 100).toFixed(0)}%`])),
  ];
  return lines.join('\n');
}

export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('report which model dimensions break the tile/wave sizing rules, and the step time if each were resized')
    .requiredOption('--model <id>', 'model preset (tilewave llm --help lists them)')
    .requiredOption('--device <id>', 'device preset (tilewave devices)')
    .option('--phase <phase>', 'prefill | decode', 'prefill')
    .option('--batch <b>', 'sequences in the batch', intOption('--batch', 1), 1)
    .option('--seq <s>', 'prompt tokens (prefill) or KV cache length (decode)', intOption('--seq', 1), 2048)
    .option('--tp <t>', 'tensor-parallel degree', intOption('--tp', 1), 1)
    .option('--json', 'print the report as JSON')
    .action((opts) => {
      if (opts.phase !== 'prefill' && opts.phase !== 'decode') throw new UsageError(`--phase ${JSON.stringify(opts.phase)}: expected prefill or decode`);
      // The rules are GPU tile and wave rules (an NPU preset is refused here, by name).
      resolveDevice(opts.device);
      const model = loadModel(opts.model);
      const report = sizingReport(model, opts.device, { phase: opts.phase, batch: opts.batch, seq: opts.seq, tp: opts.tp });
      process.stdout.write(opts.json ? toJson(report) : `${formatRules(report)}\n`);
    });
}
