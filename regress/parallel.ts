import type { Scenario } from '../devices/scenario.ts';
import { InputError } from '../sim/validation.ts';
import type { RunSummary } from '../sim/summary.ts';
import { defaultWorkers, runPool } from '../cli/workers/pool.ts';
import type { ScenarioOutcome, ScenarioTask } from './run-task.ts';

const WORKER = new URL('../cli/workers/scenario-worker.ts', import.meta.url);

export interface ParallelOptions {
  /** Worker threads; default all cores. */
  workers?: number;
  /** Called as each scenario finishes (any order), e.g. to tick a progress bar. */
  onResult?: (index: number, outcome: ScenarioOutcome) => void;
}

/**
 * Simulate scenarios on worker threads. Outcomes come back in input order whatever the worker count,
 * so everything written from them is identical on 1 worker or 64.
 */
export async function runScenarios(scenarios: readonly Scenario[], options: ParallelOptions = {}): Promise<ScenarioOutcome[]> {
  const workers = Math.max(1, options.workers ?? defaultWorkers());
  // Small batches keep all workers busy to the end; a few per message amortise the messaging cost.
  const batchSize = Math.max(1, Math.min(8, Math.floor(scenarios.length / (workers * 8))));
  return runPool<ScenarioTask, ScenarioOutcome>(WORKER, scenarios.map((scenario) => ({ scenario })), {
    workers,
    batchSize,
    onResult: options.onResult,
  });
}

/** The summary of an outcome; a failed run is re-raised as the error it was (input: exit 2). */
export function summaryOf(outcome: ScenarioOutcome): RunSummary {
  if ('summary' in outcome) return outcome.summary;
  throw outcome.inputError ? new InputError(outcome.error) : new Error(outcome.error);
}
