import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignLanes, compileTrace } from '../../viz/compile.ts';
import { loadTraceFile, parseTrace, TraceLoadError } from '../../viz/load-trace.ts';
import { buildPayload, buildReportHtml, writeReportHtml } from '../../viz/report.ts';
import { validateTrace } from '../../viz/validate-trace.ts';
import { syntheticTrace, sweepTrace, validationFixture } from './fixtures.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'tw-viz-'));

describe('validateTrace', () => {
  it('accepts the fixture traces', () => {
    expect(validateTrace(syntheticTrace())).toEqual({ ok: true, warnings: [] });
    expect(validateTrace(sweepTrace()).ok).toBe(true);
    expect(validateTrace(validationFixture()).ok).toBe(true);
  });
  it('names what is wrong', () => {
    const bad = (v: unknown) => {
      const r = validateTrace(v);
      return r.ok ? 'ok' : r.error;
    };
    expect(bad([1, 2])).toMatch(/expected a JSON object with a "traceEvents" array.*got an array/);
    expect(bad({})).toMatch(/missing "traceEvents"/);
    expect(bad({ traceEvents: 'x' })).toMatch(/"traceEvents" must be an array, got a string/);
    expect(bad({ traceEvents: [{ ts: 1 }] })).toMatch(/traceEvents\[0\] has no "ph"/);
    expect(bad({ traceEvents: [{ ph: 'X', name: 'k', dur: 1 }] })).toMatch(/traceEvents\[0\] \(ph "X", name "k"\) has no "ts"/);
    expect(bad({ traceEvents: [{ ph: 'X', ts: 0, dur: -1 }] })).toMatch(/bad "dur"/);
    expect(bad({ traceEvents: [], otherData: { tilewave: { formatVersion: '2.0' } } })).toMatch(/formatVersion is "2.0"; this viewer reads version 1.x/);
    expect(bad({ traceEvents: [], otherData: { tilewave: { kind: 'sweep' } } })).toMatch(/sweep.points is missing/);
    expect(bad({ traceEvents: [], otherData: { tilewave: { kind: 'validation' } } })).toMatch(/validation is missing/);
    const short = validationFixture();
    (short.otherData!.tilewave!.validation as { m: number[] }).m.pop();
    expect(bad(short)).toMatch(/validation\.m must be an array with one entry per row \(5\)/);
  });
  it('counts problems beyond the first few', () => {
    const r = validateTrace({ traceEvents: Array.from({ length: 10 }, () => ({ ph: 'X' })) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/and 7 more problems/);
  });
  it('warns about event types it does not draw', () => {
    const r = validateTrace({ traceEvents: [{ ph: 'B', ts: 0 }, { ph: 'E', ts: 1 }] });
    expect(r).toEqual({ ok: true, warnings: ['1 event with ph "B" not shown (the viewer draws X, C, i and M events)', '1 event with ph "E" not shown (the viewer draws X, C, i and M events)'] });
  });
});

describe('loadTraceFile', () => {
  it('reads a valid trace', () => {
    const dir = tmp();
    writeFileSync(join(dir, 't.json'), JSON.stringify(syntheticTrace()));
    expect(loadTraceFile(join(dir, 't.json')).trace.traceEvents.length).toBeGreaterThan(10);
  });
  it('reports a missing file, a truncated file and a bad event, naming the file', () => {
    const dir = tmp();
    expect(() => loadTraceFile(join(dir, 'nope.json'))).toThrow(/trace ".*nope.json": file not found/);
    const text = JSON.stringify(syntheticTrace());
    writeFileSync(join(dir, 'cut.json'), text.slice(0, text.length / 2));
    expect(() => loadTraceFile(join(dir, 'cut.json'))).toThrow(/cut.json": the JSON ends early \(truncated file\?\)/);
    writeFileSync(join(dir, 'empty.json'), '');
    expect(() => loadTraceFile(join(dir, 'empty.json'))).toThrow(/the file is empty/);
    expect(() => parseTrace('{"traceEvents": [{"ph": "C"}]}', 'x.json')).toThrow(TraceLoadError);
    expect(() => parseTrace('{"traceEvents": [{"ph": "C"}]}', 'x.json')).toThrow(/x.json": traceEvents\[0\] \(ph "C"\) has no "ts"/);
    expect(() => parseTrace('{"traceEvents": [] oops}', 'y.json')).toThrow(/y.json": not valid JSON/);
  });
});

describe('compileTrace', () => {
  it('packs nested and overlapping spans into lanes', () => {
    // parent [0,10] with children [0,4] and [5,9]; then [10,12] back on lane 0.
    const { lane, lanes } = assignLanes([0, 0, 5, 10], [10, 4, 9, 12]);
    expect(Array.from(lane)).toEqual([0, 1, 1, 0]);
    expect(lanes).toBe(2);
  });
  it('keeps back-to-back spans on one lane despite float rounding', () => {
    const a = 0.1 + 0.2; // 0.30000000000000004
    expect(assignLanes([0, 0.3], [a, 1]).lanes).toBe(1);
  });
  it('compiles tracks in the trace order, counters deduplicated, args as columns', () => {
    const run = compileTrace(syntheticTrace() as never);
    expect(run.tracks.map((t) => t.unit)).toEqual(['stream 0', 'SM 0', 'SM 1', 'SM 2', 'SM 3', 'HBM']);
    expect(run.tracks.map((t) => t.group)).toEqual(['ops', 'SM', 'SM', 'SM', 'SM', 'memory']);
    expect(run.spanCount).toBe(4 + 4 * 11 + 4);
    expect(run.startNs).toBe(0);
    expect(run.endNs).toBe(137_000);
    const sm0 = run.tracks[1]!;
    const keys = sm0.args.map(([k]) => run.strings[k]);
    expect(keys).toEqual(['tile', 'config', 'bytes', 'flops', 'op']);
    expect(run.counters.map((c) => c.name).sort()).toEqual(['HBM bandwidth (GB/s)', 'SMs busy']);
    expect(run.summary?.ops?.length).toBe(4);
    expect(run.device?.memoryBandwidthBytesPerSecond).toBe(3.35e12);
  });
  it('makes tracks for spans on threads the trace did not list', () => {
    const run = compileTrace({ traceEvents: [{ ph: 'M', pid: 7, tid: 0, name: 'process_name', args: { name: 'host' } }, { ph: 'X', pid: 7, tid: 3, ts: 1, dur: 2, name: 'copy' }] });
    expect(run.tracks).toHaveLength(1);
    expect(run.tracks[0]).toMatchObject({ device: 'host', unit: 'thread 3', group: 'other', n: 1 });
  });
});

describe('report HTML', () => {
  it('is one self-contained file with the viewer and the data', async () => {
    const html = await buildReportHtml({ traces: [syntheticTrace()] });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<script type="application/json" id="tw-data">');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<\/script>/g)?.length).toBe(3);
  });
  it('escapes "<" in the data so a name cannot close the script element', async () => {
    const trace = syntheticTrace();
    (trace.traceEvents as Record<string, unknown>[]).push({ ph: 'X', pid: 1, tid: 1, ts: 0, dur: 1, name: '</script><script>alert(1)</script>' });
    const html = await buildReportHtml({ traces: [trace], title: 'a </script> title' });
    const data = html.slice(html.indexOf('id="tw-data">') + 13, html.lastIndexOf('</script>'));
    expect(data).not.toContain('<');
    expect(JSON.parse(data).runs[0].strings).toContain('</script><script>alert(1)</script>');
    expect(html).toContain('<title>a &lt;/script&gt; title · tilewave</title>');
  });
  it('carries an invalid trace as an error for the page instead of throwing', () => {
    const payload = buildPayload({ traces: [{ traceEvents: [{ ph: 'X', dur: 1 }] } as never] });
    expect(payload.runs).toEqual([]);
    expect(payload.error).toMatch(/the trace: traceEvents\[0\] \(ph "X"\) has no "ts"/);
  });
  it('titles a comparison "A vs B" and labels the runs', () => {
    const payload = buildPayload({ traces: [syntheticTrace({ title: 'base' }), syntheticTrace({ title: 'tuned' })] });
    expect(payload.title).toBe('base vs tuned');
    expect(payload.runs.map((r) => r.label)).toEqual(['A', 'B']);
    expect(() => buildPayload({ traces: [] })).toThrow(RangeError);
  });
  it('keeps the usable rows of a validation and counts the rest', () => {
    const t = validationFixture();
    (t.otherData!.tilewave!.validation as { predictedUs: number[]; device: number[] }).predictedUs[0] = -1;
    (t.otherData!.tilewave!.validation as { predictedUs: number[]; device: number[] }).device[1] = 7;
    const run = compileTrace(t);
    expect(run.kind).toBe('validation');
    expect(run.validation!.measuredUs).toEqual([50, 20, 40]);
    expect(run.warnings.join(' ')).toMatch(/validation: 2 rows without positive times or with unknown device, op or config not shown/);
  });

  it("keeps a validation's shares of zeros per kept row, and ignores a column that is not all in [0, 1]", () => {
    const t = validationFixture();
    const v = t.otherData!.tilewave!.validation as { predictedUs: number[]; aZero?: unknown[] };
    v.predictedUs[0] = -1;
    v.aZero = [1, 0, 1, 0, 0.5];
    expect(compileTrace(t).validation!.aZero).toEqual([0, 1, 0, 0.5]);
    v.aZero = [1, 0, 2, 0, 0];
    expect(compileTrace(t).validation!.aZero).toBeUndefined();
    // Profiling-run lengths (ms, -1 unknown) likewise.
    (v as { runMs?: unknown[] }).runMs = [3, -1, 60, 7, 200];
    expect(compileTrace(t).validation!.runMs).toEqual([-1, 60, 7, 200]);
    (v as { runMs?: unknown[] }).runMs = [3, -2, 60, 7, 200];
    expect(compileTrace(t).validation!.runMs).toBeUndefined();
  });

  it('rewrites sweep trace links relative to the report', () => {
    const dir = tmp();
    const payload = buildPayload({ traces: [sweepTrace(2)], sources: [join(dir, 'sweeps', 'n.json')], outputPath: join(dir, 'reports', 'n.html') });
    expect(payload.runs[0]!.sweep!.points.map((p) => p.trace)).toEqual(['../sweeps/runs/n-1024.json', '../sweeps/runs/n-2048.json']);
  });
  it('writes atomically and leaves no temporary file', async () => {
    const dir = tmp();
    const out = join(dir, 'sub', 'r.html');
    await writeReportHtml(out, { traces: [syntheticTrace()] });
    expect(readFileSync(out, 'utf8')).toContain('id="tw-data"');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['r.html']);
  });
});
