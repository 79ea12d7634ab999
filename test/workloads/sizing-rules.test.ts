import { describe, expect, it } from 'vitest';
import { sizingReport } from '../../cli/commands/rules.ts';
import { loadModel } from '../../workloads/transformer/config.ts';
import { checkSizingRules } from '../../workloads/transformer/sizing-rules.ts';

describe('sizing rules', () => {
  it('flags GPT-3 2.7B: vocabulary 50257 and head dimension 80', () => {
    const rules = checkSizingRules(loadModel('gpt3-2.7b'), { tokens: 2048, tp: 1 });
    const broken = rules.filter((r) => !r.ok).map((r) => r.id);
    expect(broken).toEqual(['vocab-64', 'head-dim-64']);
    const vocab = rules.find((r) => r.id === 'vocab-64')!;
    expect(vocab.friendly).toBe(50304);
    const heads = rules.find((r) => r.id === 'head-dim-64')!;
    expect(heads.resized!.hiddenSize / heads.resized!.heads % 64).toBe(0);
    expect(heads.resized!.hiddenSize).toBe(2560);
  });

  it('Llama-2-7B passes the model rules; an odd token count is reported', () => {
    const rules = checkSizingRules(loadModel('llama2-7b'), { tokens: 3, tp: 2 });
    expect(rules.filter((r) => !r.ok).map((r) => r.id)).toEqual(['tokens-64']);
  });

  it('simulates the step with each broken dimension resized', () => {
    const r = sizingReport(loadModel('gpt3-2.7b'), 'a100-80gb', { phase: 'prefill', batch: 1, seq: 1024 });
    const heads = r.rules.find((x) => x.id === 'head-dim-64')!;
    expect(heads.resizedStepNs).toBeGreaterThan(0);
    expect(heads.timePerFlopRatio).toBeGreaterThan(0.5);
    expect(r.gemms.map((g) => g.role)).toEqual(['qkv', 'o_proj', 'mlp_up', 'mlp_down', 'lm_head']);
  });
});
