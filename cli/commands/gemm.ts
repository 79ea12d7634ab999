import type { Command } from 'commander';
import { applySets, parseScenario, runScenario } from '../../devices/scenario.ts';
import { addOutputOptions, emitRun } from '../emit.ts';
import { collect, intOption, parseSets } from '../io.ts';

export function registerGemm(program: Command): void {
  const command = program
    .command('gemm')
    .description('simulate one GEMM C[m,n] = A[m,k]·B[k,n] on a device')
    .requiredOption('--device <id>', 'device preset (tilewave devices)')
    .requiredOption('--m <m>', 'rows of A and C', intOption('--m', 1))
    .requiredOption('--n <n>', 'columns of B and C', intOption('--n', 1))
    .requiredOption('--k <k>', 'reduction dimension', intOption('--k', 1))
    .option('--batch <b>', 'batched GEMM count', intOption('--batch', 1), 1)
    .option('--dtype <dtype>', 'fp16 | bf16 | fp8 | tf32 | fp32', 'fp16')
    .option('--tile <MxNxK>', 'force a tile config instead of the heuristic')
    .option('--split-k <s>', 'force a split-K factor', intOption('--split-k', 1))
    .option('--tail-split <s>', 'force the split of the last partial wave\'s tiles (1: none)', intOption('--tail-split', 1))
    .option('--set <path=value>', 'override a device-spec field (repeatable)', collect, []);
  addOutputOptions(command, 'auto')
    .action(async (opts) => {
      const op: Record<string, unknown> = { type: 'gemm', name: 'gemm', m: opts.m, n: opts.n, k: opts.k, batch: opts.batch, dtype: opts.dtype };
      if (opts.tile !== undefined) op.tile = opts.tile;
      if (opts.splitK !== undefined) op.splitK = opts.splitK;
      if (opts.tailSplit !== undefined) op.tailSplit = opts.tailSplit;
      const raw: Record<string, unknown> = {
        name: `gemm-${opts.m}x${opts.n}x${opts.k}-${opts.dtype}-${opts.device}`,
        device: opts.device,
        traceDetail: opts.traceDetail,
        workload: { ops: [op] },
      };
      applySets(raw, parseSets(opts.set));
      await emitRun(runScenario(parseScenario(raw, 'gemm')), opts);
    });
}
