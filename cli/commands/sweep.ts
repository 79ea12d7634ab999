import { join } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { SWEEP_CSV_COLUMNS, gemmSweepPoints, sweepRow } from '../../devices/sweep.ts';
import { summaryFileName } from '../../regress/files.ts';
import { runScenarios, summaryOf } from '../../regress/parallel.ts';
import { SHARD_CSV_COLUMNS, formatShard, parseShard, shardItems } from '../../regress/shard.ts';
import { collect, intOption, parseSets, toJson, writeFileAtomic } from '../io.ts';
import { progress } from '../progress.ts';
import { sweepChartTrace } from '../vary-output.ts';
import { defaultWorkers } from '../workers/pool.ts';

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('sweep one GEMM dimension (e.g. --n 1024:8192:64) or one device field (--vary) and write throughput per point as CSV')
    .requiredOption('--device <id>', 'device preset, or several separated by commas (one series each)')
    .requiredOption('--m <m|a:b:s>', 'rows of A and C, or a range start:stop:step')
    .requiredOption('--n <n|a:b:s>', 'columns of B and C, or a range')
    .requiredOption('--k <k|a:b:s>', 'reduction dimension, or a range')
    .option('--batch <b|a:b:s>', 'batched GEMM count, or a range', '1')
    .option('--dtype <dtype>', 'fp16 | bf16 | fp8 | tf32 | fp32', 'fp16')
    .option('--set <path=value>', 'override a device-spec field (repeatable)', collect, [])
    .option('--vary <path=values>', 'sweep a device-spec field instead of a dimension: a list (2e12,3.35e12) or start:stop:step, or multiples of the preset value (1x,2x,4x or 0.5x:3x:0.5x)')
    .option('--out <file>', 'CSV output (default: stdout)')
    .option('--html <file>', 'write the sweep chart as a self-contained HTML report')
    .option('--summary-dir <dir>', "also write each point's run summary JSON into this directory")
    .option('--workers <n>', 'worker threads (default: all cores)', intOption('--workers', 1))
    .option('--shard <I/N>', 'run only slice I of N (1-based; for job arrays); the CSV gains shard and point columns for tilewave merge')
    .option('--quiet', 'no progress output')
    .action(async (opts) => {
      const deviceOverrides = Object.fromEntries(parseSets(opts.set));
      const { parameter, points } = gemmSweepPoints({ ...opts, deviceOverrides });
      const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
      const selected = shardItems(points, shard);
      const bar = progress(shard ? `sweep ${formatShard(shard)}` : 'sweep', selected.length, opts.quiet || !opts.out);
      const outcomes = await runScenarios(selected.map((s) => s.item.scenario), { workers: opts.workers ?? defaultWorkers(), onResult: () => bar.tick() });
      bar.stop();
      const summaries = outcomes.map(summaryOf);
      const rows = selected.map((s, i) => sweepRow(s.item, summaries[i]!));
      // A shard's rows carry their place in the full sweep, so merge can restore the unsharded order.
      const csv = shard === undefined
        ? stringify(rows, { header: true, columns: [...SWEEP_CSV_COLUMNS] })
        : stringify(rows.map((r, i) => ({ shard: formatShard(shard), point: selected[i]!.index, ...r })), { header: true, columns: [...SHARD_CSV_COLUMNS, ...SWEEP_CSV_COLUMNS] });
      if (opts.out) writeFileAtomic(opts.out, csv);
      else process.stdout.write(csv);
      if (opts.summaryDir) summaries.forEach((s) => writeFileAtomic(join(opts.summaryDir, summaryFileName(s.scenario)), toJson(s)));
      if (opts.html) {
        const { writeReportHtml } = await import('../../viz/report.ts');
        const multiDevice = opts.device.includes(',');
        const title = `GEMM sweep over ${parameter} on ${opts.device.split(',').join(', ')}${opts.vary ? `, ${opts.m}x${opts.n}x${opts.k}` : ''}${shard ? ` (shard ${formatShard(shard)})` : ''}`;
        const points = rows.map((r) => ({ value: r.value, ...(multiDevice ? { series: r.device } : {}), timeNs: Number(r.time_us) * 1000, tflops: r.tflops, tile: r.tile, splitK: r.split_k, waves: r.waves }));
        await writeReportHtml(opts.html, { traces: [sweepChartTrace(title, parameter, 'tflops', points)] });
      }
      if (opts.out) {
        const also = [opts.html, opts.summaryDir && `${opts.summaryDir}/`].filter(Boolean);
        process.stderr.write(`wrote ${selected.length} points${shard ? ` (shard ${formatShard(shard)} of ${points.length})` : ''} to ${opts.out}${also.length ? ` and ${also.join(' and ')}` : ''}\n`);
      }
    });
}
