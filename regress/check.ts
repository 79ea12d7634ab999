import { readFileSync, rmSync } from 'node:fs';
import { parseScenario, type Scenario } from '../devices/scenario.ts';
import type { RunSummary } from '../sim/summary.ts';
import { readJsonFile, toJson, writeFileAtomic } from '../cli/io.ts';
import { compareSummaries, formatChange, type ScenarioComparison, type ScenarioStatus } from './compare.ts';
import type { Metric } from './metrics.ts';
import { runScenarios } from './parallel.ts';
import { shardItems, type Shard } from './shard.ts';
import { checkSummary } from './summary-file.ts';
import type { Suite, SuiteCase } from './suite.ts';

/** error: the case could not be judged (bad scenario, missing or unreadable baseline). */
export type CaseStatus = ScenarioStatus | 'error';

export interface CaseResult {
  case: SuiteCase;
  status: CaseStatus;
  wallTimeMs: number;
  comparison?: ScenarioComparison;
  /** One line: why the case is an error. */
  error?: string;
  /** The new run's summary (absent when the scenario could not run). */
  summary?: RunSummary;
  /** Set by --update: what happened to the baseline file. */
  update?: 'added' | 'updated' | 'unchanged';
}

export interface CheckOptions {
  metric: Metric;
  tolerance: number;
  failOnChange: boolean;
  update: boolean;
  workers?: number;
  shard?: Shard;
  onResult?: () => void;
}

export interface CheckReport {
  suite: Suite;
  metric: Metric;
  tolerance: number;
  failOnChange: boolean;
  shard?: Shard;
  results: CaseResult[];
  /** Orphan baselines removed by --update. */
  removed: string[];
  exitCode: number;
}

function loadScenario(c: SuiteCase): Scenario {
  return parseScenario(readJsonFile(c.scenarioFile, 'scenario'), `scenario ${c.scenarioFile}`);
}

function readBaseline(c: SuiteCase): { summary?: RunSummary; error?: string } {
  try {
    return { summary: checkSummary(readJsonFile(c.baselineFile, 'baseline'), `baseline "${c.baselineFile}"`) };
  } catch (error) {
    const message = (error as Error).message;
    return { error: message.includes('file not found') ? `no baseline "${c.baselineFile}" (create it with tilewave check --update)` : message };
  }
}

/** Whether a case fails the check: regressions always, other changes only when asked. */
export function isFailure(status: CaseStatus, failOnChange: boolean): boolean {
  return status === 'regression' || (failOnChange && (status === 'improvement' || status === 'changed'));
}

/**
 * Run every scenario of a suite (in parallel) and compare it with its baseline; with `update`,
 * rewrite the baselines instead of failing. Exit code: 2 if any case is unusable, else 1 on a
 * failure, else 0 (update: 0 unless a scenario could not run).
 */
export async function checkSuite(suite: Suite, options: CheckOptions): Promise<CheckReport> {
  const cases = shardItems(suite.cases, options.shard).map((s) => s.item);
  const results: CaseResult[] = cases.map((c) => ({ case: c, status: 'ok', wallTimeMs: 0 }));
  const scenarios: Scenario[] = [];
  const runnable: number[] = [];
  cases.forEach((c, i) => {
    try {
      scenarios.push(loadScenario(c));
      runnable.push(i);
    } catch (error) {
      Object.assign(results[i]!, { status: 'error', error: (error as Error).message });
    }
  });
  const outcomes = await runScenarios(scenarios, { workers: options.workers, onResult: options.onResult });
  outcomes.forEach((o, j) => {
    const r = results[runnable[j]!]!;
    r.wallTimeMs = o.wallTimeMs;
    if ('error' in o) Object.assign(r, { status: 'error', error: `scenario ${r.case.scenarioFile}: ${o.error.replace(/^scenario: /, '')}` });
    else r.summary = o.summary;
  });

  for (const r of results) {
    if (r.summary === undefined) continue;
    const baseline = readBaseline(r.case);
    if (baseline.summary !== undefined) {
      r.comparison = compareSummaries(baseline.summary, r.summary, options);
      r.status = r.comparison.status;
    } else if (!options.update) {
      Object.assign(r, { status: 'error', error: baseline.error });
    }
    if (options.update) {
      const text = toJson(r.summary);
      let old: string | undefined;
      try {
        old = readFileSync(r.case.baselineFile, 'utf8');
      } catch {
        old = undefined;
      }
      r.update = old === undefined ? 'added' : old === text ? 'unchanged' : 'updated';
      if (r.update !== 'unchanged') writeFileAtomic(r.case.baselineFile, text);
    }
  }

  // A sharded run sees only part of the suite, so it cannot tell an orphan from another shard's case.
  const removed = options.update && options.shard === undefined ? suite.orphanBaselines : [];
  for (const f of removed) rmSync(f, { force: true });

  const anyError = results.some((r) => r.status === 'error');
  const anyFailure = results.some((r) => isFailure(r.status, options.failOnChange));
  const exitCode = anyError ? 2 : options.update ? 0 : anyFailure ? 1 : 0;
  return { suite, metric: options.metric, tolerance: options.tolerance, failOnChange: options.failOnChange, shard: options.shard, results, removed, exitCode };
}

/** One line on what a case's comparison found, for reports: "time 200.6 µs -> 205.0 µs (+2.19%)". */
export function caseDetail(r: CaseResult, metric: Metric): string {
  if (r.error !== undefined) return r.error;
  const c = r.comparison;
  if (c === undefined) return 'no baseline';
  const lines = [`${metric.name} ${metric.format(c.run.base)} -> ${metric.format(c.run.new)} (${formatChange(c.run)})`];
  for (const o of c.ops) {
    if (o.delta !== undefined && o.delta.verdict !== 'same' && (c.ops.length > 1 || o.delta.verdict === 'regression')) {
      lines.push(`op "${o.name}": ${metric.format(o.delta.base)} -> ${metric.format(o.delta.new)} (${formatChange(o.delta)}, ${o.delta.verdict})`);
    }
  }
  lines.push(...c.changes);
  return lines.join('\n');
}
