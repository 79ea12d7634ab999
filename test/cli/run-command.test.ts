import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs');

function tilewave(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw-cli-'));
});

describe('tilewave run: determinism', () => {
  it('the bundled CLI (dist/, when built and fresh) writes the same bytes as the sources', () => {
    const envs: Record<string, string>[] = [{}, { TILEWAVE_FROM_SOURCE: '1' }];
    const outs = envs.map((env, i) => {
      const trace = join(dir, `b${i}.json`);
      const summary = join(dir, `bs${i}.json`);
      const r = tilewave(['run', 'examples/two-streams-a100.json', '--trace', trace, '--summary', summary], env);
      expect(r.code, r.stderr).toBe(0);
      const json = tilewave(['gemm', '--device', 'a40', '--m', '333', '--n', '2048', '--k', '4096', '--json'], env);
      // Worker threads too (dist/scenario-worker.mjs or the source).
      const sweep = tilewave(['sweep', '--device', 'h100-80gb', '--m', '640', '--n', '1024:4096:1024', '--k', '4096', '--workers', '2', '--quiet'], env);
      expect(sweep.code, sweep.stderr).toBe(0);
      return [readFileSync(trace), readFileSync(summary), Buffer.from(json.stdout), Buffer.from(sweep.stdout)];
    });
    for (let k = 0; k < 4; k++) expect(outs[0]![k]!.equals(outs[1]![k]!)).toBe(true);
  });

  it('writes byte-identical trace and summary for the same scenario and seed', () => {
    const outs = [0, 1].map((i) => {
      const trace = join(dir, `t${i}.json`);
      const summary = join(dir, `s${i}.json`);
      const r = tilewave(['run', 'examples/two-streams-a100.json', '--trace', trace, '--summary', summary, '--seed', '7']);
      expect(r.code, r.stderr).toBe(0);
      return [readFileSync(trace), readFileSync(summary)];
    });
    expect(outs[0]![0]!.equals(outs[1]![0]!)).toBe(true);
    expect(outs[0]![1]!.equals(outs[1]![1]!)).toBe(true);
    const summary = JSON.parse(outs[0]![1]!.toString());
    expect(summary.seed).toBe(7);
    expect(summary.performance).toBeUndefined();
    const trace = JSON.parse(outs[0]![0]!.toString());
    expect(Array.isArray(trace.traceEvents)).toBe(true);
  });

  it('--json prints the summary; --set changes the device for a what-if', () => {
    const base = JSON.parse(tilewave(['gemm', '--device', 'h100-80gb', '--m', '16', '--n', '8192', '--k', '8192', '--json']).stdout);
    const fast = JSON.parse(tilewave(['gemm', '--device', 'h100-80gb', '--m', '16', '--n', '8192', '--k', '8192', '--json', '--set', 'memory.bandwidthBytesPerSecond=6.7e12']).stdout);
    expect(fast.device.memoryBandwidthBytesPerSecond).toBe(6.7e12);
    expect(fast.simulatedTimeNs).toBeLessThan(base.simulatedTimeNs);
  });

  it('gemm --reduce-scatter: the tile-triggered reduce-scatter hides most of the sequential one', () => {
    const args = ['gemm', '--device', 'h100-80gb', '--m', '4096', '--n', '8192', '--k', '2048', '--reduce-scatter', '8', '--json'];
    const seq = JSON.parse(tilewave(args).stdout).ops[0];
    const t3 = JSON.parse(tilewave([...args, '--overlap', 'tile', '--reduction', 'near-memory']).stdout).ops[0];
    expect(seq.details.reduceScatter).toMatchObject({ ranks: 8, overlap: 'none', reduction: 'sm' });
    expect(t3.details.reduceScatter).toMatchObject({ ranks: 8, overlap: 'tile', reduction: 'near-memory' });
    expect(t3.details.reduceScatter.exposedNs).toBeLessThan(seq.details.reduceScatter.exposedNs / 4);
    expect(t3.durationNs).toBeLessThan(seq.durationNs);
    const text = tilewave([...args.filter((a) => a !== '--json'), '--overlap', 'tile']);
    expect(text.stdout).toMatch(/gemm: reduce-scatter of 67\.11MB over 8 ranks \(tile-triggered, first chunk sent .* after launch; adds on the SMs\): .* exposed after the GEMM's output/);
  });
});

describe('tilewave: bad input is one clear line and exit code 2, no output files', () => {
  const cases: [string, unknown, RegExp][] = [
    ['negative dimension', { name: 'x', device: 'a100-80gb', workload: { ops: [{ type: 'gemm', m: -4, n: 8, k: 8 }] } }, /workload\.ops\.0\.m.*-4.*integer >= 1/],
    ['unknown device', { name: 'x', device: 'tpu-v9', workload: { ops: [{ type: 'gemm', m: 4, n: 8, k: 8 }] } }, /tpu-v9/],
    ['unknown op type', { name: 'x', device: 'a100-80gb', workload: { ops: [{ type: 'conv', m: 4 }] } }, /workload\.ops\.0/],
    ['unknown field', { name: 'x', device: 'a100-80gb', colour: 'red', workload: { ops: [{ type: 'gemm', m: 4, n: 8, k: 8 }] } }, /colour/],
    // Past MAX_WORK_ITEMS a kernel would take minutes and gigabytes: refused up front, not a hang.
    ['a kernel too large to simulate', { name: 'x', device: 'h100-80gb', workload: { ops: [{ type: 'gemm', m: 4096, n: 4096, k: 4096, batch: 10000 }] } }, /batch = 10000.*5,120,000 work items.*at most 2,097,152/],
    ['a zero tile dimension', { name: 'x', device: 'h100-80gb', workload: { ops: [{ type: 'gemm', m: 64, n: 64, k: 64, tile: '0x128x64' }] } }, /workload\.ops\.0\.tile.*0x128x64.*positive integers/],
    ['bad dependency', { name: 'x', device: 'a100-80gb', workload: { ops: [{ type: 'gemm', m: 4, n: 8, k: 8, after: ['nope'] }] } }, /after.*nope/],
    ['a bad reduce-scatter overlap', { name: 'x', device: 'h100-80gb', workload: { ops: [{ type: 'gemm', m: 64, n: 64, k: 64, reduceScatter: { ranks: 8, overlap: 'eager' } }] } }, /workload\.ops\.0\.reduceScatter\.overlap.*eager.*"none".*"tile"/],
  ];
  for (const [what, scenario, message] of cases) {
    it(what, () => {
      const file = join(dir, `${what.replace(/ /g, '-')}.json`);
      writeFileSync(file, JSON.stringify(scenario));
      const trace = join(dir, `${what}.trace.json`);
      const r = tilewave(['run', file, '--trace', trace, '--summary', `${trace}.summary`]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(trace)).toBe(false);
    });
  }

  it('malformed JSON, a missing file, a bad --set value and an unknown flag', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"name": "x", ');
    const rs = ['gemm', '--device', 'h100-80gb', '--m', '64', '--n', '64', '--k', '64'];
    for (const args of [[...rs, '--overlap', 'tile'], [...rs, '--reduce-scatter', '1'], [...rs, '--reduce-scatter', '8', '--reduction', 'dram']]) {
      const r = tilewave(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/reduce-scatter|reduction/);
    }
    for (const args of [['run', file], ['run', join(dir, 'missing.json')], ['gemm', '--device', 'a100-80gb', '--m', '1', '--n', '1', '--k', '1', '--set', 'memory.bandwidthBytesPerSecond=fast'], ['gemm', '--frobnicate']]) {
      const r = tilewave(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });
});
