import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultReportPath, registerView } from '../../cli/commands/view.ts';
import { UsageError } from '../../cli/errors.ts';
import { syntheticTrace } from './fixtures.ts';

function program(): Command {
  const p = new Command().exitOverride();
  registerView(p);
  p.commands.forEach((c) => c.exitOverride());
  return p;
}

describe('tilewave view', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw-view-'));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('derives the report name from the first trace', () => {
    expect(defaultReportPath('runs/a.json')).toBe('runs/a.html');
    expect(defaultReportPath('a.trace.JSON')).toBe('a.trace.html');
    expect(defaultReportPath('trace')).toBe('trace.html');
  });

  it('writes a report next to the trace by default', async () => {
    const trace = join(dir, 'run.json');
    writeFileSync(trace, JSON.stringify(syntheticTrace()));
    await program().parseAsync(['node', 'tilewave', 'view', trace]);
    expect(readFileSync(join(dir, 'run.html'), 'utf8')).toContain('id="tw-data"');
  });

  it('compares two traces into --html', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(syntheticTrace({ title: 'a' })));
    writeFileSync(b, JSON.stringify(syntheticTrace({ title: 'b', slowdown: 1.2 })));
    const out = join(dir, 'cmp.html');
    await program().parseAsync(['node', 'tilewave', 'view', a, b, '--html', out]);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>a vs b · tilewave</title>');
  });

  it('fails with exit code 2 and one line naming a missing or malformed file', async () => {
    const missing = join(dir, 'missing.json');
    const err = await program().parseAsync(['node', 'tilewave', 'view', missing]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toBe(`trace "${missing}": file not found`);

    const cut = join(dir, 'cut.json');
    const text = JSON.stringify(syntheticTrace());
    writeFileSync(cut, text.slice(0, 500));
    const err2 = await program().parseAsync(['node', 'tilewave', 'view', cut]).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(UsageError);
    expect((err2 as UsageError).message).toMatch(/^trace ".*cut.json": the JSON ends early \(truncated file\?\)/);
    expect((err2 as UsageError).message).not.toContain('\n');
    expect(existsSync(join(dir, 'cut.html'))).toBe(false);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ traceEvents: [{ ph: 'X', name: 'k', dur: 1 }] }));
    const err3 = await program().parseAsync(['node', 'tilewave', 'view', join(dir, 'cut.json').replace('cut', 'bad')]).catch((e: unknown) => e);
    expect((err3 as UsageError).message).toMatch(/bad.json": traceEvents\[0\] \(ph "X", name "k"\) has no "ts"/);
  });

  it('refuses to overwrite an input', async () => {
    const a = join(dir, 'a.json');
    writeFileSync(a, JSON.stringify(syntheticTrace()));
    const err = await program().parseAsync(['node', 'tilewave', 'view', a, '--html', a]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
  });
});
