/**
 * How long the GPU had been busy when a row's kernel was timed: the length of its profiling run.
 * A power-limited part runs its first tens of milliseconds after idle at full clock and then
 * settles lower (data/measured/power-transient-h200.csv: random-data GEMMs 1.17-1.20x slower
 * after 60-80 ms on an H200 at 700 W), so a layer timed in a short run is faster than the same
 * layer in a long one. The model keeps one steady power state (efficiency.powerFraction);
 * `validate --by run` shows what that costs (docs/calibration.md, "Power state and run length").
 *
 * Vidur's MLP profiles run 2 warm-up and 20 timed passes of one block per (model,
 * tensor-parallel degree, token count), so a run is 22 blocks of the model's four linear layers
 * at that degree. Their times are the file's own rows: this is a grouping, not a prediction.
 * Files written by scripts/measure/layer_sequence.py say their runs in columns `model`, `tp`,
 * `blocks` and `warmup`.
 */
import { loadModel, headDimOf, kvHeadsOf, type ModelConfig } from '../../workloads/transformer/config.ts';
import { layerOfSource, modelsOfSource } from './error-stats.ts';
import type { MeasuredRow } from './measured.ts';

export { RUN_CLASSES, UNKNOWN_RUN, runClassOf } from './run-classes.ts';

/** Vidur's model names -> tilewave model presets (Qwen-72B's other layers are not in gemm-vidur.csv). */
const VIDUR_MODELS: Record<string, string> = {
  'meta-llama/Llama-2-7b-hf': 'llama2-7b',
  'meta-llama/Llama-2-70b-hf': 'llama2-70b',
  'meta-llama/Meta-Llama-3-8B': 'llama3-8b',
  'meta-llama/Meta-Llama-3-70B': 'llama3-70b',
  'codellama/CodeLlama-34b-Instruct-hf': 'codellama-34b',
  'microsoft/phi-2': 'phi-2',
};

/** Blocks in one Vidur profiling run: WARMUP_STEPS 2 + ACTIVE_STEPS 20 (vidur/profiling/mlp). */
const VIDUR_RUN_BLOCKS = 22;
const TENSOR_PARALLEL = [1, 2, 4, 8];

/** One block's linear layers (Vidur's names) at tensor-parallel degree tp: weight shape n x k. */
export function blockLayers(model: ModelConfig, tp: number): { layer: string; n: number; k: number }[] {
  const hd = headDimOf(model);
  const q = model.heads * hd;
  const kv = kvHeadsOf(model) * hd;
  return [
    { layer: 'attn_pre_proj', n: (q + 2 * kv) / tp, k: model.hiddenSize },
    { layer: 'attn_post_proj', n: model.hiddenSize, k: q / tp },
    { layer: 'mlp_up_proj', n: ((model.gatedMlp ? 2 : 1) * model.ffnSize) / tp, k: model.hiddenSize },
    { layer: 'mlp_down_proj', n: model.hiddenSize, k: model.ffnSize / tp },
  ];
}

const modelCache = new Map<string, ModelConfig>();
function presetOf(vidurName: string): ModelConfig | undefined {
  const id = VIDUR_MODELS[vidurName];
  if (id === undefined) return undefined;
  let m = modelCache.get(id);
  if (m === undefined) modelCache.set(id, (m = loadModel(id)));
  return m;
}

/**
 * Each row's run length in ms (undefined where the file does not say: a source that is not
 * Vidur's, a model without a preset, or a block whose other layers are not among the rows).
 * A Vidur shape that several models share gets the mean of their runs.
 */
export function runLengthsMs(rows: readonly MeasuredRow[]): (number | undefined)[] {
  const timeOf = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.device}|${r.m}|${r.n}|${r.k}`;
    if (!timeOf.has(key)) timeOf.set(key, r.measuredUs);
  }
  const sequenceBlocks = new Map<string, number>();
  for (const r of rows) {
    const key = sequenceKey(r);
    if (key !== undefined) sequenceBlocks.set(key, (sequenceBlocks.get(key) ?? 0) + r.measuredUs);
  }
  return rows.map((r) => {
    const key = sequenceKey(r);
    if (key !== undefined) {
      const blocks = Number(r.extra.blocks) + Number(r.extra.warmup ?? 0);
      return Number.isFinite(blocks) && blocks > 0 ? (blocks * sequenceBlocks.get(key)!) / 1000 : undefined;
    }
    if (!r.source.startsWith('vidur:')) return undefined;
    const layer = layerOfSource(r.source);
    const runs: number[] = [];
    for (const name of modelsOfSource(r.source).split('+')) {
      const model = presetOf(name);
      if (model === undefined) continue;
      for (const tp of TENSOR_PARALLEL) {
        const layers = blockLayers(model, tp);
        if (!layers.some((l) => l.layer === layer && l.n === r.n && l.k === r.k)) continue;
        const times = layers.map((l) => timeOf.get(`${r.device}|${r.m}|${l.n}|${l.k}`));
        if (times.every((t) => t !== undefined)) runs.push((VIDUR_RUN_BLOCKS * times.reduce((a, b) => a + b!, 0)!) / 1000);
      }
    }
    return runs.length === 0 ? undefined : runs.reduce((a, b) => a + b, 0) / runs.length;
  });
}

/** A layer_sequence.py row's run: device, source (which says the down-projection's input), model, tp, m. */
function sequenceKey(r: MeasuredRow): string | undefined {
  const { model, tp, blocks } = r.extra;
  if (model === undefined || model === '' || tp === undefined || blocks === undefined) return undefined;
  return `${r.device}|${r.source}|${model}|${tp}|${r.m}`;
}
