import type { Command } from 'commander';
import { checkSuite, isFailure, type CheckReport } from '../../regress/check.ts';
import { formatChange } from '../../regress/compare.ts';
import { junitXml } from '../../regress/junit.ts';
import { checkMarkdown } from '../../regress/markdown.ts';
import { parseMetric } from '../../regress/metrics.ts';
import { formatComparison } from '../../regress/report-text.ts';
import { formatShard, parseShard } from '../../regress/shard.ts';
import { loadSuite } from '../../regress/suite.ts';
import { formatTolerance, parseTolerance } from '../../regress/tolerance.ts';
import { intOption, writeFileAtomic } from '../io.ts';
import { progress } from '../progress.ts';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('run every scenario of a suite directory against its committed baseline summary: exit 1 on a regression, 2 on unusable input')
    .argument('<suite>', 'directory of scenario files, with baselines/<name>.summary.json and an optional suite.json')
    .option('--update', 'rewrite the baselines from this run (and say what changed)')
    .option('--tolerance <pct>', 'allowed relative change (default: suite.json, else 2%)')
    .option('--metric <name>', 'time | tflops | bytes (default: suite.json, else time)')
    .option('--fail-on-change', 'also fail on improvements and structural changes')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--markdown <file>', 'write a markdown summary (for a pull-request comment)')
    .option('--workers <n>', 'worker threads (default: all cores)', intOption('--workers', 1))
    .option('--shard <I/N>', 'check only slice I of N of the scenarios (1-based)')
    .option('--quiet', 'no progress output')
    .action(async (dir: string, opts) => {
      const suite = loadSuite(dir);
      const metric = parseMetric(opts.metric ?? suite.config.metric ?? 'time', opts.metric ? '--metric' : 'suite.json metric');
      const tolerance = parseTolerance(opts.tolerance ?? suite.config.tolerance ?? '2%', opts.tolerance ? '--tolerance' : 'suite.json tolerance');
      const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const total = shard ? suite.cases.filter((_, i) => i % shard.count === shard.index - 1).length : suite.cases.length;
      const bar = progress(`check ${suite.name}${shard ? ` ${formatShard(shard)}` : ''}`, total, opts.quiet ?? false);
      const report = await checkSuite(suite, {
        metric,
        tolerance,
        failOnChange: opts.failOnChange ?? suite.config.failOnChange ?? false,
        update: opts.update ?? false,
        workers: opts.workers,
        shard,
        onResult: () => bar.tick(),
      });
      bar.stop();
      if (opts.junit) writeFileAtomic(opts.junit, junitXml(report));
      if (opts.markdown) writeFileAtomic(opts.markdown, checkMarkdown(report));
      process.stdout.write(`${formatCheck(report)}\n`);
      process.exitCode = report.exitCode;
    });
}

export function formatCheck(report: CheckReport): string {
  const { suite, results, metric, tolerance } = report;
  const lines = [`suite ${suite.name} (${suite.dir}): ${results.length} scenarios${report.shard ? `, shard ${formatShard(report.shard)}` : ''}`];
  const comparisons = results.flatMap((r) => (r.comparison ? [r.comparison] : []));
  if (comparisons.length > 0) lines.push('', formatComparison(comparisons, metric, tolerance));
  const errors = results.filter((r) => r.status === 'error');
  if (errors.length > 0) lines.push('', `${errors.length} unusable:`, ...errors.map((r) => `  ${r.case.name}: ${r.error}`));
  if (results.some((r) => r.update !== undefined)) {
    lines.push('', 'baselines:');
    for (const r of results) {
      if (r.update === 'added') lines.push(`  added ${r.case.baselineFile}`);
      if (r.update === 'updated') {
        const c = r.comparison;
        const how = c ? `: ${metric.name} ${metric.format(c.run.base)} -> ${metric.format(c.run.new)} (${formatChange(c.run)})${c.changes.length ? `; ${c.changes.join('; ')}` : ''}` : ' (the old one was unreadable)';
        lines.push(`  updated ${r.case.baselineFile}${how}`);
      }
    }
    for (const f of report.removed) lines.push(`  removed ${f} (no scenario)`);
    const unchanged = results.filter((r) => r.update === 'unchanged').length;
    lines.push(`  ${unchanged} unchanged`);
  } else if (report.suite.orphanBaselines.length > 0) {
    lines.push('', `baselines with no scenario (removed by --update): ${report.suite.orphanBaselines.join(', ')}`);
  }
  if (report.exitCode === 1) {
    const failed = results.filter((r) => isFailure(r.status, report.failOnChange)).length;
    const what = report.failOnChange ? 'changed (--fail-on-change)' : `regressed beyond the ${formatTolerance(tolerance)} tolerance`;
    lines.push('', `FAILED: ${failed} of ${results.length} scenarios ${what}; if intended, run tilewave check ${suite.dir} --update and commit the baselines`);
  }
  return lines.join('\n');
}
