import type { Command } from 'commander';
import { compareSummaries, exitCodeFor } from '../../regress/compare.ts';
import { parseMetric } from '../../regress/metrics.ts';
import { pairSummaries } from '../../regress/pair.ts';
import { comparisonJson, formatComparison } from '../../regress/report-text.ts';
import { parseTolerance } from '../../regress/tolerance.ts';
import { toJson } from '../io.ts';

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two run summaries (or two directories of them, matched by scenario): exit 1 on a regression beyond tolerance, 2 on unusable input')
    .argument('<base>', 'baseline summary JSON, or a directory of summaries')
    .argument('<new>', 'new summary JSON, or a directory of summaries')
    .option('--tolerance <pct>', 'allowed relative change, e.g. 2% (a change of exactly this passes)', '2%')
    .option('--metric <name>', 'time | tflops | bytes', 'time')
    .option('--fail-on-change', 'also exit 1 on improvements and structural changes (config, ops)')
    .option('--json', 'print the comparison as one JSON object')
    .action((base: string, next: string, opts) => {
      const metric = parseMetric(opts.metric);
      const tolerance = parseTolerance(opts.tolerance);
      const results = pairSummaries(base, next).map((p) => compareSummaries(p.base.summary, p.next.summary, { metric, tolerance }));
      const code = exitCodeFor(results, opts.failOnChange ?? false);
      if (opts.json) process.stdout.write(toJson(comparisonJson(results, metric, tolerance, code)));
      else process.stdout.write(`${formatComparison(results, metric, tolerance)}\n`);
      process.exitCode = code;
    });
}
