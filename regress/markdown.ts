import { formatChange } from './compare.ts';
import { caseDetail, isFailure, type CheckReport } from './check.ts';
import { countsLine } from './report-text.ts';
import { formatTolerance } from './tolerance.ts';

const STATUS: Record<string, string> = { ok: 'ok', improvement: 'improved', changed: 'changed', regression: '**REGRESSION**', error: '**ERROR**' };

/** Markdown table cells: no pipes or newlines. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', '<br>');
}

/** A pull-request comment: the verdict first, a table of every scenario, details folded away. */
export function checkMarkdown(report: CheckReport): string {
  const { suite, results, metric, tolerance } = report;
  const comparisons = results.flatMap((r) => (r.comparison ? [r.comparison] : []));
  const errors = results.filter((r) => r.status === 'error').length;
  const failed = results.filter((r) => isFailure(r.status, report.failOnChange)).length;
  const verdict = errors > 0 ? `${errors} unusable` : failed > 0 ? `${failed} failed` : 'passed';
  const lines = [
    `### tilewave check \`${suite.name}\`: ${verdict}`,
    '',
    `${results.length} scenarios${report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : ''}, ${metric.label}, tolerance ${formatTolerance(tolerance)}: ${countsLine(comparisons)}${errors > 0 ? `, ${errors} errors` : ''}`,
    '',
    '| scenario | baseline | new | change | status |',
    '|---|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const c = r.comparison;
    lines.push(`| ${cell(r.case.name)} | ${c ? metric.format(c.run.base) : '-'} | ${c ? metric.format(c.run.new) : '-'} | ${c ? formatChange(c.run) : '-'} | ${STATUS[r.status]} |`);
  }
  const detailed = results.filter((r) => r.status !== 'ok');
  if (detailed.length > 0) {
    lines.push('', '<details><summary>Details</summary>', '');
    for (const r of detailed) {
      lines.push(`**${cell(r.case.name)}** (${STATUS[r.status]!.replaceAll('*', '')})`, '', '```', caseDetail(r, metric), '```', '');
    }
    lines.push('</details>');
  }
  if (results.some((r) => r.update !== undefined && r.update !== 'unchanged')) {
    lines.push('', `Baselines rewritten: ${results.filter((r) => r.update === 'added' || r.update === 'updated').map((r) => `\`${r.case.name}\` (${r.update})`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
