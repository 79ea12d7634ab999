import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJson } from '../../cli/io.ts';
import type { RunSummary } from '../../sim/summary.ts';
import { cli, scaled, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
const suite = join(tmp.dir, 'mini');
const baseline = (name: string) => join(suite, 'baselines', `${name}.summary.json`);
const readBaseline = (name: string): RunSummary => JSON.parse(readFileSync(baseline(name), 'utf8'));

function scenario(name: string, ops: unknown[], device = 'a100-80gb'): void {
  writeFileSync(join(suite, `${name}.json`), toJson({ name, device, traceDetail: 'none', workload: { ops } }));
}

function parseJunit(path: string) {
  const xml = readFileSync(path, 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(xml);
  return doc.testsuites;
}

beforeAll(() => {
  mkdirSync(suite, { recursive: true });
  scenario('square', [{ type: 'gemm', name: 'gemm', m: 512, n: 512, k: 512 }]);
  scenario('skinny', [{ type: 'gemm', name: 'gemm', m: 16, n: 1024, k: 1024 }], 'h100-80gb');
  scenario('two-stream', [
    { type: 'gemm', name: 'a', m: 512, n: 256, k: 512, stream: 0 },
    { type: 'gemm', name: 'b', m: 64, n: 256, k: 2048, stream: 1 },
  ]);
});

describe('tilewave check', () => {
  it('without baselines: exit 2, naming the missing baseline and how to create it', async () => {
    const r = await cli('check', suite, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/square: no baseline ".*baselines\/square\.summary\.json" \(create it with tilewave check --update\)/);
  });

  it('--update writes the baselines and says so; a second check passes', async () => {
    let r = await cli('check', suite, '--update', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/added .*baselines\/skinny\.summary\.json/);
    expect(readBaseline('square').performance).toBeUndefined();
    const before = readFileSync(baseline('two-stream'), 'utf8');
    r = await cli('check', suite, '--quiet', '--workers', '2', '--junit', join(tmp.dir, 'ok.xml'), '--markdown', join(tmp.dir, 'ok.md'));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('0 regressions, 0 improvements, 0 changed, 3 ok');
    const junit = parseJunit(join(tmp.dir, 'ok.xml'));
    expect(junit.tests).toBe('3');
    expect(junit.failures).toBe('0');
    expect(junit.testsuite.testcase.map((t: { name: string }) => t.name)).toEqual(['skinny', 'square', 'two-stream']);
    expect(readFileSync(join(tmp.dir, 'ok.md'), 'utf8')).toMatch(/^### tilewave check `mini`: passed/);
    // Unchanged baselines are not rewritten, and the bytes are deterministic.
    r = await cli('check', suite, '--update', '--quiet');
    expect(r.stdout).toContain('3 unchanged');
    expect(readFileSync(baseline('two-stream'), 'utf8')).toBe(before);
  });

  it('a baseline that was faster than now is a regression: exit 1, JUnit failure, markdown row', async () => {
    const good = readFileSync(baseline('square'), 'utf8');
    writeFileSync(baseline('square'), toJson(scaled(readBaseline('square'), 0.9)));
    const r = await cli('check', suite, '--quiet', '--junit', join(tmp.dir, 'reg.xml'), '--markdown', join(tmp.dir, 'reg.md'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/square\s.*\+11\.\d\d%\s+REGRESSION/);
    expect(r.stdout).toContain('--update');
    const junit = parseJunit(join(tmp.dir, 'reg.xml'));
    expect(junit.failures).toBe('1');
    const failed = junit.testsuite.testcase.find((t: { name: string }) => t.name === 'square');
    expect(failed.failure.type).toBe('regression');
    expect(failed.failure.message).toMatch(/^regression beyond 2%: time/);
    expect(junit.testsuite.testcase.find((t: { name: string }) => t.name === 'skinny').failure).toBeUndefined();
    const md = readFileSync(join(tmp.dir, 'reg.md'), 'utf8');
    expect(md).toMatch(/^### tilewave check `mini`: 1 failed/);
    expect(md).toMatch(/\| square \| .* \| \+11\.\d\d% \| \*\*REGRESSION\*\* \|/);
    // A wider tolerance accepts the same change.
    expect((await cli('check', suite, '--quiet', '--tolerance', '12%')).code).toBe(0);
    writeFileSync(baseline('square'), good);
  });

  it('a baseline that was slower is an improvement: reported, not failed unless --fail-on-change', async () => {
    const good = readFileSync(baseline('square'), 'utf8');
    writeFileSync(baseline('square'), toJson(scaled(readBaseline('square'), 1.1)));
    let r = await cli('check', suite, '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/square\s.*-9\.\d\d%\s+improved/);
    r = await cli('check', suite, '--quiet', '--fail-on-change', '--junit', join(tmp.dir, 'imp.xml'));
    expect(r.code).toBe(1);
    expect(parseJunit(join(tmp.dir, 'imp.xml')).testsuite.testcase.find((t: { name: string }) => t.name === 'square').failure.type).toBe('improvement');
    // --update says what changed and restores a passing suite.
    r = await cli('check', suite, '--quiet', '--update');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/updated .*square\.summary\.json: time .* -> .* \(-9\.\d\d%\)/);
    expect(readFileSync(baseline('square'), 'utf8')).toBe(good);
  });

  it('flags a changed kernel config or a removed op as a structural change', async () => {
    const good = readFileSync(baseline('two-stream'), 'utf8');
    const b = readBaseline('two-stream');
    b.ops[0]!.config = { ...b.ops[0]!.config, tile: '1x1x1' };
    b.ops.push({ ...b.ops[1]!, name: 'gone' });
    writeFileSync(baseline('two-stream'), toJson(b));
    const r = await cli('check', suite, '--quiet', '--markdown', join(tmp.dir, 'chg.md'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/two-stream: op "a": config changed: tile 1x1x1 -> \d+x\d+x\d+/);
    expect(r.stdout).toMatch(/two-stream: op "gone" removed/);
    expect(readFileSync(join(tmp.dir, 'chg.md'), 'utf8')).toMatch(/\| two-stream \| .* \| changed \|/);
    writeFileSync(baseline('two-stream'), good);
  });

  it('a baseline of another major schema version is unusable (exit 2, JUnit error) until --update', async () => {
    const good = readFileSync(baseline('skinny'), 'utf8');
    writeFileSync(baseline('skinny'), toJson({ ...readBaseline('skinny'), schemaVersion: '2.0.0' }));
    const r = await cli('check', suite, '--quiet', '--junit', join(tmp.dir, 'err.xml'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/skinny: baseline ".*skinny\.summary\.json": summary schema version 2\.0\.0 has major version 2/);
    const junit = parseJunit(join(tmp.dir, 'err.xml'));
    expect(junit.errors).toBe('1');
    expect(junit.testsuite.testcase.find((t: { name: string }) => t.name === 'skinny').error.type).toBe('unusable');
    expect((await cli('check', suite, '--quiet', '--update')).code).toBe(0);
    expect(readFileSync(baseline('skinny'), 'utf8')).toBe(good);
  });

  it('a broken scenario is reported as unusable with its file and field, not a stack trace', async () => {
    writeFileSync(join(suite, 'broken.json'), toJson({ name: 'broken', device: 'a100-80gb', workload: { ops: [{ type: 'gemm', m: 0, n: 1, k: 1 }] } }));
    const r = await cli('check', suite, '--quiet');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/broken: scenario .*broken\.json.*workload\.ops\.0\.m/);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    rmSync(join(suite, 'broken.json'));
  });

  it('reads tolerance and metric from suite.json; --update removes baselines with no scenario', async () => {
    writeFileSync(join(suite, 'suite.json'), toJson({ name: 'mini-suite', tolerance: '15%' }));
    const good = readFileSync(baseline('square'), 'utf8');
    writeFileSync(baseline('square'), toJson(scaled(readBaseline('square'), 0.9)));
    const r = await cli('check', suite, '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('suite mini-suite');
    expect(r.stdout).toContain('tolerance 15%');
    writeFileSync(baseline('square'), good);
    writeFileSync(join(suite, 'suite.json'), toJson({ tolerance: 'loose' }));
    const bad = await cli('check', suite, '--quiet');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('suite.json tolerance "loose": expected a percentage');
    rmSync(join(suite, 'suite.json'));

    writeFileSync(baseline('old'), good);
    const u = await cli('check', suite, '--quiet', '--update');
    expect(u.stdout).toMatch(/removed .*old\.summary\.json \(no scenario\)/);
    expect(existsSync(baseline('old'))).toBe(false);
  });

  it('--shard checks a slice of the scenarios', async () => {
    const r = await cli('check', suite, '--quiet', '--shard', '2/2', '--junit', join(tmp.dir, 'shard.xml'));
    expect(r.code).toBe(0);
    expect(parseJunit(join(tmp.dir, 'shard.xml')).testsuite.testcase.map((t: { name: string }) => t.name)).toEqual(['square']);
  });
});
