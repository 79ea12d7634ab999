import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { mergeShardCsv, mergeSummaryDirs } from '../../regress/merge.ts';
import { UsageError } from '../errors.ts';
import { writeFileAtomic } from '../io.ts';

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new UsageError(`merge: "${path}": file or directory not found`);
  }
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description("join the shards of a sweep (tilewave sweep --shard I/N): their CSVs into the unsharded CSV, or their --summary-dir directories into one")
    .argument('<inputs...>', 'every shard CSV, or every shard summary directory')
    .option('--out <path>', 'merged CSV file (default: stdout), or the directory for merged summaries (required for directories)')
    .action((inputs: string[], opts) => {
      const dirs = inputs.map(isDir);
      if (dirs.some((d) => d !== dirs[0])) throw new UsageError('merge: expected all inputs to be shard CSV files or all to be summary directories, not a mix');
      if (dirs[0]) {
        if (!opts.out) throw new UsageError('merge: --out <dir> is required when merging summary directories');
        const files = mergeSummaryDirs(inputs);
        for (const f of files) writeFileAtomic(join(opts.out, f.path), f.text);
        process.stderr.write(`merged ${files.length} summaries from ${inputs.length} directories into ${opts.out}\n`);
        return;
      }
      const csv = mergeShardCsv(inputs.map((path) => ({ path, text: readFileSync(path, 'utf8') })));
      if (opts.out) {
        writeFileAtomic(opts.out, csv);
        process.stderr.write(`merged ${inputs.length} shards into ${opts.out}\n`);
      } else process.stdout.write(csv);
    });
}
