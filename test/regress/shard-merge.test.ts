import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShard, shardItems } from '../../regress/shard.ts';
import { cli, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
const p = (name: string) => join(tmp.dir, name);

// 13 points: not a multiple of the shard counts used, so the shards have unequal sizes.
const SWEEP = ['sweep', '--device', 'a100-80gb', '--m', '512', '--n', '128:1664:128', '--k', '512', '--quiet'];

describe('shards', () => {
  it('parses I/N and rejects the rest', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '-1/2']) expect(() => parseShard(bad)).toThrow(/expected I\/N with 1 <= I <= N/);
  });

  it('covers every item exactly once across the shards, whatever N', () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    for (const count of [1, 2, 3, 7, 23, 40]) {
      const seen = Array.from({ length: count }, (_, i) => shardItems(items, { index: i + 1, count }).map((s) => s.index)).flat();
      expect(seen.sort((a, b) => a - b)).toEqual(items);
    }
  });
});

describe('parallel and sharded sweeps', () => {
  beforeAll(async () => {
    for (const args of [
      ['--workers', '1', '--out', p('w1.csv'), '--summary-dir', p('full')],
      ['--workers', '2', '--out', p('w2.csv')],
      ...[1, 2, 3].map((i) => ['--workers', '1', '--shard', `${i}/3`, '--out', p(`shard${i}.csv`), '--summary-dir', p(`sum${i}`)]),
    ]) {
      const r = await cli(...SWEEP, ...args);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('writes byte-identical CSV on 1 and 2 workers', () => {
    const one = readFileSync(p('w1.csv'), 'utf8');
    expect(one.split('\n')[0]).toBe('parameter,value,device,dtype,m,n,k,batch,time_us,tflops,dram_gbps,tile,split_k,tail_split,ctas,waves');
    expect(one.trim().split('\n')).toHaveLength(14);
    expect(readFileSync(p('w2.csv'), 'utf8')).toBe(one);
  });

  it('shard CSVs carry shard and point columns', () => {
    const lines = readFileSync(p('shard2.csv'), 'utf8').trim().split('\n');
    expect(lines[0]!.startsWith('shard,point,parameter,')).toBe(true);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['2/3,1', '2/3,4', '2/3,7', '2/3,10']);
  });

  it('merge of the shards equals the unsharded CSV byte for byte, in any input order', async () => {
    const r = await cli('merge', p('shard3.csv'), p('shard1.csv'), p('shard2.csv'), '--out', p('merged.csv'));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(p('merged.csv'), 'utf8')).toBe(readFileSync(p('w1.csv'), 'utf8'));
    const toStdout = await cli('merge', p('shard1.csv'), p('shard2.csv'), p('shard3.csv'));
    expect(toStdout.stdout).toBe(readFileSync(p('w1.csv'), 'utf8'));
  });

  it('merge of the summary directories equals the unsharded one', async () => {
    const r = await cli('merge', p('sum1'), p('sum2'), p('sum3'), '--out', p('sum-merged'));
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync(p('full')).sort();
    expect(names).toHaveLength(13);
    expect(readdirSync(p('sum-merged')).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(p('sum-merged'), n), 'utf8')).toBe(readFileSync(join(p('full'), n), 'utf8'));
  });

  it('a shard with no points still counts, so more shards than points merge too', async () => {
    const small = ['sweep', '--device', 'a40', '--m', '256', '--n', '256:512:256', '--k', '256', '--quiet'];
    expect((await cli(...small, '--out', p('small.csv'))).code).toBe(0);
    for (const i of [1, 2, 3]) expect((await cli(...small, '--shard', `${i}/3`, '--out', p(`small${i}.csv`))).code).toBe(0);
    expect(readFileSync(p('small3.csv'), 'utf8').trim().split('\n')).toHaveLength(1);
    const r = await cli('merge', p('small1.csv'), p('small2.csv'), p('small3.csv'));
    expect(r.stdout).toBe(readFileSync(p('small.csv'), 'utf8'));
  });

  it('refuses a missing, repeated or foreign shard with exit 2', async () => {
    let r = await cli('merge', p('shard1.csv'), p('shard2.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('2 inputs for a sweep of 3 shards (no rows from shard 3)');
    r = await cli('merge', p('shard1.csv'), p('shard1.csv'), p('shard2.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shard 1\/3 given twice/);
    r = await cli('merge', p('w1.csv'), p('shard1.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a shard CSV whose columns start with shard,point/);
    const truncated = readFileSync(p('shard2.csv'), 'utf8').trim().split('\n').slice(0, -1).join('\n') + '\n';
    writeFileSync(p('shard2-cut.csv'), truncated);
    r = await cli('merge', p('shard1.csv'), p('shard2-cut.csv'), p('shard3.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/point 10 is missing/);
    r = await cli('merge', p('sum1'), p('shard1.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a mix/);
  });

  it('reports progress as plain lines when stderr is not a terminal', async () => {
    const r = await cli(...SWEEP.filter((a) => a !== '--quiet'), '--workers', '1', '--out', p('progress.csv'));
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^sweep: \d+\/13 \(\d+%\)$/);
    expect(lines).toContain('sweep: 13/13 (100%)');
    expect(lines.at(-1)).toBe(`wrote 13 points to ${p('progress.csv')}`);
  });

  it('rejects a bad --shard with exit 2', async () => {
    const r = await cli(...SWEEP, '--shard', '4/3');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shard "4/3": expected I/N with 1 <= I <= N');
  });
});
