import type { Command } from 'commander';
import { applySets, parseScenario, runScenario } from '../../devices/scenario.ts';
import { addOutputOptions, emitRun } from '../emit.ts';
import { UsageError } from '../errors.ts';
import { checkVaryOutputs, sweepChartTrace } from '../vary-output.ts';
import { collect, intOption, parseSets, readJsonFile, writeFileAtomic } from '../io.ts';

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('simulate a scenario file (device + workload) and print its summary')
    .argument('<scenario>', 'scenario JSON file (see examples/)')
    .option('--seed <n>', 'seed for all randomness (overrides the scenario)', intOption('--seed'))
    .option('--set <path=value>', 'override a scenario field or device-spec field (repeatable)', collect, [])
    .option('--vary <path=values>', 'run once per value of a device-spec field (list, start:stop:step, or multiples like 1x,2x) and write a CSV row per value')
    .option('--out <file>', 'with --vary: the CSV file (default: stdout)')
    .option('--workers <n>', 'with --vary: worker threads (default: all cores)', intOption('--workers', 1))
    .option('--quiet', 'with --vary: no progress output');
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
      checkVaryOutputs(opts);
      if (opts.vary !== undefined) {
        const { runVary } = await import('./run-vary.ts');
        const { parameter, rows, csv } = await runVary(scenario, opts.vary, { workers: opts.workers, quiet: opts.quiet || opts.out === undefined });
        if (opts.out !== undefined) writeFileAtomic(opts.out, csv);
        else process.stdout.write(csv);
        if (opts.html) {
          const { writeReportHtml } = await import('../../viz/report.ts');
          const points = rows.map((r) => ({ ...r, timeNs: Number(r.time_us) * 1000 }));
          await writeReportHtml(opts.html, { traces: [sweepChartTrace(`${scenario.name} on ${scenario.device}: sweep over ${parameter}`, parameter, 'timeNs', points)] });
        }
        if (opts.out !== undefined) process.stderr.write(`wrote ${rows.length} rows to ${opts.out}${opts.html ? ` and ${opts.html}` : ''}\n`);
        return;
      }
      await emitRun(runScenario(scenario), opts);
    });
}
