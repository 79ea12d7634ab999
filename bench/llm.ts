/**
 * LLM step benchmark: wall time of simulating whole inference steps (every layer simulated, no
 * trace), the scenarios the transformer builder is held to: a Llama-2-70B decode step at batch 1
 * and 64 (80 layers, KV cache of 4096) under 1 s each, and a 4096-token prefill under 5 s.
 *
 *   npx tsx bench/llm.ts [device]
 */
import { pathToFileURL } from 'node:url';
import { simulateStep } from '../cli/commands/llm.ts';
import type { StepOptionsInput } from '../workloads/transformer/builder.ts';
import { loadModel } from '../workloads/transformer/config.ts';

export interface LlmBenchRow {
  name: string;
  device: string;
  /** Host wall time of the simulation (build, lower, run, summarise), ms. */
  wallMs: number;
  /** The target the wall time is held to, ms. */
  limitMs: number;
  simulatedStepMs: number;
  events: number;
}

interface Case {
  name: string;
  model: string;
  step: StepOptionsInput;
  limitMs: number;
}

const CASES: Case[] = [
  { name: 'llama2-70b decode b1 kv4096 (80 layers)', model: 'llama2-70b', step: { phase: 'decode', batch: 1, seq: 4096 }, limitMs: 1000 },
  { name: 'llama2-70b decode b64 kv4096 (80 layers)', model: 'llama2-70b', step: { phase: 'decode', batch: 64, seq: 4096 }, limitMs: 1000 },
  { name: 'llama2-70b prefill 4096 tokens (80 layers)', model: 'llama2-70b', step: { phase: 'prefill', batch: 1, seq: 4096 }, limitMs: 5000 },
];

export async function benchLlm(device = 'h100-80gb'): Promise<LlmBenchRow[]> {
  const rows: LlmBenchRow[] = [];
  // Warm-up (untimed): one layer of each case, so the JIT and lazily loaded modules are not
  // charged to the first case. A cold process adds about a second before its first step.
  for (const c of CASES) simulateStep(loadModel(c.model), { ...c.step, layers: 'one' }, { device, traceDetail: 'none' });
  for (const c of CASES) {
    const model = loadModel(c.model);
    const t0 = performance.now();
    const s = simulateStep(model, c.step, { device, traceDetail: 'none' });
    const wallMs = performance.now() - t0;
    rows.push({ name: c.name, device, wallMs, limitMs: c.limitMs, simulatedStepMs: s.stepTimeNs / 1e6, events: s.result.summary.eventCount });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const device = process.argv[2] ?? 'h100-80gb';
  const rows = await benchLlm(device);
  const w = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`LLM step benchmark on ${device} (wall time of the simulation)\n`);
  for (const r of rows) {
    const ok = r.wallMs <= r.limitMs ? 'ok' : 'OVER';
    process.stdout.write(`  ${r.name.padEnd(w)}  ${r.wallMs.toFixed(0).padStart(6)} ms (limit ${r.limitMs})  ${ok}  step ${r.simulatedStepMs.toFixed(2)} ms simulated, ${r.events} events\n`);
  }
}
