import { runScenario, type Scenario } from '../devices/scenario.ts';
import type { RunSummary } from '../sim/summary.ts';
import { InputError } from '../sim/validation.ts';

export interface ScenarioTask {
  scenario: Scenario;
}

/** A summary, or the one-line reason the scenario could not run (so one bad scenario does not stop a suite). */
export type ScenarioOutcome = { summary: RunSummary; wallTimeMs: number } | { error: string; inputError: boolean; wallTimeMs: number };

/** Run one scenario; the summary has no host timing, so it is identical whichever thread ran it. */
export function runScenarioTask(task: ScenarioTask): ScenarioOutcome {
  const start = performance.now();
  try {
    const { summary } = runScenario(task.scenario);
    return { summary, wallTimeMs: performance.now() - start };
  } catch (error) {
    return { error: (error as Error).message, inputError: error instanceof InputError, wallTimeMs: performance.now() - start };
  }
}
