import { ELEMENTWISE_COSTS, type ElementwiseKind } from '../../workloads/elementwise.ts';
import type { CtaResources, CtaWork, Kernel, OperandLoad } from './kernel.ts';
import { BYTES_PER_ELEMENT, type Dtype, type GpuSpec } from './spec.ts';
import { smRates, vectorNs, type SmRates } from './vector-rates.ts';

/** A bandwidth-bound kernel: 256-thread blocks, few registers, a little shared memory for row reductions. */
export const ELEMENTWISE_RESOURCES: CtaResources = { threads: 256, sharedMemoryBytes: 1024, registersPerThread: 32 };

/** Elements one block covers before the grid becomes grid-stride (one persistent wave). */
const ELEMENTS_PER_CTA = 8192;
const MAX_STEPS = 4;

export interface ElementwiseShape {
  kind: ElementwiseKind;
  rows: number;
  cols: number;
  dtype: string;
}

/**
 * Lower an elementwise or row-reduction op: whole rows per block (a norm or softmax reduces a row
 * inside one block), at most one wave of blocks (grid-stride beyond that, as tuned kernels do),
 * each streaming its rows in pipelined steps: inputs read once from DRAM, outputs written once.
 */
export function elementwiseKernel(spec: GpuSpec, shape: ElementwiseShape, name: string, occupancy: number, category = 'elementwise'): Kernel {
  const cost = ELEMENTWISE_COSTS[shape.kind];
  const bytes = BYTES_PER_ELEMENT[shape.dtype as Dtype] ?? 2;
  const rates = smRates(spec, spec.tensor.flopsPerSecond[shape.dtype as Dtype] !== undefined ? shape.dtype : 'fp32');
  const rowsPerCta = Math.max(1, Math.ceil(ELEMENTS_PER_CTA / shape.cols));
  const slots = spec.sm.count * Math.max(1, occupancy);
  const ctaCount = Math.max(1, Math.min(Math.ceil(shape.rows / rowsPerCta), slots));
  const base = Math.floor(shape.rows / ctaCount);
  const extra = shape.rows % ctaCount;
  const fp32Ops = (rows: number) => rows * shape.cols * cost.fp32OpsPerElement;
  const specialOps = (rows: number) => rows * shape.cols * cost.specialOpsPerElement + rows * cost.specialOpsPerRow;
  const shared = new Map<number, ElementwiseSteps>();
  return {
    name,
    category,
    ctaCount,
    resources: ELEMENTWISE_RESOURCES,
    flops: 0,
    dtype: shape.dtype,
    config: { kernel: shape.kind, rowsPerBlock: base + (extra > 0 ? 1 : 0) },
    details: {
      kind: shape.kind,
      vectorOps: fp32Ops(shape.rows) + specialOps(shape.rows),
      dramBytesExpected: (cost.inputs + cost.outputs) * shape.rows * shape.cols * bytes,
    },
    cta: (index: number): CtaWork => {
      const rowsHere = base + (index < extra ? 1 : 0);
      // Blocks differ only by one row at most: their steps are built once per row count and shared.
      let steps = shared.get(rowsHere);
      if (steps === undefined) shared.set(rowsHere, (steps = new ElementwiseSteps(rates, shape.cols, rowsHere, bytes, cost.inputs, cost.outputs, fp32Ops, specialOps)));
      return new ElementwiseCta(steps, index);
    },
  };
}

/**
 * The pipelined steps of a block of `rows` rows: SM time and loads per step, shared (read-only)
 * by every block of the kernel with that many rows, and their cohort key (`structure`).
 */
class ElementwiseSteps {
  readonly steps: number;
  readonly storeBytes: number;
  readonly workNs: number[];
  readonly loads: OperandLoad[][];

  constructor(rates: SmRates, cols: number, rows: number, bytes: number, inputs: number, outputs: number, fp32Ops: (rows: number) => number, specialOps: (rows: number) => number) {
    const steps = Math.max(1, Math.min(MAX_STEPS, rows));
    const stepRows = Array.from({ length: steps }, (_, s) => Math.floor(rows / steps) + (s < rows % steps ? 1 : 0));
    this.steps = steps;
    this.storeBytes = outputs * rows * cols * bytes;
    this.workNs = stepRows.map((r) => vectorNs(rates, fp32Ops(r), specialOps(r)));
    this.loads = stepRows.map((r) => {
      const stepBytes = inputs * r * cols * bytes;
      return stepBytes > 0 ? [{ key: -1, bytes: stepBytes, sharers: 1 }] : [];
    });
  }
}

class ElementwiseCta implements CtaWork {
  readonly storeL2Bytes = 0;

  constructor(private readonly s: ElementwiseSteps, private readonly index: number) {}

  get steps(): number {
    return this.s.steps;
  }

  get storeBytes(): number {
    return this.s.storeBytes;
  }

  get structure(): object {
    return this.s;
  }

  get label(): string {
    return `rows block ${this.index}`;
  }

  stepWorkNs(step: number): number {
    return this.s.workNs[step]!;
  }

  loads(step: number): OperandLoad[] {
    return this.s.loads[step]!;
  }
}
