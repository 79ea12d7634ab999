/**
 * A chosen GEMM config (gemm-plan.ts) lowered to one kernel: its grid of CTAs, each a pipelined
 * walk over K with operand loads through the L2 panel cache, and the persistent, tail-split and
 * stream-K variants.
 */
import type { GemmOp } from '../../workloads/ops.ts';
import { gemmFlops } from '../../workloads/ops.ts';
import type { CtaWork, Kernel, OperandLoad } from './kernel.ts';
import { chunkWorkNs, ctaResources, dataPowerIntensity, geometry, pairedShare, pairingOf, persistentFor, RASTER_GROUP_ROWS, SPLIT_K_PARTIAL_BYTES, tailTiles, tileName, type GemmGeometry, type GemmPlan } from './gemm-plan.ts';
import { fallsBackToSyncMma, MAX_ACCESS_BYTES, pullBytesPerClock } from './operand-access.ts';
import { BYTES_PER_ELEMENT, type GpuSpec } from './spec.ts';

/** Pipelined steps a CTA's K loop is simulated in (each step = several tileK iterations). */
export const MAX_STEPS_PER_CTA = 4;

/**
 * Loop iterations per simulated step: one-iteration first and last steps (pipeline fill and drain,
 * which a real kernel exposes), the rest in at most MAX_STEPS_PER_CTA - 2 long, overlapped steps.
 */
export function pipelineSteps(iters: number): number[] {
  if (iters <= 0) return [0];
  if (iters <= MAX_STEPS_PER_CTA) return Array.from({ length: iters }, () => 1);
  const middle = iters - 2;
  const chunks = MAX_STEPS_PER_CTA - 2;
  const out = [1];
  for (let c = 0; c < chunks; c++) out.push(Math.floor(middle / chunks) + (c < middle % chunks ? 1 : 0));
  out.push(1);
  return out;
}

/**
 * Lower a GEMM op to one kernel: output tiles in grouped raster order, each a pipelined walk over
 * K. One CTA per work item, or (persistent kernels) one CTA per slot looping over items s, s +
 * slots, ... An item is a tile (one K split of it), or with a tail split one piece of a leftover
 * tile; the tail's pieces come last, so they make up the final wave.
 */
export function gemmKernel(spec: GpuSpec, op: GemmOp, plan: GemmPlan, name: string): Kernel {
  const g = geometry(op, plan.tile, plan.splitK);
  const t = plan.tile;
  const kIters = Math.ceil(op.k / t.tileK);
  const perBatch = g.gridM * g.gridN * plan.splitK;
  const tiles = perBatch * op.batch;
  const tail = plan.tailSplit > 1 ? tailTiles(tiles, plan.slots) : 0;
  const items = tiles + tail * (plan.tailSplit - 1);
  const streamK = plan.streamK === true;
  const persistent = streamK || persistentFor(spec, t, g);
  const ctaCount = streamK ? Math.min(plan.slots, tiles * kIters) : persistent ? Math.min(items, plan.slots) : items;
  const pairing = streamK ? null : pairingOf(spec, g);
  const partial = { spec, g, plan, perBatch, kIters, tiles, fullTiles: tiles - tail, pairing };
  const layout: TileLayout = { ...partial, sharers: panelSharers(partial), tailSharers: tailSharers(partial, tail), workNsByIters: [], stepsByIters: [], structures: new Map() };
  return {
    name,
    category: 'gemm',
    splitsSm: true,
    ctaCount,
    tiles: items,
    resources: ctaResources(t, g.dtype, pairing),
    flops: gemmFlops(op),
    dtype: op.dtype,
    config: {
      tile: tileName(t), splitK: plan.splitK, stages: t.stages, warps: t.warps, grid: `${g.gridM}x${g.gridN}x${plan.splitK * op.batch}`,
      ...(tail > 0 ? { tailSplit: plan.tailSplit, tailTiles: tail } : {}),
      ...(persistent ? { persistent: true } : {}),
      ...(streamK ? { streamK: true } : {}),
      ...(pairing !== null ? { pairedCta: true } : {}),
      ...(op.outDtype !== undefined && op.outDtype !== op.dtype ? { outDtype: op.outDtype } : {}),
      // Only for shapes whose rows are not 16-byte aligned (aligned configs read as before).
      ...(g.accessBytes < MAX_ACCESS_BYTES ? { accessBytes: g.accessBytes } : {}),
      ...(fallsBackToSyncMma(spec, g) ? { mma: 'sync' } : {}),
      ...(g.aZeroFraction > 0 ? { aZeroFraction: g.aZeroFraction } : {}),
    },
    ...(g.accessBytes < MAX_ACCESS_BYTES ? { smPullBytesPerClock: pullBytesPerClock(spec, g.accessBytes) } : {}),
    ...powerIntensityOf(spec, g),
    cta: (index: number): CtaWork =>
      streamK ? new StreamKCta(layout, index, ctaCount) : persistent ? new PersistentGemmCta(layout, index, ctaCount, items) : new GemmCta(layout, itemAt(layout, index)),
  };
}

interface TileLayout {
  spec: GpuSpec;
  g: GemmGeometry;
  plan: GemmPlan;
  perBatch: number;
  kIters: number;
  tiles: number;
  /** Tiles computed whole (or in plan.splitK splits); the rest are split plan.tailSplit ways. */
  fullTiles: number;
  /** CTAs run in pairs along m (sharing B) or n (sharing A), or not (`pairingOf`). */
  pairing: 'm' | 'n' | null;
  /** CTAs of a wave that read each A and each B panel (the same for every tile). */
  sharers: { a: number; b: number };
  /** The same for the pieces of the tail wave. */
  tailSharers: { a: number; b: number };
  /** SM time of a step of n loop iterations, memoized (asked for on every step of every CTA). */
  workNsByIters: number[];
  /** Step structures (loop iterations per step) by an item's iterations, memoized. */
  stepsByIters: number[][];
  /** CtaWork.structure objects by key. */
  structures: Map<number, object>;
}

type LayoutBase = Omit<TileLayout, 'sharers' | 'tailSharers' | 'workNsByIters' | 'stepsByIters' | 'structures'>;

function stepNs(l: TileLayout, iters: number): number {
  let ns = l.workNsByIters[iters];
  if (ns === undefined) l.workNsByIters[iters] = ns = chunkWorkNs(l.spec, l.g, iters * l.g.tile.tileK);
  return ns;
}

/** One output tile (one K split of it): where it is, its real extent and its operand panels. */
interface GemmTile {
  row: number;
  col: number;
  split: number;
  /** K splits of this tile (plan.splitK, or plan.tailSplit for a tail tile). */
  splits: number;
  batch: number;
  rows: number;
  cols: number;
  /** Loop iterations of each split (the longest split's: every split walks the same steps). */
  iters: number;
  /** Real K of this split, elements. */
  k: number;
  aKey: number;
  bKey: number;
  sharers: { a: number; b: number };
}

/** Tail pieces' L2 keys live above the tiles' keys (they cut K differently). */
const TAIL_KEY_BASE = 2 ** 31;

/** Work item `index`: a tile (split) of the full waves, or a piece of a tail tile. */
function itemAt(l: TileLayout, index: number): GemmTile {
  if (index < l.fullTiles) return tileAt(l, index, (index % l.perBatch) % l.plan.splitK, l.plan.splitK, 0, l.sharers);
  const s = l.plan.tailSplit;
  const piece = index - l.fullTiles;
  return tileAt(l, l.fullTiles + Math.floor(piece / s), piece % s, s, TAIL_KEY_BASE, l.tailSharers);
}

function tileAt(l: TileLayout, index: number, split: number, splits: number, keyBase: number, sharers: GemmTile['sharers']): GemmTile {
  const { g, plan } = l;
  const t = plan.tile;
  const batch = Math.floor(index / l.perBatch);
  const rest = Math.floor((index % l.perBatch) / plan.splitK);
  // Grouped raster: RASTER_GROUP_ROWS tile rows are walked column by column.
  const groupSize = RASTER_GROUP_ROWS * g.gridN;
  const group = Math.floor(rest / groupSize);
  const firstRow = group * RASTER_GROUP_ROWS;
  const rowsInGroup = Math.min(RASTER_GROUP_ROWS, g.gridM - firstRow);
  const local = rest % groupSize;
  const row = firstRow + (local % rowsInGroup);
  const col = Math.floor(local / rowsInGroup);
  const iters = Math.ceil(l.kIters / splits);
  const firstIter = split * iters;
  const itersHere = Math.max(0, Math.min(l.kIters, firstIter + iters) - firstIter);
  const k = Math.max(0, Math.min(g.k, (firstIter + itersHere) * t.tileK) - firstIter * t.tileK);
  // L2 keys: (operand, batch, panel, K-chunk) packed into one integer.
  const chunks = MAX_STEPS_PER_CTA * splits;
  const chunk0 = split * MAX_STEPS_PER_CTA;
  return {
    row, col, split, splits, batch, iters, k, sharers,
    rows: Math.min(t.tileM, g.m - row * t.tileM),
    cols: Math.min(t.tileN, g.n - col * t.tileN),
    aKey: keyBase + ((batch * g.gridM + row) * chunks + chunk0) * 2,
    bKey: keyBase + ((batch * g.gridN + col) * chunks + chunk0) * 2 + 1,
  };
}

/** CTAs of one wave sharing a panel: grouped raster puts R rows x C columns in flight. */
function panelSharers(l: LayoutBase): { a: number; b: number } {
  const { g, plan } = l;
  const wave = Math.min(plan.slots, l.tiles);
  const rowsInWave = Math.min(RASTER_GROUP_ROWS, g.gridM);
  return {
    a: Math.max(1, Math.min(g.gridN, Math.ceil(wave / (rowsInWave * plan.splitK)))),
    b: Math.max(1, Math.min(rowsInWave, Math.ceil(wave / plan.splitK))),
  };
}

/** The same for the tail wave: `tail` leftover tiles, the last ones of the raster order. */
function tailSharers(l: LayoutBase, tail: number): { a: number; b: number } {
  const rowsInWave = Math.min(RASTER_GROUP_ROWS, l.g.gridM);
  return {
    a: Math.max(1, Math.min(l.g.gridN, Math.ceil(tail / rowsInWave))),
    b: Math.max(1, Math.min(rowsInWave, tail)),
  };
}

/** Output bytes of a tile: its share of C, plus split-K partials written and read back. */
function tileStoreBytes(l: TileLayout, tile: GemmTile): number {
  return tileOutputBytes(l, tile) + (tile.splits > 1 ? tile.rows * tile.cols * SPLIT_K_PARTIAL_BYTES : 0);
}

/** End (exclusive) of the rows of A a tile reads, within its batch. */
function rowsEnd(l: TileLayout, tile: Pick<GemmTile, 'row' | 'rows'>): number {
  return tile.row * l.plan.tile.tileM + tile.rows;
}

/** A tile's (split's) share of C itself. */
function tileOutputBytes(l: TileLayout, tile: GemmTile): number {
  return (tile.rows * tile.cols * l.g.outBytes) / tile.splits;
}

function tileLabel(tile: GemmTile): string {
  return `tile ${tile.row},${tile.col}${tile.splits > 1 ? ` k${tile.split}` : ''}`;
}

function tileArgs(l: TileLayout, tile: GemmTile): CtaWork['args'] {
  return { tile: `${tile.row},${tile.col}`, split: tile.split, batch: tile.batch, rows: tile.rows, cols: tile.cols, k: tile.k, config: tileName(l.plan.tile) };
}

/**
 * The A and B panel chunks of one step. The array is reused from call to call (the device
 * consumes it at once): the hot path of big grids allocates nothing here.
 */
const LOADS: [OperandLoad, OperandLoad] = [{ key: 0, bytes: 0, fetchBytes: 0, sharers: 1 }, { key: 0, bytes: 0, fetchBytes: 0, sharers: 1 }];
function operandLoads(l: TileLayout, tile: GemmTile, chunk: number, k: number): OperandLoad[] {
  const bytes = BYTES_PER_ELEMENT[l.g.dtype];
  const [a, b] = LOADS;
  // DRAM supplies whole chunks (once per pair and per the wave's other sharers); a paired CTA
  // receives its share of them.
  a.key = tile.aKey + chunk * 2;
  a.fetchBytes = tile.rows * k * bytes;
  a.bytes = a.fetchBytes * pairedShare(l.pairing, 'a');
  a.sharers = tile.sharers.a;
  b.key = tile.bKey + chunk * 2;
  b.fetchBytes = tile.cols * k * bytes;
  b.bytes = b.fetchBytes * pairedShare(l.pairing, 'b');
  b.sharers = tile.sharers.b;
  return LOADS;
}

/**
 * The kernel's power draw per CTA relative to a dense GEMM CTA on random data, where it differs:
 * mma.sync issues at its own rate, and zero A elements toggle nothing.
 */
function powerIntensityOf(spec: GpuSpec, g: GemmGeometry): { powerIntensity?: number } {
  const intensity = (fallsBackToSyncMma(spec, g) ? spec.tensor.syncMmaFraction : 1) * dataPowerIntensity(spec, g);
  return intensity === 1 ? {} : { powerIntensity: intensity };
}

/** One CTA computing one tile: fill, long overlapped middle steps, drain, then the epilogue. */
class GemmCta implements CtaWork {
  readonly steps: number;
  readonly structure: object;
  readonly storeBytes: number;
  readonly storeL2Bytes = 0;
  readonly outputBytes: number;
  private readonly stepIters: number[];
  private readonly kPerIter: number;

  constructor(private readonly l: TileLayout, private readonly tile: GemmTile) {
    // Every split walks the same step structure (the longest split's): a split-K kernel takes as
    // long as its longest split, and identical structures let the CTAs of a wave run as one cohort.
    // A shorter last split loads only its real K (loads below), its few idle iterations are masked.
    this.stepIters = stepStructure(l, tile.iters);
    this.steps = this.stepIters.length;
    this.structure = internStructure(l, tile.iters);
    this.kPerIter = tile.iters > 0 ? tile.k / tile.iters : 0;
    this.storeBytes = tileStoreBytes(l, tile);
    this.outputBytes = tileOutputBytes(l, tile);
  }

  // Label and args are built only when a trace asks for them: a big grid has millions of CTAs.
  get label(): string {
    return tileLabel(this.tile);
  }

  get args(): CtaWork['args'] {
    return tileArgs(this.l, this.tile);
  }

  stepWorkNs(step: number): number {
    return stepNs(this.l, this.stepIters[step]!);
  }

  tileRowsEndAt(step: number): number {
    return step === 0 ? rowsEnd(this.l, this.tile) : -1;
  }

  loads(step: number): OperandLoad[] {
    // Predicated loads: only the real rows/columns of edge tiles are read.
    const k = this.stepIters[step]! * this.kPerIter;
    return operandLoads(this.l, this.tile, step, k);
  }
}

/**
 * A persistent CTA: items index, index + ctas, ... one after another, each K loop in the same
 * steps as a one-item CTA (so panels keep their L2 keys). Loads run ahead across tile boundaries
 * and each tile's output is written while the next one computes: only the first fill and the last
 * drain are exposed.
 *
 * Its items are the full tiles first, then the tail's pieces, each kind with one step structure,
 * so a step maps to its item arithmetically: a CTA of a batched kernel may loop over thousands of
 * tiles, and it holds only the one it is on.
 */
class PersistentGemmCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes = 0;
  readonly storeL2Bytes = 0;
  readonly structure: object;
  /** Items of each kind this CTA computes, and the step structure of each kind. */
  private readonly fullItems: number;
  private readonly tailItems: number;
  private readonly fullIters: number[];
  private readonly tailIters: number[];
  /**
   * The last two items' tiles: steps are asked for in order, but the next item's first load is
   * issued before the current item's output is written.
   */
  private readonly cachedItem = [-1, -1];
  private readonly cachedTile: (GemmTile | null)[] = [null, null];

  constructor(private readonly l: TileLayout, private readonly cta: number, private readonly ctas: number, items: number) {
    this.fullItems = itemsBelow(l.fullTiles, cta, ctas);
    this.tailItems = itemsBelow(items, cta, ctas) - this.fullItems;
    this.fullIters = stepStructure(l, Math.ceil(l.kIters / l.plan.splitK));
    this.tailIters = stepStructure(l, Math.ceil(l.kIters / l.plan.tailSplit));
    this.steps = this.fullItems * this.fullIters.length + this.tailItems * this.tailIters.length;
    // Counts of each kind, packed (both are below 2^22: MAX_WORK_ITEMS).
    this.structure = internStructure(l, this.fullItems * 2 ** 22 + this.tailItems);
  }

  /** Set by locate(step): the item (0, 1, ... of this CTA's) and the step within it. */
  private item = 0;
  private stepInItem = 0;
  private itemIters: number[] = [];

  /** Locate step `step` (fields, not a returned object: this runs per member per step). */
  private locate(step: number): void {
    const fullSteps = this.fullItems * this.fullIters.length;
    const iters = step < fullSteps ? this.fullIters : this.tailIters;
    const rest = step < fullSteps ? step : step - fullSteps;
    this.item = (step < fullSteps ? 0 : this.fullItems) + Math.floor(rest / iters.length);
    this.stepInItem = rest % iters.length;
    this.itemIters = iters;
  }

  private tile(item: number): GemmTile {
    const slot = item & 1;
    if (this.cachedItem[slot] !== item) {
      this.cachedItem[slot] = item;
      this.cachedTile[slot] = itemAt(this.l, this.cta + item * this.ctas);
    }
    return this.cachedTile[slot]!;
  }

  get label(): string {
    return `CTA ${this.cta}: ${this.fullItems + this.tailItems} tiles`;
  }

  get args(): CtaWork['args'] {
    const first = itemAt(this.l, this.cta);
    return { cta: this.cta, tiles: this.fullItems + this.tailItems, firstTile: `${first.row},${first.col}`, config: tileName(this.l.plan.tile) };
  }

  stepWorkNs(step: number): number {
    this.locate(step);
    return stepNs(this.l, this.itemIters[this.stepInItem]!);
  }

  loads(step: number): OperandLoad[] {
    this.locate(step);
    const tile = this.tile(this.item);
    const k = tile.iters > 0 ? (this.itemIters[this.stepInItem]! * tile.k) / tile.iters : 0;
    return operandLoads(this.l, tile, this.stepInItem, k);
  }

  /** The item that step `step` completes, or -1. */
  private endsItem(step: number): number {
    this.locate(step);
    return this.stepInItem === this.itemIters.length - 1 ? this.item : -1;
  }

  segmentEnd(step: number): { label: string; args: CtaWork['args'] } | null {
    const item = this.endsItem(step);
    if (item < 0) return null;
    const tile = this.tile(item);
    return { label: tileLabel(tile), args: { ...tileArgs(this.l, tile), cta: this.cta } };
  }

  stepStoreBytes(step: number): number {
    const item = this.endsItem(step);
    if (item < 0) return 0;
    return tileStoreBytes(this.l, this.tile(item));
  }

  stepOutputBytes(step: number): number {
    const item = this.endsItem(step);
    if (item < 0) return 0;
    return tileOutputBytes(this.l, this.tile(item));
  }

  tileRowsEndAt(step: number): number {
    this.locate(step);
    return this.stepInItem === 0 ? rowsEnd(this.l, this.tile(this.item)) : -1;
  }
}

/**
 * A stream-K CTA: an equal share of all tiles' K iterations laid end to end (tile after tile, in
 * raster order), so the CTAs finish together whatever the tile count. Each tile segment is walked
 * in pipelined steps like a tile of its own. A segment that does not end its tile writes its fp32
 * partial; the one that ends it reads its peers' partials and writes the output (both counted as
 * its posted bytes: the reduction's wait is not modelled). L2 keys are per K iteration of a panel,
 * so CTAs whose segments overlap in K share panel chunks however their boundaries fall.
 */
class StreamKCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes = 0;
  readonly storeL2Bytes = 0;
  /** Per step: loop iterations, its first iteration within the tile, and its segment. */
  private readonly stepIters: number[] = [];
  private readonly stepFirst: number[] = [];
  private readonly stepSeg: number[] = [];
  /** Per segment: tile index, first iteration within the tile, iterations, and its last step. */
  private readonly segTile: number[] = [];
  private readonly segFirst: number[] = [];
  private readonly segIters: number[] = [];
  private readonly segLastStep: number[] = [];
  private cachedSeg = -1;
  private cachedTile: GemmTile | null = null;

  constructor(private readonly l: TileLayout, private readonly cta: number, private readonly ctas: number) {
    const total = l.tiles * l.kIters;
    const end = Math.floor(((cta + 1) * total) / ctas);
    for (let i = Math.floor((cta * total) / ctas); i < end; ) {
      const tile = Math.floor(i / l.kIters);
      const first = i - tile * l.kIters;
      const iters = Math.min(end, (tile + 1) * l.kIters) - i;
      const seg = this.segTile.length;
      this.segTile.push(tile);
      this.segFirst.push(first);
      this.segIters.push(iters);
      let at = first;
      for (const n of stepStructure(l, iters)) {
        this.stepIters.push(n);
        this.stepFirst.push(at);
        this.stepSeg.push(seg);
        at += n;
      }
      this.segLastStep.push(this.stepIters.length - 1);
      i += iters;
    }
    this.steps = this.stepIters.length;
  }

  private tile(seg: number): GemmTile {
    if (this.cachedSeg !== seg) {
      this.cachedSeg = seg;
      this.cachedTile = tileAt(this.l, this.segTile[seg]!, 0, 1, 0, this.l.sharers);
    }
    return this.cachedTile!;
  }

  /** CTAs whose shares cut tile `t` (1 when one CTA computes it whole). */
  private pieces(t: number): number {
    const total = this.l.tiles * this.l.kIters;
    const ctaOf = (i: number) => Math.ceil(((i + 1) * this.ctas) / total) - 1;
    return ctaOf((t + 1) * this.l.kIters - 1) - ctaOf(t * this.l.kIters) + 1;
  }

  get label(): string {
    return `CTA ${this.cta}: stream-K, ${this.segTile.length} tile segments`;
  }

  get args(): CtaWork['args'] {
    return { cta: this.cta, segments: this.segTile.length, iterations: this.segIters.reduce((a, b) => a + b, 0), config: tileName(this.l.plan.tile) };
  }

  stepWorkNs(step: number): number {
    return stepNs(this.l, this.stepIters[step]!);
  }

  loads(step: number): OperandLoad[] {
    const { l } = this;
    const t = this.tile(this.stepSeg[step]!);
    const bytes = BYTES_PER_ELEMENT[l.g.dtype];
    const tileK = l.plan.tile.tileK;
    const n = this.stepIters[step]!;
    // The load objects are pooled: the array is refilled from the pool, never reallocated.
    while (STREAMK_POOL.length < 2 * n) STREAMK_POOL.push({ key: 0, bytes: 0, sharers: 1 });
    STREAMK_LOADS.length = 0;
    for (let j = 0; j < 2 * n; j++) STREAMK_LOADS.push(STREAMK_POOL[j]!);
    for (let j = 0; j < n; j++) {
      const it = this.stepFirst[step]! + j;
      const k = Math.max(0, Math.min(tileK, l.g.k - it * tileK));
      const a = STREAMK_LOADS[2 * j]!;
      a.key = ((t.batch * l.g.gridM + t.row) * l.kIters + it) * 2;
      a.bytes = t.rows * k * bytes;
      a.sharers = t.sharers.a;
      const b = STREAMK_LOADS[2 * j + 1]!;
      b.key = ((t.batch * l.g.gridN + t.col) * l.kIters + it) * 2 + 1;
      b.bytes = t.cols * k * bytes;
      b.sharers = t.sharers.b;
    }
    return STREAMK_LOADS;
  }

  stepStoreBytes(step: number): number {
    const seg = this.stepSeg[step]!;
    if (this.segLastStep[seg] !== step) return 0;
    const t = this.tile(seg);
    const partial = t.rows * t.cols * STREAMK_PARTIAL_BYTES;
    if (this.segFirst[seg]! + this.segIters[seg]! < this.l.kIters) return partial;
    return t.rows * t.cols * this.l.g.outBytes + (this.pieces(this.segTile[seg]!) - 1) * partial;
  }

  tileRowsEndAt(step: number): number {
    const seg = this.stepSeg[step]!;
    if (step > 0 && this.stepSeg[step - 1] === seg) return -1;
    return rowsEnd(this.l, this.tile(seg));
  }

  stepOutputBytes(step: number): number {
    const seg = this.stepSeg[step]!;
    if (this.segLastStep[seg] !== step || this.segFirst[seg]! + this.segIters[seg]! < this.l.kIters) return 0;
    const t = this.tile(seg);
    return t.rows * t.cols * this.l.g.outBytes;
  }

  segmentEnd(step: number): { label: string; args: CtaWork['args'] } | null {
    const seg = this.stepSeg[step]!;
    if (this.segLastStep[seg] !== step) return null;
    const t = this.tile(seg);
    const first = this.segFirst[seg]!;
    return { label: `tile ${t.row},${t.col} k${first}..${first + this.segIters[seg]!}`, args: { tile: `${t.row},${t.col}`, batch: t.batch, rows: t.rows, cols: t.cols, firstIteration: first, iterations: this.segIters[seg]!, cta: this.cta } };
  }
}

/** A stream-K step's loads: one A and one B chunk per K iteration (reused: read at once). */
const STREAMK_LOADS: OperandLoad[] = [];
const STREAMK_POOL: OperandLoad[] = [];
/** An fp32 partial accumulator element, written by one CTA and read by the tile's last. */
const STREAMK_PARTIAL_BYTES = 4;

/** Items cta, cta + ctas, ... below `limit`. */
function itemsBelow(limit: number, cta: number, ctas: number): number {
  return cta < limit ? Math.floor((limit - 1 - cta) / ctas) + 1 : 0;
}

/** Loop iterations of each pipelined step of an item with `iters` iterations (shared, read-only). */
function stepStructure(l: TileLayout, iters: number): number[] {
  let steps = l.stepsByIters[iters];
  if (steps === undefined) l.stepsByIters[iters] = steps = pipelineSteps(iters);
  return steps;
}

/**
 * One object per distinct step structure of a kernel's CTAs: CTAs that share it have the same
 * steps and per-step work, so the device groups them into a cohort without comparing every step.
 */
function internStructure(l: TileLayout, key: number): object {
  let s = l.structures.get(key);
  if (s === undefined) l.structures.set(key, (s = { key }));
  return s;
}
