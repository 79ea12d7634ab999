import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJson } from '../../cli/io.ts';
import { cli, fakeSummary, scaled, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

function write(name: string, value: unknown): string {
  const path = join(tmp.dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, toJson(value));
  return path;
}

const base = fakeSummary();
const basePath = write('base.json', base);

describe('tilewave compare', () => {
  it('exits 0 within tolerance and prints a delta table', async () => {
    const r = await cli('compare', basePath, write('edge.json', scaled(base, 1.02)), '--tolerance', '2%');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fake\s+1\.000 µs\s+1\.020 µs\s+\+2\.00%\s+ok/);
    expect(r.stdout).toContain('0 regressions, 0 improvements, 0 changed, 1 ok');
  });

  it('exits 1 on a regression beyond tolerance', async () => {
    const r = await cli('compare', basePath, write('slow.json', scaled(base, 1.025)), '--tolerance', '2%');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('REGRESSION');
  });

  it('reports improvements with exit 0, and fails them only with --fail-on-change', async () => {
    const fast = write('fast.json', scaled(base, 0.5));
    const r = await cli('compare', basePath, fast);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/-50\.00%\s+improved/);
    expect((await cli('compare', basePath, fast, '--fail-on-change')).code).toBe(1);
  });

  it('judges throughput with --metric tflops (higher is better)', async () => {
    const r = await cli('compare', basePath, write('fast2.json', scaled(base, 0.9)), '--metric', 'tflops', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.metric).toBe('tflops');
    expect(report.scenarios[0].status).toBe('improvement');
    expect(report.scenarios[0].run.change).toBeCloseTo(1 / 0.9 - 1, 9);
  });

  it('matches directories of summaries by scenario name', async () => {
    write('dirA/one.json', fakeSummary({ scenario: 'one' }));
    write('dirA/two.json', fakeSummary({ scenario: 'two' }));
    // Different file names on the other side: matching is by the scenario field.
    write('dirB/x.json', fakeSummary({ scenario: 'two' }));
    write('dirB/y.json', scaled(fakeSummary({ scenario: 'one' }), 1.5));
    const r = await cli('compare', join(tmp.dir, 'dirA'), join(tmp.dir, 'dirB'), '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.scenarios.map((s: { scenario: string; status: string }) => `${s.scenario}:${s.status}`)).toEqual(['one:regression', 'two:ok']);
  });

  it('exits 2 when a scenario is missing on one side', async () => {
    write('dirC/one.json', fakeSummary({ scenario: 'one' }));
    const r = await cli('compare', join(tmp.dir, 'dirA'), join(tmp.dir, 'dirC'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tilewave: NEW ".*dirC" has no summary for scenario "two" \(present in BASE/);
  });

  it('refuses a different major schema version with a clear one-line message', async () => {
    const v2 = write('v2.json', { ...base, schemaVersion: '2.0.0' });
    const r = await cli('compare', basePath, v2);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('schema version 2.0.0 has major version 2, but this tilewave reads 1.x');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on a file that is not a summary, naming the field', async () => {
    const { ops: _ops, ...noOps } = base;
    let r = await cli('compare', basePath, write('noops.json', noOps));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NEW summary ".*noops\.json": field \(top level\): missing "ops"/);
    r = await cli('compare', basePath, write('other.json', { hello: 1 }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/field "schema" = undefined: expected "tilewave.summary"/);
    r = await cli('compare', basePath, write('badop.json', { ...base, ops: [{ ...base.ops[0], durationNs: 'fast' }] }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/field "ops\.0\.durationNs": must be number/);
    r = await cli('compare', basePath, join(tmp.dir, 'nope.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NEW ".*nope\.json": file or directory not found/);
    r = await cli('compare', basePath, tmp.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a file but NEW .* is a dir/);
  });

  it('rejects a bad tolerance with exit 2', async () => {
    const r = await cli('compare', basePath, basePath, '--tolerance', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--tolerance "lots": expected a percentage like 2% or 0.5%');
  });
});
