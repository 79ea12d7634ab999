import { createRequire } from 'node:module';
import { caseDetail, isFailure, type CheckReport } from './check.ts';
import { formatTolerance } from './tolerance.ts';

// Loaded on first use: only `check --junit` writes XML, and the library takes a noticeable part of a
// command's start-up.
const loadXml = () => createRequire(import.meta.url)('xmlbuilder2') as typeof import('xmlbuilder2');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * The check as JUnit XML (the testsuites/testsuite/testcase dialect CI systems read): a regression
 * (or, with failOnChange, any change) is a <failure>, an unusable case an <error>.
 */
export function junitXml(report: CheckReport): string {
  const { suite, results, metric, tolerance } = report;
  const failures = results.filter((r) => isFailure(r.status, report.failOnChange)).length;
  const errors = results.filter((r) => r.status === 'error').length;
  const time = seconds(results.reduce((a, r) => a + r.wallTimeMs, 0));
  const root = loadXml().create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'tilewave check', tests: results.length, failures, errors, time });
  const ts = root.ele('testsuite', { name: suite.name, tests: results.length, failures, errors, skipped: 0, time });
  const props = ts.ele('properties');
  props.ele('property', { name: 'metric', value: metric.name });
  props.ele('property', { name: 'tolerance', value: formatTolerance(tolerance) });
  if (report.shard) props.ele('property', { name: 'shard', value: `${report.shard.index}/${report.shard.count}` });
  for (const r of results) {
    const tc = ts.ele('testcase', { classname: `tilewave.${suite.name}`, name: r.case.name, file: r.case.scenarioFile, time: seconds(r.wallTimeMs) });
    const detail = caseDetail(r, metric);
    if (r.status === 'error') tc.ele('error', { type: 'unusable', message: r.error ?? 'error' }).txt(detail);
    else if (isFailure(r.status, report.failOnChange)) {
      const firstLine = detail.split('\n')[0]!;
      const message = r.status === 'regression' ? `regression beyond ${formatTolerance(tolerance)}: ${firstLine}` : `${r.status}: ${firstLine}`;
      tc.ele('failure', { type: r.status, message }).txt(detail);
    } else tc.ele('system-out').txt(`${r.status}: ${detail}`);
  }
  return root.end({ prettyPrint: true }) + '\n';
}
