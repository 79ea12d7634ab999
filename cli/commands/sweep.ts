import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { runScenario } from '../../devices/scenario.ts';
import { SWEEP_CSV_COLUMNS, gemmSweepPoints, sweepRow } from '../../devices/sweep.ts';
import { collect, parseSets, writeFileAtomic } from '../io.ts';
import { progress } from '../progress.ts';

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('sweep one GEMM dimension (e.g. --n 1024:8192:64) and write throughput per point as CSV')
    .requiredOption('--device <id>', 'device preset')
    .requiredOption('--m <m|a:b:s>', 'rows of A and C, or a range start:stop:step')
    .requiredOption('--n <n|a:b:s>', 'columns of B and C, or a range')
    .requiredOption('--k <k|a:b:s>', 'reduction dimension, or a range')
    .option('--batch <b|a:b:s>', 'batched GEMM count, or a range', '1')
    .option('--dtype <dtype>', 'fp16 | bf16 | fp8 | tf32 | fp32', 'fp16')
    .option('--set <path=value>', 'override a device-spec field (repeatable)', collect, [])
    .option('--out <file>', 'CSV output (default: stdout)')
    .option('--html <file>', 'write the sweep chart as a self-contained HTML report')
    .option('--quiet', 'no progress output')
    .action(async (opts) => {
      const deviceOverrides = Object.fromEntries(parseSets(opts.set));
      const { parameter, points } = gemmSweepPoints({ ...opts, deviceOverrides });
      const bar = progress('sweep', points.length, opts.quiet || !opts.out);
      const rows = points.map((point) => {
        const row = sweepRow(point, runScenario(point.scenario).summary);
        bar.tick();
        return row;
      });
      bar.stop();
      const csv = stringify(rows, { header: true, columns: [...SWEEP_CSV_COLUMNS] });
      if (opts.out) writeFileAtomic(opts.out, csv);
      else process.stdout.write(csv);
      if (opts.html) {
        const { writeReportHtml } = await import('../../viz/report.ts');
        const trace = {
          traceEvents: [],
          displayTimeUnit: 'ns' as const,
          otherData: {
            tilewave: {
              formatVersion: '1.0',
              kind: 'sweep',
              title: `GEMM sweep over ${parameter} on ${opts.device}`,
              tracks: [],
              sweep: { parameter, metric: 'tflops', points: rows.map((r) => ({ value: r.value, timeNs: Number(r.time_us) * 1000, tflops: r.tflops, tile: r.tile, splitK: r.split_k, waves: r.waves })) },
            },
          },
        };
        await writeReportHtml(opts.html, { traces: [trace] });
      }
      if (opts.out) process.stderr.write(`wrote ${points.length} points to ${opts.out}${opts.html ? ` and ${opts.html}` : ''}\n`);
    });
}
