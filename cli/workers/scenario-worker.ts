// Worker-thread side of sweeps and suites: simulate scenarios, return their byte-stable summaries.
import { serveTasks } from './serve.ts';
import { runScenarioTask } from '../../regress/run-task.ts';

serveTasks(runScenarioTask);
