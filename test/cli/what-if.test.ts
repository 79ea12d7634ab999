import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gemmSweepPoints, parseVary } from '../../devices/sweep.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { cli, tempDir } from '../regress/helpers.ts';

const tmp = tempDir('tilewave-vary-');
afterAll(tmp.cleanup);

const noBase = () => {
  throw new Error('base value read for absolute values');
};

describe('--vary values', () => {
  it('takes a list, an inclusive range, or multiples of the device value', () => {
    expect(parseVary('memory.bandwidthBytesPerSecond=2e12, 3.35e12', noBase)).toEqual({ path: 'memory.bandwidthBytesPerSecond', values: [2e12, 3.35e12] });
    // 0.1 steps are binary fractions: the stop is still included, and values print as typed.
    expect(parseVary('efficiency.dramFraction=0.5:0.8:0.1', noBase).values).toEqual([0.5, 0.6, 0.7, 0.8]);
    expect(parseVary('sm.count=0.5x:2x:0.5x', () => 132).values).toEqual([66, 132, 198, 264]);
    expect(parseVary('l2.sizeBytes=1x,3X', () => 50e6).values).toEqual([50e6, 150e6]);
  });

  it('rejects malformed values, naming what was expected', () => {
    const cases: [string, RegExp][] = [
      ['memory.bandwidthBytesPerSecond', /expected PATH=VALUES/],
      ['=1,2', /expected PATH=VALUES/],
      ['sm.count=1:2', /three numbers/],
      ['sm.count=3:2:1', /start <= stop and step > 0/],
      ['sm.count=1:3:0', /step > 0/],
      ['sm.count=1,,2', /"" is not a number/],
      ['sm.count=1x,2', /every number/],
      ['sm.count=1:20000:1', /20000 points; at most 10,000/],
    ];
    for (const [text, message] of cases) expect(() => parseVary(text, () => 1), text).toThrow(message);
    expect(() => parseVary('sm.persistentGemm=2x', () => true)).toThrow(/is not a number, so it has no multiples/);
  });

  it('gives each point its own device overrides and scenario name, keeping the other --set overrides', () => {
    const { parameter, points } = gemmSweepPoints({ device: 'a100-80gb', m: '64', n: '4096', k: '4096', dtype: 'fp16', deviceOverrides: { 'efficiency.kernelOverheadNs': 0 }, vary: 'memory.bandwidthBytesPerSecond=1x,2x' });
    const base = resolveDevice('a100-80gb').memory.bandwidthBytesPerSecond;
    expect(parameter).toBe('memory.bandwidthBytesPerSecond');
    expect(points.map((p) => p.value)).toEqual([base, 2 * base]);
    expect(points.map((p) => p.scenario.deviceOverrides)).toEqual([
      { 'efficiency.kernelOverheadNs': 0, 'memory.bandwidthBytesPerSecond': base },
      { 'efficiency.kernelOverheadNs': 0, 'memory.bandwidthBytesPerSecond': 2 * base },
    ]);
    expect(new Set(points.map((p) => p.scenario.name)).size).toBe(2);
  });

  it('refuses a dimension range, a field also set by --set, and a value the device schema rejects, before running', () => {
    const args = { device: 'h100-80gb', m: '64', n: '4096', k: '4096', dtype: 'fp16' };
    expect(() => gemmSweepPoints({ ...args, n: '1024:4096:1024', vary: 'sm.count=100,132' })).toThrow(/must be single values; got a range for n/);
    expect(() => gemmSweepPoints({ ...args, deviceOverrides: { 'sm.count': 100 }, vary: 'sm.count=100,132' })).toThrow(/also given by --set/);
    expect(() => gemmSweepPoints({ ...args, vary: 'sm.count=132,100.5' })).toThrow(/--vary sm\.count=100\.5: device h100-80gb: field "sm\.count" = 100\.5: expected an integer/);
    expect(() => gemmSweepPoints({ ...args, vary: 'sm.nope=1,2' })).toThrow(/unknown field/);
    expect(() => gemmSweepPoints({ ...args, vary: 'sm.nope=1x,2x' })).toThrow(/is not a field of the device/);
  });
});

describe('tilewave sweep --vary (what-if over a device field)', () => {
  const sweep = async (m: string, n: string, k: string, vary: string, ...more: string[]) => {
    const r = await cli('sweep', '--device', 'h100-80gb', '--m', m, '--n', n, '--k', k, '--vary', vary, '--quiet', '--workers', '1', ...more);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = r.stdout.trim().split('\n');
    const cols = header!.split(',');
    return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
  };

  it('doubling HBM bandwidth speeds up weight streaming and leaves a compute-bound GEMM alone', async () => {
    const streaming = await sweep('16', '8192', '8192', 'memory.bandwidthBytesPerSecond=1x,2x');
    expect(streaming.map((r) => r.parameter)).toEqual(['memory.bandwidthBytesPerSecond', 'memory.bandwidthBytesPerSecond']);
    expect(Number(streaming[1]!.value)).toBe(2 * Number(streaming[0]!.value));
    const [t1, t2] = streaming.map((r) => Number(r.time_us));
    // Bytes dominate: well over a third faster, but not twice (launch overhead, the pipeline fill).
    expect(t2! / t1!).toBeLessThan(0.75);
    expect(t2! / t1!).toBeGreaterThan(0.5);
    const compute = await sweep('8192', '8192', '8192', 'memory.bandwidthBytesPerSecond=1x,2x');
    const [c1, c2] = compute.map((r) => Number(r.time_us));
    expect(Math.abs(c2! / c1! - 1)).toBeLessThan(0.02);
  });

  it('more SMs make a many-wave GEMM faster; summaries get one file per point', async () => {
    const dir = join(tmp.dir, 'sums');
    const rows = await sweep('4096', '4096', '4096', 'sm.count=66,132', '--summary-dir', dir);
    const [half, full] = rows.map((r) => Number(r.time_us));
    expect(full!).toBeLessThan(0.7 * half!);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('exits 2 with the field, the value and what was expected', async () => {
    const r = await cli('sweep', '--device', 'h100-80gb', '--m', '16', '--n', '8192', '--k', '8192', '--vary', 'memory.bandwidthBytesPerSecond=2e12,-1', '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/memory\.bandwidthBytesPerSecond.*-1.*expected a number > 0/);
    expect(r.stdout).toBe('');
  });
});

describe('tilewave llm --vary', () => {
  const base = ['llm', '--model', 'llama2-7b', '--device', 'a100-80gb', '--phase', 'decode', '--batch', '8', '--seq', '1024', '--layers', 'one', '--quiet'];

  it('a decode step gets faster with more HBM bandwidth; one row per value with a time per op role', async () => {
    const r = await cli(...base, '--vary', 'memory.bandwidthBytesPerSecond=1x,2x');
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = r.stdout.trim().split('\n');
    const cols = header!.split(',');
    expect(cols.slice(0, 3)).toEqual(['parameter', 'value', 'device']);
    expect(cols).toContain('mlp_up_us');
    expect(lines).toHaveLength(2);
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, Number(v)])));
    // Decode streams the weights: the step must gain most of the bandwidth, the weight GEMMs with it.
    expect(rows[1]!.step_us! / rows[0]!.step_us!).toBeLessThan(0.8);
    expect(rows[1]!.mlp_up_us! / rows[0]!.mlp_up_us!).toBeLessThan(0.7);
    expect(rows[1]!.tokens_per_s!).toBeGreaterThan(rows[0]!.tokens_per_s!);
  });

  it('sweeps the batch (the throughput curve) and says where the weights and KV cache stop fitting', async () => {
    const parse = (stdout: string) => {
      const [header, ...lines] = stdout.trim().split('\n');
      const cols = header!.split(',');
      return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
    };
    const r = await cli(...base, '--vary', 'batch=1,8,64');
    expect(r.code, r.stderr).toBe(0);
    const rows = parse(r.stdout);
    expect(rows.map((x) => [x.parameter, x.value, x.batch])).toEqual([['batch', '1', '1'], ['batch', '8', '8'], ['batch', '64', '64']]);
    // Decode is weight-streaming bound: 64 sequences cost far less than 64 times one.
    expect(Number(rows[2]!.tokens_per_s)).toBeGreaterThan(10 * Number(rows[0]!.tokens_per_s));
    expect(Number(rows[2]!.memory_gb)).toBeGreaterThan(Number(rows[0]!.memory_gb));
    expect(rows.every((x) => x.fits === 'yes')).toBe(true);
    // The same step on a 16 GB device no longer fits.
    const small = parse((await cli(...base, '--vary', 'batch=8', '--set', 'memory.capacityBytes=1.6e10')).stdout);
    expect(small[0]!.fits).toBe('no');
    // The row of batch 8 matches the single run.
    const single = await cli(...base, '--json', '--trace-detail', 'none');
    expect(Number(rows[1]!.step_us)).toBe(Math.round(JSON.parse(single.stdout).llm.stepTimeNs) / 1000);
    // A value the step rejects fails before any point runs, naming it.
    const bad = await cli(...base, '--vary', 'tp=1,3');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--vary tp=3: --tp 3: expected a divisor of the model's heads/);
    expect(bad.stdout).toBe('');
  });

  it('matches the single run with --set at the same value', async () => {
    const single = await cli(...base, '--set', 'memory.bandwidthBytesPerSecond=4e12', '--json', '--trace-detail', 'none');
    const varied = await cli(...base, '--vary', 'memory.bandwidthBytesPerSecond=4e12');
    expect(single.code, single.stderr).toBe(0);
    const [header, line] = varied.stdout.trim().split('\n');
    const step = Number(line!.split(',')[header!.split(',').indexOf('step_us')]);
    expect(step).toBe(Math.round(JSON.parse(single.stdout).llm.stepTimeNs) / 1000);
  });

  it('--html charts tokens/s against the value; single-run outputs are refused, and --out without --vary', async () => {
    const html = join(tmp.dir, 'vary.html');
    const ok = await cli(...base, '--vary', 'sm.count=54,108', '--out', join(tmp.dir, 'vary.csv'), '--html', html);
    expect(ok.code, ok.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    const start = page.indexOf('>', page.indexOf('id="tw-data"')) + 1;
    const sweep = JSON.parse(page.slice(start, page.indexOf('</script>', start))).runs[0].sweep;
    expect(sweep.parameter).toBe('sm.count');
    expect(sweep.metric).toBe('tokens_per_s');
    expect(sweep.points.map((p: { value: number }) => p.value)).toEqual([54, 108]);
    const r = await cli(...base, '--vary', 'sm.count=100,108', '--trace', join(tmp.dir, 't.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--vary writes one CSV row per value \(and --html, its chart\); --trace is for a single run/);
    const o = await cli(...base, '--out', join(tmp.dir, 'x.csv'));
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/--out goes with --vary/);
  });
});

describe('tilewave sweep over several devices', () => {
  it('runs every point on each device in the order given, --vary multiples of each device\'s own value', async () => {
    const r = await cli('sweep', '--device', 'h100-80gb,a100-80gb', '--m', '16', '--n', '8192', '--k', '8192', '--vary', 'memory.bandwidthBytesPerSecond=1x,2x', '--quiet', '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map((f) => [f[2], Number(f[1])])).toEqual([
      ['h100-80gb', 3.35e12], ['h100-80gb', 6.7e12],
      ['a100-80gb', resolveDevice('a100-80gb').memory.bandwidthBytesPerSecond], ['a100-80gb', 2 * resolveDevice('a100-80gb').memory.bandwidthBytesPerSecond],
    ]);
  });

  it('refuses a repeated or empty device id, and an unknown one before running', async () => {
    for (const [device, message] of [['h100-80gb,h100-80gb', /several distinct ones/], ['h100-80gb,', /several distinct ones/], ['h100-80gb,tpu', /"tpu" is not a known preset/]] as const) {
      const r = await cli('sweep', '--device', device, '--m', '16', '--n', '1024:2048:1024', '--k', '1024', '--quiet');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('tilewave run --vary', () => {
  it('runs the scenario per value, with each op\'s time, and matches a single run at the same value', async () => {
    const r = await cli('run', 'examples/two-streams-a100.json', '--vary', 'memory.bandwidthBytesPerSecond=0.5x,1x', '--quiet', '--workers', '1');
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = r.stdout.trim().split('\n');
    const cols = header!.split(',');
    expect(cols.slice(0, 5)).toEqual(['parameter', 'value', 'device', 'scenario', 'time_us']);
    expect(cols.filter((c) => c.endsWith('_us')).length).toBeGreaterThan(2);
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
    // Half the bandwidth: the decode-sized GEMM (weight streaming) slows; nothing speeds up.
    expect(Number(rows[0]!.decode_mlp_us)).toBeGreaterThan(1.03 * Number(rows[1]!.decode_mlp_us));
    expect(Number(rows[0]!.time_us)).toBeGreaterThanOrEqual(Number(rows[1]!.time_us));
    const single = await cli('run', 'examples/two-streams-a100.json', '--json');
    expect(Number(rows[1]!.time_us)).toBe(Math.round(JSON.parse(single.stdout).simulatedTimeNs) / 1000);
  });

  it('refuses --json with --vary, naming it', async () => {
    const r = await cli('run', 'examples/two-streams-a100.json', '--vary', 'sm.count=54,108', '--json', '--summary', join(tmp.dir, 's.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--summary, --json are for a single run/);
    const field = await cli('run', 'examples/two-streams-a100.json', '--vary', 'workload.ops.0.m=64,128');
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(/--vary workload\.ops\.0\.m: a scenario field, not a device-spec field/);
  });
});
