import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseMeasuredCsv, type MeasuredRow } from '../../devices/validation/measured.ts';
import { predictRow, skipReason, withoutKernelColumns } from '../../devices/validation/predict.ts';
import { resolveDevice } from '../../devices/presets.ts';

const read = (file: string) => parseMeasuredCsv(readFileSync(`data/measured/${file}`, 'utf8'), file);

describe('GEMMs measured on the H200 (data/measured/gemm*-h200.csv)', () => {
  const files = ['gemm-h200.csv', 'gemm-alignment-h200.csv', 'gemm-vocab-h200.csv'];

  it.each(files)('%s: every row is graph-timed, names its kernels, and simulates on the h200 preset', (file) => {
    const { rows, skipped } = read(file);
    expect(skipped).toEqual([]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.device).toBe('h200');
      expect(row.extra.timing).toBe('graph');
      expect(row.extra.kernel).not.toBe('');
    }
    // Every 50th row is enough to show no row is refused (the whole file: `tilewave validate`).
    for (const row of rows.filter((_, i) => i % 50 === 0)) expect(skipReason(row), `line ${row.line}`).toBeNull();
  });

  it('gemm-h200.csv covers every weight shape of the sweep (the run stopped early, coarse first)', () => {
    const { rows } = read('gemm-h200.csv');
    expect(new Set(rows.map((r) => `${r.n}x${r.k}`)).size).toBe(44);
    expect(new Set(rows.map((r) => `${r.m}/${r.n}/${r.k}`)).size).toBe(rows.length);
  });
});

describe('the timing column', () => {
  const row = (timing?: string): MeasuredRow => ({
    line: 2, device: 'h200', op: 'gemm', dtype: 'fp16', m: 256, n: 4096, k: 4096, measuredUs: 20, source: 't',
    extra: timing === undefined ? {} : { timing },
  });

  it("a graph-timed row costs the graph's fixed kernel cost instead of the launch overhead; events is the default", () => {
    const e = resolveDevice('h200').efficiency;
    expect(e.graphKernelOverheadNs).toBeLessThan(e.kernelOverheadNs);
    const events = predictRow(row()).predictedUs;
    expect(predictRow(row('events')).predictedUs).toBe(events);
    expect(events - predictRow(row('graph')).predictedUs).toBeCloseTo((e.kernelOverheadNs - e.graphKernelOverheadNs!) / 1000, 6);
  });

  it('an unknown timing is named with what is expected', () => {
    expect(skipReason(row('wallclock'))).toBe('column "timing" = "wallclock": expected events or graph');
    expect(skipReason(row(''))).toBeNull();
  });
});

describe('graph-timed rows and their fixed kernel cost', () => {
  it('efficiency.graphKernelOverheadNs stands in for kernelOverheadNs on graph rows only', () => {
    const row = (timing: string): MeasuredRow => ({ line: 2, device: 'h200', op: 'gemm', dtype: 'fp16', m: 64, n: 4096, k: 4096, measuredUs: 10, source: 't', extra: { timing } });
    const base = predictRow(row('graph'), { graphKernelOverheadNs: 0 }).predictedUs;
    expect(predictRow(row('graph'), { graphKernelOverheadNs: 1500 }).predictedUs - base).toBeCloseTo(1.5, 6);
    expect(predictRow(row('events'), { graphKernelOverheadNs: 1500 }).predictedUs).toBe(predictRow(row('events')).predictedUs);
  });
});

describe('validate --heuristic', () => {
  it("simulates the heuristic's pick where rows name their kernels: the same as the rows without those columns", () => {
    const { rows } = read('gemm-h200.csv');
    const sample = rows.filter((_, i) => i % 400 === 0);
    const named = sample.map((r) => predictRow(r).config);
    const picked = sample.map((r) => predictRow(withoutKernelColumns(r)).config);
    expect(picked.some((c, i) => c !== named[i])).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'tw-heuristic-'));
    const out = join(dir, 'rows.csv');
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs'), 'validate', 'data/measured/gemm-h200.csv', '--every', '400', '--heuristic', '--quiet', '--workers', '1', '--rows', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const written = parse(readFileSync(out, 'utf8'), { columns: true }) as { config: string }[];
    expect(written.map((w) => w.config)).toEqual(picked);
  });
});
