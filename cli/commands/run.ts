import type { Command } from 'commander';
import { applySets, parseScenario, runScenario } from '../../devices/scenario.ts';
import { addOutputOptions, emitRun } from '../emit.ts';
import { UsageError } from '../errors.ts';
import { collect, intOption, parseSets, readJsonFile } from '../io.ts';

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('simulate a scenario file (device + workload) and print its summary')
    .argument('<scenario>', 'scenario JSON file (see examples/)')
    .option('--seed <n>', 'seed for all randomness (overrides the scenario)', intOption('--seed'))
    .option('--set <path=value>', 'override a scenario field or device-spec field (repeatable)', collect, []);
  addOutputOptions(command)
    .action(async (file: string, opts) => {
      const raw = readJsonFile(file, 'scenario');
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new UsageError(`scenario "${file}": expected a JSON object with name, device and workload`);
      }
      applySets(raw as Record<string, unknown>, parseSets(opts.set));
      if (opts.seed !== undefined) (raw as Record<string, unknown>).seed = opts.seed;
      if (opts.traceDetail !== undefined) (raw as Record<string, unknown>).traceDetail = opts.traceDetail;
      const scenario = parseScenario(raw, `scenario ${file}`);
      await emitRun(runScenario(scenario), opts);
    });
}
