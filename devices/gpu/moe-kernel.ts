import { groupedGemmFlops, imbalance, type GroupedGemmOp } from '../../workloads/moe.ts';
import { pipelineSteps } from './gemm-kernel.ts';
import { ctaResources, planGemm, tileName, type TileConfig } from './gemm-plan.ts';
import type { CtaResources, CtaWork, Kernel, OperandLoad } from './kernel.ts';
import { BYTES_PER_ELEMENT, type Dtype, type GpuSpec } from './spec.ts';
import { smRates, type SmRates } from './vector-rates.ts';

/** One output tile of one group. */
interface GroupTile {
  group: number;
  row: number;
  col: number;
}

/**
 * Lower a grouped GEMM (MoE experts) to one kernel: every group's output tiles in one grid, group
 * by group, so the scheduler fills SMs with whatever tiles remain. A group with few rows still
 * pays a whole tile (tile quantization per expert), and a hot expert's tiles are what is left
 * running at the end: the imbalance shows as idle SMs in the kernel's tail.
 */
export function groupedGemmKernel(spec: GpuSpec, op: GroupedGemmOp, rows: readonly number[], name: string, occupancyOf: (r: CtaResources) => number): Kernel {
  const dtype = op.dtype as Dtype;
  const active = rows.filter((m) => m > 0);
  // The library picks one tile for the launch, for the average group.
  const meanRows = Math.max(1, Math.round(active.reduce((a, b) => a + b, 0) / Math.max(1, active.length)));
  const plan = planGemm(spec, { type: 'gemm', stream: 0, after: [], m: meanRows, n: op.n, k: op.k, batch: Math.max(1, active.length), dtype: op.dtype, outDtype: op.outDtype, splitK: 1, tailSplit: 1 }, occupancyOf);
  const tile = plan.tile;
  const gridN = Math.ceil(op.n / tile.tileN);
  const tiles: GroupTile[] = [];
  const tilesPerGroup: number[] = [];
  rows.forEach((m, group) => {
    const gridM = Math.ceil(m / tile.tileM);
    tilesPerGroup.push(gridM * gridN);
    // Row index fastest: the tiles in flight share the group's weight panels.
    for (let col = 0; col < gridN; col++) for (let row = 0; row < gridM; row++) tiles.push({ group, row, col });
  });
  const r = smRates(spec, dtype);
  const kIters = Math.ceil(op.k / tile.tileK);
  const stepIters = pipelineSteps(kIters);
  return {
    name,
    category: 'moe',
    splitsSm: true,
    ctaCount: tiles.length,
    resources: ctaResources(tile, dtype),
    flops: groupedGemmFlops(op, rows),
    dtype: op.dtype,
    config: { tile: tileName(tile), groups: rows.length, grid: `${tiles.length}`, ...(op.outDtype !== undefined && op.outDtype !== op.dtype ? { outDtype: op.outDtype } : {}) },
    details: { tokensPerGroup: [...rows], tilesPerGroup, imbalance: Math.round(imbalance(rows) * 1000) / 1000 },
    cta: (index: number): CtaWork => new GroupedGemmCta(spec, r, op, tile, rows, tiles[index]!, stepIters, plan.slots),
  };
}

class GroupedGemmCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes: number;
  readonly storeL2Bytes = 0;
  readonly label: string;
  readonly args: CtaWork['args'];
  private readonly rowsHere: number;
  private readonly colsHere: number;
  private readonly bytes: number;
  private readonly aSharers: number;
  private readonly bSharers: number;
  private readonly aKey: number;
  private readonly bKey: number;
  private readonly kPerIter: number;

  constructor(
    private readonly spec: GpuSpec,
    private readonly r: SmRates,
    op: GroupedGemmOp,
    private readonly tile: TileConfig,
    rows: readonly number[],
    t: GroupTile,
    private readonly stepIters: number[],
    slots: number,
  ) {
    const m = rows[t.group]!;
    const gridM = Math.ceil(m / tile.tileM);
    const gridN = Math.ceil(op.n / tile.tileN);
    this.rowsHere = Math.min(tile.tileM, m - t.row * tile.tileM);
    this.colsHere = Math.min(tile.tileN, op.n - t.col * tile.tileN);
    this.bytes = BYTES_PER_ELEMENT[op.dtype as Dtype];
    this.steps = stepIters.length;
    this.kPerIter = op.k / stepIters.reduce((a, b) => a + b, 0);
    // A row panel is read by the group's column tiles in flight, a weight panel by its row tiles.
    this.aSharers = Math.max(1, Math.min(gridN, Math.ceil(slots / gridM)));
    this.bSharers = Math.max(1, Math.min(gridM, slots));
    // Keys: (operand, group, panel, step), below 2^32 for up to 4096 groups of 2^15 panels.
    this.aKey = ((t.group * 32768 + t.row) * 4) * 2;
    this.bKey = ((t.group * 32768 + t.col) * 4) * 2 + 1;
    this.storeBytes = this.rowsHere * this.colsHere * BYTES_PER_ELEMENT[(op.outDtype ?? op.dtype) as Dtype];
    this.label = `expert ${t.group} tile ${t.row},${t.col}`;
    this.args = { expert: t.group, tile: `${t.row},${t.col}`, rows: this.rowsHere, cols: this.colsHere };
  }

  stepWorkNs(step: number): number {
    // Padded tile on the tensor cores (tile quantization), or the shared-memory reads, whichever binds.
    const k = this.stepIters[step]! * this.tile.tileK;
    const tensorNs = (2 * this.tile.tileM * this.tile.tileN * k) / this.r.tensorFlopsPerNs;
    const smemNs = ((this.tile.tileM + this.tile.tileN) * k * this.bytes * 2) / ((this.spec.sm.sharedMemoryBytesPerClock * this.spec.sm.clockHz) / 1e9);
    return Math.max(tensorNs, smemNs);
  }

  loads(step: number): OperandLoad[] {
    const k = this.stepIters[step]! * this.kPerIter;
    return [
      { key: this.aKey + step * 2, bytes: this.rowsHere * k * this.bytes, sharers: this.aSharers },
      { key: this.bKey + step * 2, bytes: this.colsHere * k * this.bytes, sharers: this.bSharers },
    ];
  }
}
