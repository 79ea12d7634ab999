import type { Command } from 'commander';
import { candidateLabel, gemmCandidates, type GemmCandidates } from '../../devices/gpu/gemm-candidates.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { withNamedKernel, type KernelFields } from '../../devices/validation/kernel-names.ts';
import { applySets, parseScenario, runScenario, type Scenario } from '../../devices/scenario.ts';
import { InputError } from '../../sim/index.ts';
import { gemmFlops, type GemmOp } from '../../workloads/ops.ts';
import { UsageError } from '../errors.ts';
import { addOutputOptions, emitRun } from '../emit.ts';
import { formatDuration, table } from '../format.ts';
import { collect, fractionOption, intOption, parseSets, toJson } from '../io.ts';

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
    .option('--out-dtype <dtype>', "element type of C when it differs from the operands' (an fp8 product writing bf16)")
    .option('--a-zero-fraction <f>', "share of A's elements that are zero (0..1, default 0): zero operands draw less power, so a power-limited part runs faster", fractionOption('--a-zero-fraction'))
    .option('--tile <MxNxK>', 'force a tile config instead of the heuristic')
    .option('--kernel <name>', "force the tile a library kernel's name says (cuBLAS / CUTLASS, as a profiler shows it for a row-major product)")
    .option('--stages <s>', 'pipeline stages of the forced tile (with --tile or --kernel)', intOption('--stages', 1))
    .option('--split-k <s>', 'force a split-K factor', intOption('--split-k', 1))
    .option('--tail-split <s>', 'force the split of the last partial wave\'s tiles (1: none)', intOption('--tail-split', 1))
    .option('--set <path=value>', 'override a device-spec field (repeatable)', collect, [])
    .option('--reduce-scatter <ranks>', 'reduce-scatter the output over a ring of this many devices (a row-parallel layer)', intOption('--reduce-scatter', 2))
    .option('--all-gather <ranks>', "gather A's rows from a ring of this many devices first (a column-parallel layer under sequence parallelism)", intOption('--all-gather', 2))
    .option('--overlap <mode>', 'with --reduce-scatter / --all-gather: none (the collective before or after the GEMM) | tile (chunks sent as tiles land, tiles started as their rows arrive)')
    .option('--reduction <where>', 'with --reduce-scatter: sm | near-memory (where received chunks are added)')
    .option('--candidates', "simulate every kernel config the heuristic weighs and list them, fastest first (text, or JSON with --json)");
  addOutputOptions(command, 'auto')
    .action(async (opts) => {
      const op: Record<string, unknown> = { type: 'gemm', name: 'gemm', m: opts.m, n: opts.n, k: opts.k, batch: opts.batch, dtype: opts.dtype };
      if (opts.outDtype !== undefined) op.outDtype = opts.outDtype;
      if (opts.aZeroFraction !== undefined) op.aZeroFraction = opts.aZeroFraction;
      const overlap = opts.overlap !== undefined ? { overlap: opts.overlap } : {};
      if (opts.reduceScatter !== undefined) {
        op.reduceScatter = { ranks: opts.reduceScatter, ...overlap, ...(opts.reduction !== undefined ? { reduction: opts.reduction } : {}) };
      } else if (opts.reduction !== undefined) {
        throw new UsageError('--reduction applies to a reduce-scatter: give --reduce-scatter RANKS too');
      }
      if (opts.allGather !== undefined) op.allGather = { ranks: opts.allGather, ...overlap };
      if (opts.overlap !== undefined && opts.reduceScatter === undefined && opts.allGather === undefined) {
        throw new UsageError('--overlap applies to a collective: give --reduce-scatter RANKS or --all-gather RANKS too');
      }
      if (opts.tile !== undefined && opts.kernel !== undefined) throw new UsageError('--tile and --kernel both name the tile: give one');
      const given: KernelFields = { tile: opts.tile, stages: opts.stages, splitK: opts.splitK, tailSplit: opts.tailSplit };
      // A name that does not split K inside the kernel ran unsplit (no split-K, no tail split); flags win.
      const fields = opts.kernel === undefined ? given : withNamedKernel(given, opts.kernel);
      if (fields === null) throw new UsageError(`--kernel = ${JSON.stringify(opts.kernel)}: no tile in this name (expected a cuBLAS or CUTLASS GEMM kernel name such as ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn)`);
      for (const [key, value] of Object.entries(fields)) if (value !== undefined) op[key] = value;
      const raw: Record<string, unknown> = {
        name: `gemm-${opts.m}x${opts.n}x${opts.k}-${opts.dtype}-${opts.device}`,
        device: opts.device,
        traceDetail: opts.traceDetail,
        workload: { ops: [op] },
      };
      applySets(raw, parseSets(opts.set));
      const scenario = parseScenario(raw, 'gemm');
      if (opts.candidates) {
        const files = ['trace', 'summary', 'html', 'timing'].filter((f) => opts[f] !== undefined);
        if (opts.reduceScatter !== undefined || opts.allGather !== undefined) throw new UsageError(`--candidates lists the GEMM's kernel configs only; it does not combine with --${opts.reduceScatter !== undefined ? 'reduce-scatter' : 'all-gather'}`);
        if (files.length > 0) throw new UsageError(`--candidates lists kernel configs only; it does not combine with --${files.join(', --')} (run without --candidates for those)`);
        emitCandidates(scenario, opts.json === true);
        return;
      }
      await emitRun(runScenario(scenario), opts);
    });
}

function emitCandidates(scenario: Scenario, json: boolean): void {
  const spec = resolveDevice(scenario.device, scenario.deviceOverrides);
  const op = scenario.workload.ops[0] as GemmOp;
  let result: GemmCandidates;
  try {
    result = gemmCandidates(spec, op);
  } catch (error) {
    throw new InputError(`gemm: ${(error as Error).message}`);
  }
  const flops = gemmFlops(op);
  if (json) {
    const round = (x: number) => Math.round(x * 1000) / 1000;
    process.stdout.write(toJson({
      schema: 'tilewave.gemm-candidates',
      scenario: scenario.name,
      device: spec.id,
      op: { m: op.m, n: op.n, k: op.k, batch: op.batch, dtype: op.dtype, ...(op.outDtype !== undefined ? { outDtype: op.outDtype } : {}) },
      candidates: result.candidates.map((c) => ({ ...c, estimatedUs: round(c.estimatedUs), simulatedUs: round(c.simulatedUs), achievedFlopsPerSecond: Math.round(flops / (c.simulatedUs * 1e-6)) })),
      omitted: result.omitted,
    }));
    return;
  }
  const pick = result.candidates.find((c) => c.chosen);
  const lines = [`${scenario.name} on ${spec.name} (${spec.id}): ${result.candidates.length} kernel configs, fastest simulated first; * marks the heuristic's pick`, ''];
  lines.push(table(
    ['config', 'time', 'TFLOP/s', 'vs pick', 'estimate', 'stages', 'warps', 'work items', 'waves'],
    result.candidates.map((c) => [
      `${c.chosen ? '* ' : '  '}${candidateLabel(c)}`,
      formatDuration(c.simulatedUs * 1e3),
      (flops / (c.simulatedUs * 1e-6) / 1e12).toFixed(1),
      pick === undefined ? '' : `${c.simulatedUs >= pick.simulatedUs ? '+' : ''}${((c.simulatedUs / pick.simulatedUs - 1) * 100).toFixed(1)}%`,
      formatDuration(c.estimatedUs * 1e3),
      String(c.stages), String(c.warps), String(c.workItems), c.waves.toFixed(2),
    ]),
  ));
  if (result.omitted > 0) lines.push('', `${result.omitted} configs not simulated: their grids exceed the per-kernel work-item limit`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
