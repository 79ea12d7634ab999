import { Simulation, TraceRecorder } from '../../sim/index.ts';
import type { GemmOp } from '../../workloads/ops.ts';
import { gemmKernel } from './gemm-kernel.ts';
import { gemmPlans, persistentFor, planGemm, tileName, type GemmPlan } from './gemm-plan.ts';
import { GpuDevice } from './gpu-device.ts';
import { configLabel } from './kernel.ts';
import { MAX_WORK_ITEMS } from './lower.ts';
import { simulateKernelsAlone } from './simulate-op.ts';
import type { GpuSpec } from './spec.ts';

/** One kernel config of a GEMM, as the heuristic estimates it and as the simulator runs it. */
export interface GemmCandidate {
  tile: string;
  stages: number;
  warps: number;
  splitK: number;
  /** Split of the last partial wave's leftover tiles (1: none). */
  tailSplit: number;
  /** A stream-K decomposition (the sm.streamKGemm what-if). */
  streamK: boolean;
  persistent: boolean;
  /** Run as CTA pairs sharing an operand (`pairingOf`: Blackwell's 2-SM MMA). */
  pairedCta: boolean;
  /** Work items: output tiles (all batches), K splits and tail pieces. */
  workItems: number;
  /** Work items per slot (CTAs that fit on the whole GPU at once). */
  waves: number;
  /** The heuristic's analytical estimate, µs (launch overhead excluded). */
  estimatedUs: number;
  /** The simulated kernel time, launch overhead included, µs. */
  simulatedUs: number;
  /** Whether the heuristic picks this config. */
  chosen: boolean;
}

export interface GemmCandidates {
  /** Every config the heuristic weighs, fastest simulated first. */
  candidates: GemmCandidate[];
  /** Configs not simulated because their grid exceeds the per-kernel work-item limit. */
  omitted: number;
}

/**
 * Simulate every kernel config the heuristic weighs for `op`, alone on a fresh GPU: what the
 * kernel choice is worth for this shape (the best config in hindsight, how far the heuristic's
 * pick is from it, which configs a library might plausibly run instead).
 */
export function gemmCandidates(spec: GpuSpec, op: GemmOp): GemmCandidates {
  const gpu = new GpuDevice(new Simulation(), spec, new TraceRecorder(), 'none');
  const occupancyOf = gpu.occupancy.bind(gpu);
  const chosen = planGemm(spec, op, occupancyOf);
  const candidates: GemmCandidate[] = [];
  let omitted = 0;
  for (const plan of gemmPlans(spec, op, occupancyOf)) {
    const items = plan.ctaCount;
    if (items > MAX_WORK_ITEMS) {
      omitted++;
      continue;
    }
    const { timeNs, configs } = simulateKernelsAlone(spec, () => [gemmKernel(spec, op, plan, op.name ?? 'gemm')]);
    candidates.push(candidateOf(spec, plan, items, timeNs, samePlan(plan, chosen), configs[0]?.pairedCta === true));
  }
  // Stable: equal times keep the heuristic's order.
  candidates.sort((a, b) => a.simulatedUs - b.simulatedUs);
  return { candidates, omitted };
}

/** A candidate in the label tables use everywhere: "128x256x64 splitK=3", "128x256x64 tailSplit=2". */
export function candidateLabel(c: Pick<GemmCandidate, 'tile' | 'splitK' | 'tailSplit'> & { streamK?: boolean; pairedCta?: boolean }): string {
  return configLabel({ tile: c.tile, splitK: c.splitK, ...(c.tailSplit > 1 ? { tailSplit: c.tailSplit } : {}), ...(c.streamK === true ? { streamK: true } : {}), ...(c.pairedCta === true ? { pairedCta: true } : {}) });
}

function candidateOf(spec: GpuSpec, plan: GemmPlan, items: number, timeNs: number, chosen: boolean, pairedCta: boolean): GemmCandidate {
  const t = plan.tile;
  return {
    tile: tileName(t), stages: t.stages, warps: t.warps, splitK: plan.splitK, tailSplit: plan.tailSplit, streamK: plan.streamK === true,
    persistent: plan.streamK === true || persistentFor(spec, t, plan),
    pairedCta,
    workItems: items,
    waves: Math.round((items / plan.slots) * 1e4) / 1e4,
    estimatedUs: plan.estimatedNs / 1e3,
    simulatedUs: timeNs / 1e3,
    chosen,
  };
}

function samePlan(a: GemmPlan, b: GemmPlan): boolean {
  const [ta, tb] = [a.tile, b.tile];
  return tileName(ta) === tileName(tb) && ta.stages === tb.stages && ta.warps === tb.warps && a.splitK === b.splitK && a.tailSplit === b.tailSplit && a.streamK === b.streamK;
}
