/**
 * The NeuPIMs comparison (Heo et al., ASPLOS 2024) as LLM decode steps of one device: the GPU, the
 * NPU alone, NPU + PIM with single (blocked) or dual row buffers, each with and without two
 * sub-batches (`llm --nano-batches 2`). The NPU systems are the `neupims` preset (the published
 * configuration); with --tp > 1 their collectives cross a link the configuration does not give,
 * so it is an argument (default 300 GB/s one way, 2 µs a ring step). Prints a markdown table with
 * each system's speed relative to the blocked NPU + PIM and the published ratios beside them.
 *
 *   npx tsx scripts/neupims-table.ts [--model gpt3-6.7b] [--batch 512] [--seq 256] [--seq-min S]
 *       [--tp 4] [--gpu a100-80gb] [--link-gbps 300] [--link-latency-ns 2000] [--placement min-load]
 */
import { pathToFileURL } from 'node:url';
import { simulateStep } from '../cli/commands/llm.ts';
import { loadModel } from '../workloads/transformer/config.ts';

export interface NeuPimsSetup {
  model: string;
  batch: number;
  seq: number;
  /** Each sequence's cache drawn from seqMin to seq (`llm --seq-min`), or all seq. */
  seqMin?: number;
  tp: number;
  /** One-way link bandwidth (bytes/s) and ring-step latency (ns) of the NPU systems, for tp > 1. */
  link: { bandwidthBytesPerSecond: number; latencyNs: number };
  gpu: string;
  /** KV caches to PIM channels (the preset's round-robin when unset). */
  placement?: 'round-robin' | 'min-load';
}

export interface NeuPimsRow {
  system: string;
  stepNs: number;
  /** Whether the weights and the KV cache of the batch fit the device's memory. */
  fits: boolean;
}

/** The systems NeuPIMs compares: name, device kind, --set pairs, nano-batches. */
const SYSTEMS: [string, 'gpu' | 'npu', [string, unknown][], number][] = [
  ['GPU', 'gpu', [], 1],
  ['NPU only', 'npu', [['pim', null]], 1],
  ['NPU + PIM, blocked', 'npu', [['pim.rowBuffers', 'single']], 1],
  ['NPU + PIM, dual row buffers', 'npu', [], 1],
  ['NPU + PIM, blocked, 2 sub-batches', 'npu', [['pim.rowBuffers', 'single']], 2],
  ['NeuPIMs: dual row buffers, 2 sub-batches', 'npu', [], 2],
];

export function neuPimsStudy(s: NeuPimsSetup): NeuPimsRow[] {
  const model = loadModel(s.model);
  return SYSTEMS.map(([system, kind, sets, nanoBatches]) => {
    const link: [string, unknown][] = kind === 'gpu' || s.tp === 1 ? [] : [['interconnect.bandwidthBytesPerSecond', s.link.bandwidthBytesPerSecond], ['interconnect.latencyNs', s.link.latencyNs]];
    const r = simulateStep(model, { phase: 'decode', batch: s.batch, seq: s.seq, ...(s.seqMin !== undefined ? { seqMin: s.seqMin } : {}), tp: s.tp, nanoBatches, logits: 'last' }, { device: kind === 'gpu' ? s.gpu : 'neupims', traceDetail: 'none', sets: [...sets, ...link, ...(kind === 'npu' && s.placement !== undefined && !sets.some(([path]) => path === 'pim') ? [['pim.placement', s.placement] as [string, unknown]] : [])] });
    return { system, stepNs: r.stepTimeNs, fits: r.step.memory.weightBytes + r.step.memory.kvCacheBytes <= r.result.spec.memory.capacityBytes };
  });
}

/** NeuPIMs' published throughput gains: over the GPU, the NPU alone, and blocked NPU + PIM. */
const PUBLISHED: Record<string, number> = { GPU: 3, 'NPU only': 2.4, 'NPU + PIM, blocked': 1.6 };

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string) => {
    const i = args.lastIndexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  const num = (name: string, fallback: number) => {
    const x = Number(arg(name, String(fallback)));
    if (!(x > 0)) {
      process.stderr.write(`neupims-table: ${name} = ${JSON.stringify(arg(name, ''))}: expected a number > 0\n`);
      process.exit(2);
    }
    return x;
  };
  const setup: NeuPimsSetup = {
    model: arg('--model', 'gpt3-6.7b'),
    batch: num('--batch', 512),
    seq: num('--seq', 256),
    tp: num('--tp', 4),
    link: { bandwidthBytesPerSecond: num('--link-gbps', 300) * 1e9, latencyNs: num('--link-latency-ns', 2000) },
    gpu: arg('--gpu', 'a100-80gb'),
    ...(args.includes('--seq-min') ? { seqMin: num('--seq-min', 1) } : {}),
    ...(args.includes('--placement') ? { placement: arg('--placement', 'round-robin') as 'round-robin' | 'min-load' } : {}),
  };
  const rows = neuPimsStudy(setup);
  const neupims = rows[rows.length - 1]!.stepNs;
  const out = [
    `${setup.model} decode, batch ${setup.batch}, ${setup.seqMin !== undefined ? `${setup.seqMin} to ` : ''}${setup.seq} cached tokens${setup.placement !== undefined ? ` (${setup.placement} placement)` : ''}, tp ${setup.tp}${setup.tp > 1 ? ` (NPU link ${setup.link.bandwidthBytesPerSecond / 1e9} GB/s, ${setup.link.latencyNs} ns a step)` : ''}, one device's step:`,
    '',
    '| system | step | NeuPIMs speedup | published |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.system}${r.system === 'GPU' ? ` (${setup.gpu})` : ''} | ${(r.stepNs / 1e6).toFixed(2)} ms${r.fits ? '' : ' (does not fit)'} | ${(r.stepNs / neupims).toFixed(2)}x | ${PUBLISHED[r.system] !== undefined ? `${PUBLISHED[r.system]}x` : ''} |`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
