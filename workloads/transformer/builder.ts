import { z } from 'zod';
import { Rng } from '../../sim/rng.ts';
import { InputError, parseWith } from '../../sim/validation.ts';
import { attentionFlops } from '../attention.ts';
import { routeTokens } from '../moe.ts';
import type { WorkloadOp } from '../index.ts';
import { DTYPE_BYTES, OpDtypeSchema, type GemmOp, type OpDtype } from '../ops.ts';
import { headDimOf, kvHeadsOf, layerParams, type ModelConfig } from './config.ts';

export const StepOptionsSchema = z.strictObject({
  phase: z.enum(['prefill', 'decode'], { error: 'expected prefill or decode' }),
  /** Sequences in the batch. */
  batch: z.number({ error: 'expected an integer >= 1' }).int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' }),
  /** Prefill: prompt tokens per sequence. Decode: tokens already in each sequence's KV cache. */
  seq: z.number({ error: 'expected an integer >= 1' }).int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' }),
  /** Tensor-parallel degree: heads, KV heads, FFN and vocabulary split over this many GPUs (one is simulated). */
  tp: z.number({ error: 'expected an integer >= 1' }).int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' }).default(1),
  /**
   * Element type of the linear layers. fp8 is FP8 serving as TensorRT-LLM and vLLM run it (W8A8):
   * each decoder layer's projections multiply FP8 weights by FP8 activations and write bf16 (the
   * activation quantization fused into the op before each GEMM); norms, rotary, residual adds,
   * all-reduces, the MoE router and the LM head stay in bf16.
   */
  dtype: OpDtypeSchema.default('fp16'),
  /** Element type of the KV cache and the attention kernels (default: the activations', bf16 with fp8). */
  kvDtype: OpDtypeSchema.optional(),
  /** all: every layer is simulated; one: the first layer is simulated and counted `layers` times. */
  layers: z.enum(['all', 'one'], { error: 'expected all or one' }).default('all'),
  /** Logits for every token (a full forward pass) or only each sequence's last token (generation). */
  logits: z.enum(['all', 'last'], { error: 'expected all or last' }).default('all'),
  attention: z.enum(['auto', 'flash2', 'standard'], { error: 'expected auto, flash2 or standard' }).default('auto'),
  /**
   * Tensor-parallel communication. none: an all-reduce after each row-parallel GEMM (attention
   * output, MLP down). tile: sequence parallelism with tile-level overlap: each row-parallel
   * GEMM reduce-scatters its output chunk by chunk as its tiles land (T3), the norms and residual
   * adds run on this GPU's 1/tp of the tokens, and each column-parallel GEMM (QKV, MLP up, LM
   * head) gathers its input rows while it runs. MoE layers gather their input before the router
   * and reduce-scatter the experts' output after the unpermute, as collectives of their own.
   */
  overlap: z.enum(['none', 'tile'], { error: 'expected none or tile' }).default('none'),
  /** With overlap tile: where received chunks are added (sm, or near-memory in the DRAM). */
  reduction: z.enum(['sm', 'near-memory'], { error: 'expected sm or near-memory' }).default('sm'),
  /** Seed of the MoE routing draws. */
  seed: z.number().int().min(0).default(1),
  /**
   * Nano-batches (NanoFlow): the batch split into this many equal parts, each running the whole
   * step on a stream of its own, so one part's compute-bound GEMMs overlap another's memory-bound
   * attention and its collectives. 1: the batch as one.
   */
  nanoBatches: z.number({ error: 'expected an integer >= 1' }).int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' }).default(1),
  /**
   * Decode: each sequence's cached tokens drawn uniformly from seqMin to seq (seeded), a serving
   * batch of requests of different lengths, instead of seq for all.
   */
  seqMin: z.number({ error: 'expected an integer >= 1' }).int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' }).optional(),
  /**
   * The LM head's vocabulary padded up to a multiple of this before it is split over the GPUs, as
   * serving engines do (vLLM: 64; Megatron: 128 x tp). 1: the model's vocabulary as it is (what
   * Hugging Face runs), so a vocabulary such as GPT-2's 50257 leaves the head's rows misaligned.
   */
  vocabPadding: z.number({ error: 'expected an integer >= 1' }).int({ error: 'expected an integer >= 1' }).min(1, { error: 'expected an integer >= 1' }).default(1),
});
export type StepOptions = z.infer<typeof StepOptionsSchema>;
export type StepOptionsInput = z.input<typeof StepOptionsSchema>;

export interface TransformerStep {
  ops: WorkloadOp[];
  /** Decoder layers simulated, and how many model layers each stands for. */
  layersSimulated: number;
  layerRepeat: number;
  tokens: number;
  /** Analytical FLOPs of the step on one GPU (all model layers): 2·active params·tokens and attention. */
  analytic: { gemmFlops: number; attentionFlops: number; activeParams: number };
  /** Tokens per expert of each simulated MoE layer. */
  routing: number[][];
  /** Element types: the layer projections' operands, the activations (and outputs), the KV cache. */
  dtypes: { linear: OpDtype; activations: OpDtype; kv: OpDtype };
  /**
   * What one GPU holds, bytes: the weights of every layer (all experts), the embedding table and
   * LM head (vocabulary-parallel), and the KV cache of the batch after this step. Activations and
   * workspaces are left out.
   */
  memory: { weightBytes: number; kvCacheBytes: number };
}

/** Role of each op in a layer: the part of its name after the dot, without a nano-batch suffix (L3.qkv/n1 -> qkv). */
export function opRole(name: string): string {
  const dot = name.indexOf('.');
  return (dot < 0 ? name : name.slice(dot + 1)).replace(NANO_SUFFIX, '');
}

/** The suffix that names a nano-batch's copy of an op (`/n0`, `/n1`, ...). */
const NANO_SUFFIX = /\/n\d+$/;

/** The layer index of an op name (L3.qkv -> 3), or null for ops outside the layers. */
export function opLayer(name: string): number | null {
  const m = /^L(\d+)\./.exec(name);
  return m === null ? null : Number(m[1]);
}

function divide(what: string, value: number, tp: number): number {
  if (value % tp !== 0) throw new InputError(`--tp ${tp}: expected a divisor of the model's ${what} (${value})`);
  return value / tp;
}

/**
 * One inference step of a decoder-only transformer as an op graph on one GPU (of `tp`): prefill
 * runs the prompt (causal attention over `seq` tokens per sequence), decode one new token per
 * sequence against a KV cache of `seq` tokens. Ops run in order on one stream; each layer's ops
 * are named `L<i>.<role>` and drawn on a track per layer. With tp > 1 (Megatron-style tensor
 * parallelism) the attention output and MLP down projections produce partial sums, each all-reduced
 * over the tp GPUs before the residual add.
 */
export function buildTransformerStep(m: ModelConfig, input: StepOptionsInput): TransformerStep {
  const o = parseWith(StepOptionsSchema, input, 'step');
  const lengths = kvLengths(o);
  const n = o.nanoBatches;
  if (n === 1) return buildStep(m, o, lengths);
  if (o.batch % n !== 0) throw new InputError(`--nano-batches ${n}: expected a divisor of --batch (${o.batch})`);
  if (o.layers === 'one') {
    throw new InputError(`--nano-batches ${n}: expected --layers all (the nano-batches' layers overlap, so one layer's span does not stand for a layer of the step)`);
  }
  // What one GPU holds and the step's FLOPs are the whole batch's; the ops are the parts', each
  // part on its own stream and tracks, its MoE routing drawn from a seed of its own.
  const whole = buildStep(m, { ...o, nanoBatches: 1 }, lengths);
  const size = o.batch / n;
  const parts = Array.from({ length: n }, (_, j) => buildStep(m, { ...o, batch: size, seed: o.seed + j, nanoBatches: 1 }, lengths?.slice(j * size, (j + 1) * size)));
  const ops = parts.flatMap((part, j) =>
    part.ops.map((op) => ({ ...op, name: `${op.name}/n${j}`, track: `${op.track} /n${j}`, stream: j })),
  );
  return { ...whole, ops, routing: parts.flatMap((part) => part.routing) };
}

/**
 * Each sequence's cached tokens (decode with seqMin): uniform integers from seqMin to seq, drawn
 * from the step's seed on a stream of their own; undefined when every sequence has seq.
 */
function kvLengths(o: StepOptions): number[] | undefined {
  if (o.seqMin === undefined) return undefined;
  if (o.phase !== 'decode') throw new InputError(`--seq-min ${o.seqMin}: expected --phase decode (a batch of cached lengths)`);
  if (o.seqMin > o.seq) throw new InputError(`--seq-min ${o.seqMin}: expected at most --seq (${o.seq}), the longest cache`);
  const rng = new Rng(o.seed).fork('kv-lengths');
  return Array.from({ length: o.batch }, () => rng.int(o.seqMin!, o.seq));
}

/** One step of the whole batch as one (nanoBatches 1); `lengths`: each sequence's cached tokens. */
function buildStep(m: ModelConfig, o: StepOptions, lengths?: number[]): TransformerStep {
  const tp = o.tp;
  const d = headDimOf(m);
  const heads = divide('heads', m.heads, tp);
  const kvAll = kvHeadsOf(m);
  // Fewer KV heads than GPUs: each GPU keeps a replica of one KV head.
  const kvHeads = kvAll >= tp ? divide('kvHeads', kvAll, tp) : 1;
  const ffn = divide('ffnSize', m.ffnSize, tp);
  const vocab = Math.ceil((Math.ceil(m.vocabSize / o.vocabPadding) * o.vocabPadding) / tp);
  const h = m.hiddenSize;
  const tokens = o.phase === 'prefill' ? o.batch * o.seq : o.batch;
  const seqQ = o.phase === 'prefill' ? o.seq : 1;
  // Activations (and whatever is not a decoder layer's projection) in bf16 when the linears are FP8.
  const dtype: OpDtype = o.dtype === 'fp8' ? 'bf16' : o.dtype;
  const linear: Pick<GemmOp, 'dtype' | 'outDtype'> = o.dtype === 'fp8' ? { dtype: 'fp8', outDtype: dtype } : { dtype };
  const kvDtype = o.kvDtype ?? dtype;
  const impl = o.attention === 'auto' ? 'auto' : o.attention;
  const layersSimulated = o.layers === 'all' ? m.layers : 1;
  // Sequence parallelism with tile-level overlap (overlap tile): see StepOptionsSchema.overlap.
  const sp = tp > 1 && o.overlap === 'tile';
  /** Rows of this GPU's share of the tokens under sequence parallelism. */
  const shard = (rows: number) => (sp ? Math.ceil(rows / tp) : rows);
  const ops: WorkloadOp[] = [];
  const rng = new Rng(o.seed);
  const routing: number[][] = [];
  /** A GEMM in the activations' dtype; `layerGemm` is one of a decoder layer's projections. */
  const gemm = (name: string, track: string, mm: number, n: number, k: number): void => {
    ops.push({ type: 'gemm', name, track, stream: 0, after: [], m: mm, n, k, batch: 1, dtype });
  };
  const layerGemm = (name: string, track: string, mm: number, n: number, k: number): void => {
    ops.push({ type: 'gemm', name, track, stream: 0, after: [], m: mm, n, k, batch: 1, ...linear });
  };
  const ew = (name: string, track: string, kind: Extract<WorkloadOp, { type: 'elementwise' }>['kind'], rows: number, cols: number): void => {
    ops.push({ type: 'elementwise', name, track, stream: 0, after: [], kind, rows, cols, dtype });
  };

  const elementBytes = DTYPE_BYTES[dtype];
  const allReduce = (name: string, track: string): void => {
    if (tp > 1) ops.push({ type: 'allreduce', name, track, stream: 0, after: [], bytes: tokens * h * elementBytes, ranks: tp, dtype });
  };
  /**
   * A row-parallel GEMM (its output a partial sum over the tp GPUs) and its all-reduce, or under
   * sequence parallelism its tile-triggered reduce-scatter.
   */
  const rowParallel = (name: string, commName: string, track: string, mm: number, n: number, k: number): void => {
    if (!sp) {
      layerGemm(name, track, mm, n, k);
      allReduce(commName, track);
      return;
    }
    ops.push({ type: 'gemm', name, track, stream: 0, after: [], m: mm, n, k, batch: 1, ...linear, reduceScatter: { ranks: tp, overlap: 'tile', reduction: o.reduction } });
  };
  /** A column-parallel GEMM; under sequence parallelism it gathers its input rows as it runs. */
  const columnParallel = (name: string, track: string, mm: number, n: number, k: number, types: Pick<GemmOp, 'dtype' | 'outDtype'>): void => {
    ops.push({ type: 'gemm', name, track, stream: 0, after: [], m: mm, n, k, batch: 1, ...types, ...(sp ? { allGather: { ranks: tp, overlap: 'tile' as const } } : {}) });
  };

  ew('embed', 'embedding', 'copy', tokens, h);
  for (let l = 0; l < layersSimulated; l++) {
    const p = `L${l}.`;
    const track = `layer ${l}`;
    ew(`${p}attn_norm`, track, m.norm, shard(tokens), h);
    columnParallel(`${p}qkv`, track, tokens, (heads + 2 * kvHeads) * d, h, linear);
    if (m.rotary) ew(`${p}rope`, track, 'rotary', tokens, (heads + kvHeads) * d);
    ops.push({
      type: 'attention', name: `${p}attn`, track, stream: 0, after: [], impl, batch: o.batch, heads, kvHeads,
      seqQ, ...(lengths !== undefined ? { seqKvs: lengths } : { seqKv: o.seq }), headDim: d, causal: true, dtype: kvDtype,
    });
    rowParallel(`${p}o_proj`, `${p}attn_allreduce`, track, tokens, h, heads * d);
    ew(`${p}attn_add`, track, 'add', shard(tokens), h);
    ew(`${p}mlp_norm`, track, m.norm, shard(tokens), h);
    const up = (m.gatedMlp ? 2 : 1) * ffn;
    const act = m.gatedMlp ? 'swiglu' : m.activation;
    if (m.moe === undefined) {
      columnParallel(`${p}mlp_up`, track, tokens, up, h, linear);
      ew(`${p}act`, track, act, tokens, ffn);
      rowParallel(`${p}mlp_down`, `${p}mlp_allreduce`, track, tokens, h, ffn);
    } else {
      const e = m.moe;
      // Sequence parallelism: the grouped GEMMs read tokens in expert order, not in the order they
      // arrive, so the layer's input is gathered first and its output reduce-scattered after.
      if (sp) ops.push({ type: 'allgather', name: `${p}moe_allgather`, track, stream: 0, after: [], bytes: tokens * h * elementBytes, ranks: tp, dtype });
      gemm(`${p}router`, track, tokens, e.experts, h);
      const counts = routeLayer(rng.fork(`layer${l}`), tokens, e.experts, e.topK, e.routing, e.skew);
      routing.push(counts);
      // Tokens gathered into expert order, the experts' FFNs as grouped GEMMs, scattered back.
      ew(`${p}moe_permute`, track, 'copy', tokens * e.topK, h);
      ops.push({ type: 'grouped_gemm', name: `${p}moe_up`, track, stream: 0, after: [], groupM: counts, n: up, k: h, ...linear });
      ew(`${p}act`, track, act, tokens * e.topK, ffn);
      ops.push({ type: 'grouped_gemm', name: `${p}moe_down`, track, stream: 0, after: [], groupM: counts, n: h, k: ffn, ...linear });
      ew(`${p}moe_unpermute`, track, 'copy', tokens * e.topK, h);
      if (sp) ops.push({ type: 'reducescatter', name: `${p}moe_reducescatter`, track, stream: 0, after: [], bytes: tokens * h * elementBytes, ranks: tp, dtype, reduction: o.reduction });
      else allReduce(`${p}mlp_allreduce`, track);
    }
    ew(`${p}mlp_add`, track, 'add', shard(tokens), h);
  }
  const logitRows = o.logits === 'all' ? tokens : o.batch;
  ew('final_norm', 'head', m.norm, shard(logitRows), h);
  columnParallel('lm_head', 'head', logitRows, vocab, h, { dtype });

  const params = layerParams(m);
  const experts = m.moe?.experts ?? 1;
  const projections = h * (heads + 2 * kvHeads) * d + heads * d * h + experts * (m.gatedMlp ? 3 : 2) * h * ffn;
  const router = m.moe === undefined ? 0 : h * m.moe.experts;
  // Cached tokens of the whole batch after this step (decode appends one per sequence).
  const kvTokens = lengths !== undefined ? lengths.reduce((a, l) => a + l + 1, 0) : o.batch * (o.phase === 'decode' ? o.seq + 1 : o.seq);
  const memory = {
    weightBytes: m.layers * (projections * DTYPE_BYTES[o.dtype] + router * elementBytes) + 2 * vocab * h * elementBytes,
    kvCacheBytes: 2 * m.layers * kvHeads * d * kvTokens * DTYPE_BYTES[kvDtype],
  };
  const attnPerLayer = attentionFlops({ batch: o.batch, heads, seqQ, seqKv: o.seq, headDim: d, causal: true, ...(lengths !== undefined ? { seqKvs: lengths } : {}) });
  return {
    ops,
    layersSimulated,
    layerRepeat: m.layers / layersSimulated,
    tokens,
    analytic: {
      gemmFlops: (2 * params.active * tokens * m.layers) / tp + 2 * h * vocab * logitRows,
      attentionFlops: attnPerLayer * m.layers,
      activeParams: params.active * m.layers + h * m.vocabSize,
    },
    routing,
    dtypes: { linear: o.dtype, activations: dtype, kv: kvDtype },
    memory,
  };
}

/** Tokens per expert for one layer, drawn from the layer's own seeded stream. */
function routeLayer(rng: Rng, tokens: number, experts: number, topK: number, routing: 'uniform' | 'skewed', skew: number): number[] {
  // The stream's first draw seeds the routing, so each layer's draw is independent of the others'.
  const seed = Math.floor(rng.next() * 2 ** 31);
  return routeTokens({ tokens, experts, topK, distribution: routing, skew, seed });
}
