import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { errorStats, sizeClass } from '../../devices/validation/measured.ts';
import { validationStats } from '../../viz/app/validation.ts';
import type { ValidationLike } from '../../viz/payload.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs');
const tilewave = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('error statistics', () => {
  it('median, p90 and mean of absolute percentage errors', () => {
    const s = errorStats([-10, 2, 4, -6, 8, 20, -1, 3, 5, 7]);
    expect(s.count).toBe(10);
    expect(s.meanAbsPctError).toBeCloseTo(6.6, 9);
    expect(s.medianAbsPctError).toBeGreaterThanOrEqual(5);
    expect(s.medianAbsPctError).toBeLessThanOrEqual(6);
    expect(s.p90AbsPctError).toBeGreaterThanOrEqual(10);
    expect(s.p90AbsPctError).toBeLessThanOrEqual(20);
  });

  it('size classes by m', () => {
    expect(sizeClass(1)).not.toBe(sizeClass(512));
    expect(sizeClass(512)).not.toBe(sizeClass(4096));
    expect(sizeClass(64)).toBe(sizeClass(8));
  });
});

describe('tilewave validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-validate-'));
  const csv = join(dir, 'rows.csv');
  writeFileSync(csv, [
    'device,op,dtype,m,n,k,measured_us,source',
    'a100-80gb,gemm,fp16,16,4096,4096,25.0,test',
    'a100-80gb,gemm,fp16,2048,4096,4096,250.0,test',
    'h100-80gb,gemm,fp16,4096,4096,4096,200.0,test',
    'tpu-v9,gemm,fp16,16,16,16,1.0,unknown device',
    'a100-80gb,conv,fp16,16,16,16,1.0,unknown op',
    'a100-80gb,gemm,fp16,0,16,16,1.0,bad m',
  ].join('\n'));

  it('--json prints one object with overall and per-device stats; unknown devices and ops are skipped', () => {
    const r = tilewave(['validate', csv, '--json', '--workers', '1', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    for (const stats of [report.overall, report.devices['a100-80gb'], report.devices['h100-80gb']]) {
      expect(Object.keys(stats)).toEqual(expect.arrayContaining(['count', 'medianAbsPctError', 'p90AbsPctError', 'meanAbsPctError']));
      for (const v of [stats.medianAbsPctError, stats.p90AbsPctError, stats.meanAbsPctError]) expect(Number.isFinite(v)).toBe(true);
    }
    expect(report.overall.count).toBe(3);
    expect(report.devices['a100-80gb'].count).toBe(2);
    expect(report.devices['tpu-v9']).toBeUndefined();
    expect(JSON.stringify(report.skipped)).toMatch(/tpu-v9/);
    expect(JSON.stringify(report.skipped)).toMatch(/conv/);
  });

  it('a file with no usable row reports its skipped rows (not fatal) and says so; a gate over it fails', () => {
    const none = join(dir, 'none.csv');
    writeFileSync(none, ['device,op,dtype,m,n,k,measured_us', 'tpu-v9,gemm,fp16,16,16,16,1.0', 'a100-80gb,conv,fp16,16,16,16,1.0'].join('\n'));
    const r = tilewave(['validate', none, '--json', '--workers', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).overall.count).toBe(0);
    expect(JSON.parse(r.stdout).skipped.count).toBe(2);
    expect(r.stderr).toContain(`validate: measured data "${none}": no usable rows (2 skipped; line 2: unknown device "tpu-v9")`);
    const gate = tilewave(['validate', none, '--quiet', '--workers', '1', '--max-p90', '15']);
    expect(gate.status).toBe(1);
    expect(gate.stderr).toContain('validate: no usable rows to hold to --max-median / --max-p90');
  });

  it('--html writes a report whose rows and statistics are the text report\'s', () => {
    const out = join(dir, 'validation.html');
    const r = tilewave(['validate', csv, '--html', out, '--workers', '1', '--quiet', '--json', '--by', 'k']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const html = readFileSync(out, 'utf8');
    const start = html.indexOf('>', html.indexOf('id="tw-data"')) + 1;
    const payload = JSON.parse(html.slice(start, html.indexOf('</script>', start)));
    const v = payload.runs[0].validation as ValidationLike;
    expect(payload.runs[0].kind).toBe('validation');
    expect(v.measuredUs).toHaveLength(3);
    expect(v.devices).toEqual(['a100-80gb', 'h100-80gb']);
    const page = Object.fromEntries(validationStats(v).map((s) => [s.group, s]));
    for (const [group, stats] of [['a100-80gb', report.devices['a100-80gb']], ['overall', report.overall]] as const) {
      expect([page[group]!.rows, page[group]!.median, page[group]!.p90]).toEqual([stats.count, stats.medianAbsPctError, stats.p90AbsPctError]);
    }
    // The view's grouping by k is the report's --by k, label for label.
    const byK = validationStats(v, undefined, 'k').filter((s) => s.group.includes('='));
    const reportK = Object.entries(report.groups.devices as Record<string, Record<string, { count: number; medianAbsPctError: number; meanSignedPctError: number }>>)
      .flatMap(([d, groups]) => Object.entries(groups).map(([label, s]) => [`${d} ${label}`, s.count, s.medianAbsPctError, s.meanSignedPctError]));
    expect(byK.map((s) => [s.group, s.rows, s.median, s.bias])).toEqual(reportK);
    expect(v.rowSources).toEqual(['test']);
  });

  it('--rows writes every simulated row with its prediction and signed error', () => {
    const out = join(dir, 'pred.csv');
    const r = tilewave(['validate', csv, '--rows', out, '--workers', '1', '--quiet', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('line,device,op,dtype,m,n,k,measured_us,predicted_us,error_pct,config,source');
    expect(lines).toHaveLength(1 + report.overall.count);
    const worst = report.worst[0];
    const row = lines.map((l) => l.split(',')).find((f) => Number(f[0]) === worst.line)!;
    expect(Number(row[8])).toBeCloseTo(worst.predictedUs, 1);
    expect(Number(row[9])).toBeCloseTo(worst.errorPct, 1);
    expect(row[10]).toBe(worst.config);
    expect(Number(row[8])).toBeGreaterThan(0);
  });

  it('--set validates a what-if: half the HBM bandwidth slows the memory-bound row; a bad field is exit 2', () => {
    const worstOf = (extra: string[]) => {
      const r = tilewave(['validate', csv, '--device', 'a100-80gb', '--json', '--workers', '1', '--quiet', '--worst', '5', ...extra]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const base = worstOf([]);
    const slow = worstOf(['--set', 'memory.bandwidthBytesPerSecond=1.0e12']);
    expect(slow.overrides).toEqual({ 'memory.bandwidthBytesPerSecond': 1e12 });
    expect(base.overrides).toBeUndefined();
    const decode = (rep: { worst: { m: number; predictedUs: number }[] }) => rep.worst.find((w) => w.m === 16)!.predictedUs;
    expect(decode(slow)).toBeGreaterThan(1.5 * decode(base));
    const bad = tilewave(['validate', csv, '--set', 'memory.bandwidthBytesPerSecond=-3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/memory\.bandwidthBytesPerSecond/);
  });

  it('--every samples rows deterministically; --candidates splits the error into kernel choice and kernel time', () => {
    const out = join(dir, 'choice.csv');
    const all = join(dir, 'candidates.csv');
    const r = tilewave(['validate', csv, '--candidates', '--every', '2', '--rows', out, '--candidates-csv', all, '--json', '--workers', '1', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    // --candidates-csv: every simulated config of every row, one of them the pick, the fastest the row's fastest_us.
    const configs = parse(readFileSync(all, 'utf8'), { columns: true }) as Record<string, string>[];
    const rowsOut = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    for (const row of rowsOut) {
      const mine = configs.filter((c) => c.line === row.line);
      expect(mine).toHaveLength(Number(row.candidates));
      expect(mine.filter((c) => c.chosen === '1').map((c) => c.config)).toEqual([row.config]);
      expect(Math.min(...mine.map((c) => Number(c.simulated_us)))).toBeCloseTo(Number(row.fastest_us), 2);
    }
    const lone = tilewave(['validate', csv, '--candidates-csv', all]);
    expect(lone.status).toBe(2);
    expect(lone.stderr).toMatch(/--candidates-csv needs --candidates/);
    // Usable rows are the three known-device GEMMs; every 2nd keeps the 1st and the 3rd.
    expect(report.overall.count).toBe(2);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(lines[0]!.slice(-5)).toEqual(['fastest_us', 'fastest_config', 'closest_us', 'closest_config', 'candidates']);
    expect(lines.slice(1).map((f) => Number(f[0]))).toEqual([2, 4]);
    for (const f of lines.slice(1)) {
      const [measured, picked, fastest, closest, count] = [Number(f[7]), Number(f[8]), Number(f[12]), Number(f[14]), Number(f[16])];
      expect(count).toBeGreaterThan(1);
      expect(fastest).toBeLessThanOrEqual(picked + 1e-6);
      expect(Math.abs(Math.log(closest / measured))).toBeLessThanOrEqual(Math.abs(Math.log(picked / measured)) + 1e-9);
    }
    const a100 = report.choice['a100-80gb'];
    expect(Object.keys(a100)).toEqual(['all', 'm<=64']);
    expect(a100.all.count).toBe(1);
    expect(a100.all.picked.medianAbsPctError).toBe(report.devices['a100-80gb'].medianAbsPctError);
    expect(a100.all.closest.medianAbsPctError).toBeLessThanOrEqual(a100.all.picked.medianAbsPctError);
    const text = tilewave(['validate', csv, '--candidates', '--device', 'h100-80gb', '--workers', '1', '--quiet']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/kernel choice/);
    expect(text.stdout).toMatch(/h100-80gb m>1024/);
  });

  it('optional tile / split_k / tail_split columns simulate the kernel the row ran; a config the device cannot run is a skipped row naming the column', () => {
    const forced = join(dir, 'forced.csv');
    writeFileSync(forced, [
      'device,op,dtype,m,n,k,measured_us,source,tile,split_k,tail_split',
      'h100-80gb,gemm,fp16,576,8192,7168,176,heuristic,,,',
      'h100-80gb,gemm,fp16,576,8192,7168,176,no tail split,128x256x64,1,1',
      'h100-80gb,gemm,fp16,576,8192,7168,176,tail split,128x256x64,1,3',
      'a100-80gb,gemm,fp16,192,2752,4096,60,split-K,128x64x64,2,',
      'a40,gemm,fp16,192,2752,4096,55,too big,512x512x64,,',
      'a40,gemm,fp16,192,2752,4096,55,bad split,,0,',
    ].join('\n'));
    const out = join(dir, 'forced-rows.csv');
    const r = tilewave(['validate', forced, '--rows', out, '--json', '--workers', '1', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.overall.count).toBe(4);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const config = (line: number) => rows.find((f) => Number(f[0]) === line)![10];
    const predicted = (line: number) => Number(rows.find((f) => Number(f[0]) === line)![8]);
    expect(config(3)).toBe('128x256x64');
    expect(config(4)).toBe('128x256x64 tailSplit=3');
    expect(config(5)).toBe('128x64x64 splitK=2');
    // One full wave and a tail: running the tail whole costs a second round.
    expect(predicted(3)).toBeGreaterThan(1.2 * predicted(4));
    const skipped = JSON.stringify(report.skipped);
    expect(skipped).toMatch(/column \\"tile\\" = \\"512x512x64\\": in fp16 a CTA needs/);
    expect(skipped).toMatch(/column \\"split_k\\" = 0/);
  });

  it('--by groups the error per device by derived keys and columns; the groups partition the rows; an unknown key is exit 2 naming it', () => {
    const byCsv = join(dir, 'by.csv');
    writeFileSync(byCsv, [
      'device,op,dtype,m,n,k,measured_us,source,batch_id',
      'a100-80gb,gemm,fp16,16,4096,4096,25.0,model-a:mlp_down_proj,b2',
      'a100-80gb,gemm,fp16,2048,4096,4096,250.0,model-b:mlp_down_proj,b1',
      'a100-80gb,gemm,fp16,2048,4096,11008,600.0,model-a:mlp_up_proj,b1',
      'a100-80gb,gemm,fp16,512,4096,512,20.0,model-a:attn_post_proj,',
      'h100-80gb,gemm,fp16,4096,4096,4096,200.0,model-a:mlp_down_proj,b1',
    ].join('\n'));
    const run = (by: string) => {
      const r = tilewave(['validate', byCsv, '--json', '--workers', '1', '--quiet', '--by', by]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const byK = run('k');
    expect(byK.groups.by).toEqual(['k']);
    // Numeric order (512 before 4096 before 11008), one group per distinct value, counts add up.
    expect(Object.keys(byK.groups.devices['a100-80gb'])).toEqual(['k=512', 'k=4096', 'k=11008']);
    expect(byK.groups.devices['a100-80gb']['k=4096'].count).toBe(2);
    expect(Object.keys(byK.groups.devices['h100-80gb'])).toEqual(['k=4096']);
    // Two keys: ordered by the first, then the second (empty last within text); the groups partition the rows.
    const byLayer = run('layer,batch_id');
    const a100 = byLayer.groups.devices['a100-80gb'];
    expect(Object.keys(a100)).toEqual(['layer=attn_post_proj batch_id=', 'layer=mlp_down_proj batch_id=b1', 'layer=mlp_down_proj batch_id=b2', 'layer=mlp_up_proj batch_id=b1']);
    const total = Object.values(a100).reduce((n: number, s) => n + (s as { count: number }).count, 0);
    expect(total).toBe(byK.devices['a100-80gb'].count);
    const text = tilewave(['validate', byCsv, '--workers', '1', '--quiet', '--by', 'size']);
    expect(text.stdout).toMatch(/by size:\n/);
    expect(text.stdout).toMatch(/a100-80gb size=m<=64 +1 .*\n.*a100-80gb size=64<m<=1024 +1 .*\n.*a100-80gb size=m>1024 +2 /);
    const bad = tilewave(['validate', byCsv, '--by', 'k,layr']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--by = "k,layr": unknown key "layr".*batch_id/);
  });

  it('--max-median / --max-p90 gate CI: exit 1 naming each device statistic above its limit, 0 within, 2 for a bad limit', () => {
    const base = tilewave(['validate', csv, '--json', '--workers', '1', '--quiet']);
    const p90 = JSON.parse(base.stdout).devices['a100-80gb'].p90AbsPctError as number;
    const over = tilewave(['validate', csv, '--json', '--workers', '1', '--quiet', '--max-p90', String(p90 / 2), '--max-median', '1000%']);
    expect(over.status).toBe(1);
    expect(over.stderr).toContain(`validate: a100-80gb p90 |error| ${p90.toFixed(1)}% is above the limit ${p90 / 2}%`);
    const limits = JSON.parse(over.stdout).limits;
    expect(limits.p90AbsPctError).toBe(p90 / 2);
    expect(limits.medianAbsPctError).toBe(1000);
    expect(limits.exceeded.map((e: { device: string; statistic: string }) => `${e.device} ${e.statistic}`)).toContain('a100-80gb p90AbsPctError');
    expect(limits.exceeded.every((e: { statistic: string }) => e.statistic === 'p90AbsPctError')).toBe(true);
    const within = tilewave(['validate', csv, '--workers', '1', '--quiet', '--max-p90', '1000']);
    expect(within.status).toBe(0);
    expect(within.stderr).toBe('');
    const bad = tilewave(['validate', csv, '--max-p90', '-3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--max-p90 "-3": expected a percentage > 0/);
  });

  it('a missing file or a file without the required columns is exit 2 with one line', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n');
    for (const args of [['validate', join(dir, 'nope.csv')], ['validate', bad]]) {
      const r = tilewave(args);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
