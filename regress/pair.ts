import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../sim/summary.ts';
import { UsageError } from '../cli/errors.ts';
import { readSummary } from './summary-file.ts';

export interface LoadedSummary {
  path: string;
  summary: RunSummary;
}

export interface SummaryPair {
  scenario: string;
  base: LoadedSummary;
  next: LoadedSummary;
}

function kind(path: string, role: string): 'file' | 'dir' {
  try {
    return statSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    throw new UsageError(`${role} "${path}": file or directory not found`);
  }
}

/** Every summary (*.json) directly in `dir`, by scenario name; two files of one scenario is an error. */
export function loadSummaryDir(dir: string, role: string): Map<string, LoadedSummary> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new UsageError(`${role} directory "${dir}": no summary files (*.json)`);
  const byName = new Map<string, LoadedSummary>();
  for (const f of files) {
    const path = join(dir, f);
    const summary = readSummary(path, `${role} summary`);
    const seen = byName.get(summary.scenario);
    if (seen !== undefined) throw new UsageError(`${role} directory "${dir}": scenario "${summary.scenario}" appears twice ("${seen.path}" and "${path}")`);
    byName.set(summary.scenario, { path, summary });
  }
  return byName;
}

/**
 * Pair BASE and NEW: two summary files (compared whatever their scenario names), or two directories
 * matched by scenario name. A scenario present on only one side makes the comparison unusable.
 */
export function pairSummaries(basePath: string, nextPath: string): SummaryPair[] {
  const bk = kind(basePath, 'BASE');
  const nk = kind(nextPath, 'NEW');
  if (bk !== nk) throw new UsageError(`BASE "${basePath}" is a ${bk} but NEW "${nextPath}" is a ${nk}: expected two summary files or two directories of summaries`);
  if (bk === 'file') {
    const base = { path: basePath, summary: readSummary(basePath, 'BASE summary') };
    const next = { path: nextPath, summary: readSummary(nextPath, 'NEW summary') };
    return [{ scenario: next.summary.scenario, base, next }];
  }
  const base = loadSummaryDir(basePath, 'BASE');
  const next = loadSummaryDir(nextPath, 'NEW');
  const missingInNew = [...base.keys()].filter((s) => !next.has(s));
  const missingInBase = [...next.keys()].filter((s) => !base.has(s));
  if (missingInNew.length > 0) {
    throw new UsageError(`NEW "${nextPath}" has no summary for scenario ${missingInNew.map((s) => `"${s}"`).join(', ')} (present in BASE "${basePath}")`);
  }
  if (missingInBase.length > 0) {
    throw new UsageError(`BASE "${basePath}" has no summary for scenario ${missingInBase.map((s) => `"${s}"`).join(', ')} (present in NEW "${nextPath}")`);
  }
  return [...base.keys()].sort().map((scenario) => ({ scenario, base: base.get(scenario)!, next: next.get(scenario)! }));
}
