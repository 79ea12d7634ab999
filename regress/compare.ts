import type { OpSummary, RunSummary } from '../sim/summary.ts';
import type { Metric } from './metrics.ts';

/** How one number moved: unchanged, within tolerance, or beyond it for the better or the worse. */
export type Verdict = 'same' | 'within' | 'regression' | 'improvement';

export interface Delta {
  base: number;
  new: number;
  /** (new - base) / |base|; null when base is 0 and new is not (an infinite relative change). */
  change: number | null;
  verdict: Verdict;
}

export interface OpComparison {
  name: string;
  /** matched: in both runs; added: only in the new run; removed: only in the base run. */
  presence: 'matched' | 'added' | 'removed';
  delta?: Delta;
}

/** ok: everything within tolerance; changed: structure changed (config, ops, device) but no regression. */
export type ScenarioStatus = 'ok' | 'improvement' | 'changed' | 'regression';

export interface ScenarioComparison {
  scenario: string;
  status: ScenarioStatus;
  run: Delta;
  ops: OpComparison[];
  /** Structural changes, one readable line each (chosen config, ops added or removed, device). */
  changes: string[];
}

export interface CompareOptions {
  metric: Metric;
  /** Relative tolerance as a fraction (0.02 = 2%); a change of exactly the tolerance passes. */
  tolerance: number;
}

// Relative slack so that a change of exactly the tolerance (e.g. 2.0000000000000018% from float
// rounding) counts as within it.
const EPS = 1e-12;

export function delta(base: number, next: number, metric: Metric, tolerance: number): Delta {
  if (base === next) return { base, new: next, change: 0, verdict: 'same' };
  const change = base === 0 ? null : (next - base) / Math.abs(base);
  const beyond = change === null || Math.abs(change) > tolerance + EPS;
  if (!beyond) return { base, new: next, change, verdict: 'within' };
  const worse = metric.higherIsBetter ? next < base : next > base;
  return { base, new: next, change, verdict: worse ? 'regression' : 'improvement' };
}

function configText(op: OpSummary): string {
  return Object.entries(op.config ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function configChange(name: string, a: OpSummary, b: OpSummary): string | null {
  const ca = a.config ?? {};
  const cb = b.config ?? {};
  const keys = [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort();
  const moved = keys.filter((k) => ca[k] !== cb[k]).map((k) => `${k} ${ca[k] ?? '(none)'} -> ${cb[k] ?? '(none)'}`);
  return moved.length === 0 ? null : `op "${name}": config changed: ${moved.join(', ')}`;
}

/** Compare two summaries of one scenario: the run's metric, each op's, and structural changes. */
export function compareSummaries(base: RunSummary, next: RunSummary, options: CompareOptions): ScenarioComparison {
  const { metric, tolerance } = options;
  const changes: string[] = [];
  if (base.scenario !== next.scenario) changes.push(`scenario name "${base.scenario}" -> "${next.scenario}"`);
  if (base.device.id !== next.device.id) changes.push(`device ${base.device.id} -> ${next.device.id}`);
  if (base.seed !== next.seed) changes.push(`seed ${base.seed} -> ${next.seed}`);

  const nextOps = new Map(next.ops.map((o) => [o.name, o]));
  const baseNames = new Set(base.ops.map((o) => o.name));
  const ops: OpComparison[] = [];
  for (const b of base.ops) {
    const n = nextOps.get(b.name);
    if (n === undefined) {
      ops.push({ name: b.name, presence: 'removed' });
      changes.push(`op "${b.name}" removed (${b.type}${b.config ? `, ${configText(b)}` : ''})`);
      continue;
    }
    ops.push({ name: b.name, presence: 'matched', delta: delta(metric.ofOp(b), metric.ofOp(n), metric, tolerance) });
    if (b.type !== n.type) changes.push(`op "${b.name}": type ${b.type} -> ${n.type}`);
    const cfg = configChange(b.name, b, n);
    if (cfg !== null) changes.push(cfg);
  }
  for (const n of next.ops) {
    if (baseNames.has(n.name)) continue;
    ops.push({ name: n.name, presence: 'added' });
    changes.push(`op "${n.name}" added (${n.type}${n.config ? `, ${configText(n)}` : ''})`);
  }

  const run = delta(metric.ofRun(base), metric.ofRun(next), metric, tolerance);
  const verdicts = [run.verdict, ...ops.map((o) => o.delta?.verdict)];
  const status: ScenarioStatus = verdicts.includes('regression')
    ? 'regression'
    : changes.length > 0
      ? 'changed'
      : verdicts.includes('improvement')
        ? 'improvement'
        : 'ok';
  return { scenario: next.scenario, status, run, ops, changes };
}

export interface CompareSummary {
  metric: Metric['name'];
  tolerance: number;
  counts: Record<ScenarioStatus, number>;
}

export function countStatuses(results: readonly ScenarioComparison[]): Record<ScenarioStatus, number> {
  const counts: Record<ScenarioStatus, number> = { ok: 0, improvement: 0, changed: 0, regression: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** 0 when nothing regressed (and, with failOnChange, nothing changed beyond tolerance); else 1. */
export function exitCodeFor(results: readonly ScenarioComparison[], failOnChange: boolean): number {
  const counts = countStatuses(results);
  if (counts.regression > 0) return 1;
  if (failOnChange && counts.improvement + counts.changed > 0) return 1;
  return 0;
}

/** "+2.19%", "-0.50%", "0%" or "new" (from zero). */
export function formatChange(d: Delta): string {
  if (d.change === null) return d.new > d.base ? '+inf' : '-inf';
  if (d.change === 0) return '0%';
  const pct = d.change * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(Math.abs(pct) < 0.01 ? 4 : 2)}%`;
}
