import { table } from '../cli/format.ts';
import { countStatuses, formatChange, type Delta, type ScenarioComparison, type ScenarioStatus } from './compare.ts';
import type { Metric } from './metrics.ts';
import { formatTolerance } from './tolerance.ts';

const VERDICT_TEXT: Record<Delta['verdict'], string> = { same: 'same', within: 'within', regression: 'REGRESSION', improvement: 'improvement' };

/** "1 regression, 2 improvements, 0 changed, 5 ok" */
export function countsLine(results: readonly ScenarioComparison[]): string {
  const c = countStatuses(results);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(c.regression, 'regression')}, ${plural(c.improvement, 'improvement')}, ${c.changed} changed, ${c.ok} ok`;
}

export const STATUS_TEXT: Record<ScenarioStatus, string> = { ok: 'ok', improvement: 'improved', changed: 'changed', regression: 'REGRESSION' };

/** Per-scenario rows with their ops indented below, then the structural changes, then the counts. */
export function formatComparison(results: readonly ScenarioComparison[], metric: Metric, tolerance: number): string {
  const rows: string[][] = [];
  for (const r of results) {
    rows.push([r.scenario, metric.format(r.run.base), metric.format(r.run.new), formatChange(r.run), STATUS_TEXT[r.status]]);
    // A lone op spanning the whole run repeats the run's row: listing it again adds nothing.
    const only = r.ops.length === 1 ? r.ops[0]!.delta : undefined;
    if (only !== undefined && only.base === r.run.base && only.new === r.run.new && r.changes.length === 0) continue;
    for (const o of r.ops) {
      if (o.delta === undefined) rows.push([`  ${o.name}`, '-', '-', '', o.presence]);
      else rows.push([`  ${o.name}`, metric.format(o.delta.base), metric.format(o.delta.new), formatChange(o.delta), VERDICT_TEXT[o.delta.verdict]]);
    }
  }
  const lines = [`compare ${metric.label}, tolerance ${formatTolerance(tolerance)}`, '', table(['scenario / op', 'base', 'new', 'change', 'status'], rows)];
  const changed = results.filter((r) => r.changes.length > 0);
  if (changed.length > 0) {
    lines.push('', 'structural changes:');
    for (const r of changed) for (const c of r.changes) lines.push(`  ${r.scenario}: ${c}`);
  }
  lines.push('', countsLine(results));
  return lines.join('\n');
}

/** The comparison as plain data for --json (relative changes as fractions; null = from zero). */
export function comparisonJson(results: readonly ScenarioComparison[], metric: Metric, tolerance: number, exitCode: number): unknown {
  return { metric: metric.name, tolerance, exitCode, counts: countStatuses(results), scenarios: results };
}
