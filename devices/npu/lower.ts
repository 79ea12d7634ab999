/**
 * Ops lowered to the work of a weight-stationary systolic NPU: matrix phases (weight tiles, or
 * "folds", each holding a rows x cols block of the stationary operand while rows of the other
 * stream through) and vector phases (elementwise work on the vector unit). What the phases then
 * cost in time, array by array, is npu-device.ts.
 */
import { attendedPairs, attentionFlops, attentionShape, batchPairs, keysVisible, seqKvOf } from '../../workloads/attention.ts';
import { ELEMENTWISE_COSTS, elementwiseBytes } from '../../workloads/elementwise.ts';
import type { WorkloadOp } from '../../workloads/index.ts';
import { DTYPE_BYTES, gemmFlops, type OpDtype } from '../../workloads/ops.ts';
import type { NpuDtype, NpuSpec } from './spec.ts';

/** Folds that stream for the same number of clocks: a class of identical tiles. */
export interface FoldClass {
  /** Tiles of this class. */
  count: number;
  /**
   * Clocks of streaming each tile sees: weight-stationary, the rows of the streaming operand (A's
   * rows of a GEMM, query rows of attention); output-stationary, the reduction length.
   */
  streamRows: number;
}

/** A matrix phase: folds spread over the arrays, with the DRAM bytes they move between them. */
export interface MatrixPhase {
  kind: 'matrix';
  label: string;
  dtype: NpuDtype;
  folds: FoldClass[];
  /** DRAM bytes of the phase (stationary tiles, streamed rows, outputs), spread over its folds. */
  dramBytes: number;
  /** Useful multiply-accumulates (no padding), for utilization. */
  usefulMacs: number;
}

/** A vector phase: lane operations on the vector unit, and the DRAM bytes it reads and writes. */
export interface VectorPhase {
  kind: 'vector';
  label: string;
  /** Lane-clock operations (special functions already weighted by their clocks). */
  laneOps: number;
  dramBytes: number;
}

/**
 * A GEMV on the PIM channels: each sequence's K (or V) cache is read row by row in the channel
 * that holds it, every row multiplied with the query vectors of the heads that share it; its
 * inputs go over the channel bus to the banks before, its results come back after.
 */
/** One sequence's share of a PIM phase: its cache bytes read in the banks, its bus traffic. */
export interface PimSequence {
  /** DRAM bytes of the sequence's cache the phase reads (all its KV heads). */
  bytes: number;
  /** Bytes to the banks before (the queries, or the softmax's probabilities). */
  inBytes: number;
  /** Bytes back after (the scores, or the outputs). */
  outBytes: number;
}

export interface PimPhase {
  kind: 'pim';
  label: string;
  /** The batch's sequences, each in one channel (the preset's `pim.placement` decides which). */
  sequences: PimSequence[];
  /** Query vectors each cached row is multiplied with (the grouped-query heads sharing a KV head). */
  queriesPerRow: number;
  elementBytes: number;
  usefulMacs: number;
}

/**
 * A ring collective over the link: `linkBytes` sent (and as many received) in `steps` ring steps,
 * each paying the link's latency; the received chunks are written to DRAM and the sent ones read
 * (`dramBytes`), and reductions add on the vector unit (`laneOps`).
 */
export interface LinkPhase {
  kind: 'link';
  label: string;
  linkBytes: number;
  steps: number;
  dramBytes: number;
  laneOps: number;
}

export type NpuPhase = MatrixPhase | VectorPhase | PimPhase | LinkPhase;

/** Attention with at most this many query rows per sequence runs on PIM where the device has it (decode). */
export const PIM_MAX_SEQ_Q = 16;

/**
 * An op as the NPU runs it: parts that run concurrently (each its phases in order; they contend
 * for the arrays, the vector unit and DRAM), its useful FLOPs and the config to report.
 */
export interface NpuWork {
  parts: NpuPhase[][];
  flops: number;
  dtype: string;
  config: Record<string, string | number | boolean>;
}

/** Accumulators are fp32: partial sums that leave the chip cost 4 bytes an element. */
const ACCUMULATOR_BYTES = 4;

function matrixDtype(spec: NpuSpec, dtype: OpDtype, where: string): NpuDtype {
  const supported = Object.keys(spec.systolic.macsPerCellPerClock);
  if (!(supported as string[]).includes(dtype)) {
    throw new Error(`${where}: device ${spec.id} has no matrix rate for dtype ${dtype} (supported: ${supported.join(', ')})`);
  }
  return dtype as NpuDtype;
}

/** Weight tiles of a K x N stationary operand on rows x cols arrays. */
function tilesOf(spec: NpuSpec, k: number, n: number): number {
  return Math.ceil(k / spec.systolic.rows) * Math.ceil(n / spec.systolic.cols);
}

/**
 * C[m, n] = A[m, k] B[k, n]: B is stationary (a weight), A's m rows stream through every tile.
 * DRAM: C once, and A and B blocked through half the SRAM the cheaper way round: a block of A's
 * rows stays on chip while B streams past it (A once, B once per block), or a block of B's columns
 * while A streams (B once, A once per block).
 */
function lowerGemm(spec: NpuSpec, op: Extract<WorkloadOp, { type: 'gemm' }>): NpuWork {
  // GPU kernel choices have no meaning on fixed arrays: say so rather than ignore them.
  for (const field of ['tile', 'splitK', 'tailSplit', 'stages', 'pairedCta', 'mma'] as const) {
    if (op[field] !== undefined) throw new Error(`field "${field}" = ${JSON.stringify(op[field])}: a GPU kernel choice; device ${spec.id} (family npu) runs every GEMM on its ${spec.systolic.rows}x${spec.systolic.cols} arrays (expected no ${field})`);
  }
  // Nor does operand data: the NPU model has no power limit for zeros to relieve.
  if ((op.aZeroFraction ?? 0) > 0) throw new Error(`field "aZeroFraction" = ${op.aZeroFraction}: the NPU model's time does not depend on operand data (no power limit); device ${spec.id} (family npu) expected aZeroFraction 0 or none`);
  const dtype = matrixDtype(spec, op.dtype, 'gemm');
  const b = DTYPE_BYTES[op.dtype];
  const out = DTYPE_BYTES[op.outDtype ?? op.dtype];
  // Weight-stationary: k x n of B in tiles, A's m rows stream. Output-stationary: m x n of C in
  // tiles, k steps stream.
  const os = spec.systolic.dataflow === 'output-stationary';
  const tiles = os ? Math.ceil(op.m / spec.systolic.rows) * Math.ceil(op.n / spec.systolic.cols) : tilesOf(spec, op.k, op.n);
  const stream = os ? op.k : op.m;
  const aBytes = op.m * op.k * b;
  const bBytes = op.k * op.n * b;
  // Rows (or columns) of a k-long operand that half the SRAM holds, at least one.
  const perBlock = Math.max(1, Math.floor(spec.sram.bytes / 2 / (op.k * b)));
  const bReads = Math.ceil(op.m / perBlock);
  const aReadsIfB = Math.ceil(op.n / perBlock);
  const [aReads, bTimes] = aBytes + bReads * bBytes <= bBytes + aReadsIfB * aBytes ? [1, bReads] : [aReadsIfB, 1];
  const dramBytes = op.batch * (bTimes * bBytes + aReads * aBytes + op.m * op.n * out);
  return {
    parts: [[{ kind: 'matrix', label: 'gemm', dtype, folds: [{ count: tiles * op.batch, streamRows: stream }], dramBytes, usefulMacs: op.batch * op.m * op.n * op.k }]],
    flops: gemmFlops(op),
    dtype: op.dtype,
    config: { dataflow: spec.systolic.dataflow, array: `${spec.systolic.rows}x${spec.systolic.cols}`, folds: tiles * op.batch, ...(os ? { foldK: op.k } : { foldRows: op.m }), ...(aReads > 1 ? { aReads } : {}), ...(bTimes > 1 ? { bReads: bTimes } : {}) },
  };
}

/** Most concurrent parts an attention op is cut into (groups of heads, pipelined). */
export const MAX_ATTENTION_PARTS = 8;

/**
 * Attention as the NPU runs it, per sequence and KV head: S = Q K^T with K^T stationary (head
 * dim x keys tiles; the group's query rows stream), softmax on the vector unit, O = P V with V
 * stationary (keys x head dim tiles). Under a causal mask a tile of keys streams only the query
 * rows that see it. Scores stay on chip when one head's fit in half the SRAM, else they make a
 * round trip through DRAM (fp32, written and read). The (sequence, KV head) pairs are dealt into
 * up to MAX_ATTENTION_PARTS parts that run concurrently, so one part's softmax overlaps another's
 * matmuls, as a compiler pipelines heads.
 */
function lowerAttention(spec: NpuSpec, op: Extract<WorkloadOp, { type: 'attention' }>): NpuWork {
  const dtype = matrixDtype(spec, op.dtype, 'attention');
  const s = attentionShape(op);
  if (spec.pim !== undefined && s.seqQ <= PIM_MAX_SEQ_Q) return lowerPimAttention(spec, op);
  const b = DTYPE_BYTES[op.dtype];
  const { rows: R, cols: C } = spec.systolic;
  const group = s.heads / s.kvHeads;
  const pairsTotal = s.batch * s.kvHeads;
  const partCount = Math.min(MAX_ATTENTION_PARTS, pairsTotal);
  const c = ELEMENTWISE_COSTS.softmax;
  // The tiles of one (sequence, KV head) pair with `seqKv` keys, by how long each streams.
  const pairFolds = new Map<number, { qk: FoldClass[]; pv: FoldClass[]; attended: number; spills: boolean }>();
  const foldsOf = (seqKv: number) => {
    let f = pairFolds.get(seqKv);
    if (f !== undefined) return f;
    const shape = { seqQ: s.seqQ, seqKv, causal: s.causal };
    // Query rows (of the whole group) that see keys from index `first` on (bottom-right aligned).
    const rowsSeeing = (first: number): number => (s.causal ? Math.max(0, s.seqQ - Math.max(0, first - (seqKv - s.seqQ))) : s.seqQ) * group;
    const qk: FoldClass[] = [];
    const pv: FoldClass[] = [];
    if (spec.systolic.dataflow === 'output-stationary') {
      // S tiles: rows x keys, head dim deep; a key tile needs only the rows that see it (the
      // tail of the group's rows). O tiles: rows x head dim, as deep as the keys their last row sees.
      for (let j = 0; j * C < seqKv; j++) qk.push({ count: Math.ceil(rowsSeeing(j * C) / R), streamRows: s.headDim });
      const rows = s.seqQ * group;
      for (let i = 0; i * R < rows; i++) {
        const last = Math.min(rows, (i + 1) * R) - 1;
        pv.push({ count: Math.ceil(s.headDim / C), streamRows: keysVisible(shape, Math.floor(last / group)) });
      }
    } else {
      for (let j = 0; j * C < seqKv; j++) qk.push({ count: Math.ceil(s.headDim / R), streamRows: rowsSeeing(j * C) });
      for (let j = 0; j * R < seqKv; j++) pv.push({ count: Math.ceil(s.headDim / C), streamRows: rowsSeeing(j * R) });
    }
    f = { qk, pv, attended: attendedPairs(shape), spills: s.seqQ * seqKv * ACCUMULATOR_BYTES > spec.sram.bytes / 2 };
    pairFolds.set(seqKv, f);
    return f;
  };
  const parts: NpuPhase[][] = [];
  let folds = 0;
  let spilled = false;
  let first = 0;
  for (let p = 0; p < partCount; p++) {
    // (sequence, KV head) pairs of this part: an equal share, the first parts one more.
    const pairs = Math.floor(pairsTotal / partCount) + (p < pairsTotal % partCount ? 1 : 0);
    const qk = new Map<number, number>();
    const pv = new Map<number, number>();
    let keys = 0;
    let scores = 0;
    let spill = 0;
    for (let i = first; i < first + pairs; i++) {
      const seqKv = seqKvOf(s, Math.floor(i / s.kvHeads));
      const f = foldsOf(seqKv);
      for (const x of f.qk) qk.set(x.streamRows, (qk.get(x.streamRows) ?? 0) + x.count);
      for (const x of f.pv) pv.set(x.streamRows, (pv.get(x.streamRows) ?? 0) + x.count);
      keys += seqKv;
      scores += group * f.attended;
      if (f.spills) spill += 2 * group * f.attended * ACCUMULATOR_BYTES;
    }
    first += pairs;
    spilled ||= spill > 0;
    const classes = (m: Map<number, number>): FoldClass[] => [...m].filter(([rows, count]) => rows > 0 && count > 0).map(([streamRows, count]) => ({ count, streamRows }));
    const kv = keys * s.headDim * b;
    const q = pairs * group * s.seqQ * s.headDim * b;
    const macs = scores * s.headDim;
    folds += [...classes(qk), ...classes(pv)].reduce((a, f) => a + f.count, 0);
    parts.push([
      { kind: 'matrix', label: 'qk', dtype, folds: classes(qk), dramBytes: kv + q + spill / 2, usefulMacs: macs },
      { kind: 'vector', label: 'softmax', laneOps: scores * (c.fp32OpsPerElement + c.specialOpsPerElement * spec.vector.specialOpClocks), dramBytes: 0 },
      { kind: 'matrix', label: 'pv', dtype, folds: classes(pv), dramBytes: kv + q + spill / 2, usefulMacs: macs },
    ]);
  }
  return {
    parts,
    flops: attentionFlops(s),
    dtype: op.dtype,
    config: { dataflow: spec.systolic.dataflow, array: `${R}x${C}`, folds, parts: partCount, ...(spilled ? { scoresInDram: true } : {}) },
  };
}

/**
 * Decode attention in the DRAM (NeuPIMs): S = Q K^T as a GEMV over each sequence's K cache in its
 * channel, the scores out to the vector unit for the softmax, the probabilities back in, then
 * O = P V as a GEMV over the V cache. The KV cache never crosses the channel bus.
 */
function lowerPimAttention(spec: NpuSpec, op: Extract<WorkloadOp, { type: 'attention' }>): NpuWork {
  const s = attentionShape(op);
  const b = DTYPE_BYTES[op.dtype];
  const group = s.heads / s.kvHeads;
  const queries = s.heads * s.seqQ * s.headDim * b;
  const c = ELEMENTWISE_COSTS.softmax;
  const pairs = batchPairs(s);
  const macs = s.heads * pairs * s.headDim;
  const sequences = (inIsScores: boolean): PimSequence[] =>
    Array.from({ length: s.batch }, (_, i) => {
      const seqKv = seqKvOf(s, i);
      const scores = s.heads * attendedPairs({ seqQ: s.seqQ, seqKv, causal: s.causal }) * b;
      return { bytes: s.kvHeads * seqKv * s.headDim * b, inBytes: inIsScores ? scores : queries, outBytes: inIsScores ? queries : scores };
    });
  const pim = (label: string, inIsScores: boolean): PimPhase => ({
    kind: 'pim', label, sequences: sequences(inIsScores), queriesPerRow: group * s.seqQ, elementBytes: b, usefulMacs: macs,
  });
  return {
    parts: [[
      pim('qk', false),
      { kind: 'vector', label: 'softmax', laneOps: s.heads * pairs * (c.fp32OpsPerElement + c.specialOpsPerElement * spec.vector.specialOpClocks), dramBytes: 0 },
      pim('pv', true),
    ]],
    flops: attentionFlops(s),
    dtype: op.dtype,
    config: { unit: 'pim', rowBuffers: spec.pim!.rowBuffers, placement: spec.pim!.placement, channels: Math.min(spec.pim!.channels, s.batch) },
  };
}

function lowerElementwise(spec: NpuSpec, op: Extract<WorkloadOp, { type: 'elementwise' }>): NpuWork {
  const c = ELEMENTWISE_COSTS[op.kind];
  const elements = op.rows * op.cols;
  const { readBytes, writeBytes } = elementwiseBytes(op, DTYPE_BYTES[op.dtype]);
  const laneOps = elements * c.fp32OpsPerElement + (elements * c.specialOpsPerElement + op.rows * c.specialOpsPerRow) * spec.vector.specialOpClocks;
  return {
    parts: [[{ kind: 'vector', label: op.kind, laneOps, dramBytes: readBytes + writeBytes }]],
    flops: 0,
    dtype: op.dtype,
    config: { unit: 'vector', kind: op.kind },
  };
}

/**
 * A ring collective, the way NCCL-style rings run it: p - 1 reduce-scatter steps (send a 1/p
 * chunk, add the one received), then p - 1 all-gather steps for an all-reduce; one device of the
 * group is simulated.
 */
function lowerCollective(spec: NpuSpec, op: Extract<WorkloadOp, { type: 'allreduce' | 'allgather' | 'reducescatter' }>): NpuWork {
  if (spec.interconnect === undefined) {
    throw new Error(`${op.type} needs a device-to-device link, and device ${spec.id} has no "interconnect" in its spec (e.g. --set interconnect.bandwidthBytesPerSecond=3e11 --set interconnect.latencyNs=2000)`);
  }
  const p = op.ranks;
  const chunk = op.bytes / p;
  const steps = op.type === 'allreduce' ? 2 * (p - 1) : p - 1;
  const adds = op.type === 'allgather' ? 0 : p - 1;
  const elements = chunk / DTYPE_BYTES[op.dtype];
  return {
    parts: [[{ kind: 'link', label: op.type, linkBytes: steps * chunk, steps, dramBytes: 2 * steps * chunk, laneOps: adds * elements }]],
    flops: 0,
    dtype: op.dtype,
    config: { kernel: `ring-${op.type}`, ranks: p },
  };
}

/** Lower one op for the NPU, or say (naming both) that this device does not run that op type. */
export function lowerForNpu(spec: NpuSpec, op: WorkloadOp): NpuWork {
  switch (op.type) {
    case 'gemm':
      if (op.reduceScatter !== undefined || op.allGather !== undefined) {
        const field = op.reduceScatter !== undefined ? 'reduceScatter' : 'allGather';
        throw new Error(`field "${field}": a GEMM's own collective is not modelled on device ${spec.id} (family npu); run it as an op of its own (expected no ${field}; llm: --overlap none)`);
      }
      return lowerGemm(spec, op);
    case 'attention':
      return lowerAttention(spec, op);
    case 'elementwise':
      return lowerElementwise(spec, op);
    case 'allreduce':
    case 'allgather':
    case 'reducescatter':
      return lowerCollective(spec, op);
    default:
      throw new Error(`op type "${op.type}" is not supported on device ${spec.id} (family npu: gemm, attention, elementwise and collective ops run on it)`);
  }
}
