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
      return new ElementwiseCta(rates, shape.cols, rowsHere, bytes, cost.inputs, cost.outputs, fp32Ops, specialOps, index);
    },
  };
}

class ElementwiseCta implements CtaWork {
  readonly steps: number;
  readonly storeBytes: number;
  readonly storeL2Bytes = 0;
  private readonly stepRows: number[];

  constructor(
    private readonly rates: SmRates,
    private readonly cols: number,
    rows: number,
    private readonly bytes: number,
    private readonly inputs: number,
    outputs: number,
    private readonly fp32Ops: (rows: number) => number,
    private readonly specialOps: (rows: number) => number,
    private readonly index: number,
  ) {
    const steps = Math.max(1, Math.min(MAX_STEPS, rows));
    this.stepRows = Array.from({ length: steps }, (_, s) => Math.floor(rows / steps) + (s < rows % steps ? 1 : 0));
    this.steps = steps;
    this.storeBytes = outputs * rows * cols * bytes;
  }

  get label(): string {
    return `rows block ${this.index}`;
  }

  stepWorkNs(step: number): number {
    const rows = this.stepRows[step]!;
    return vectorNs(this.rates, this.fp32Ops(rows), this.specialOps(rows));
  }

  loads(step: number): OperandLoad[] {
    const bytes = this.inputs * this.stepRows[step]! * this.cols * this.bytes;
    return bytes > 0 ? [{ key: -1, bytes, sharers: 1 }] : [];
  }
}
