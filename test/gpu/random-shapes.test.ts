import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { presetIds, resolveDevice } from '../../devices/presets.ts';
import { BYTES_PER_ELEMENT, type Dtype } from '../../devices/gpu/spec.ts';

/**
 * Seeded random shapes over every preset and every dtype it has (log-uniform sizes from 1 to tens
 * of thousands, batches, GQA, causal): each must simulate to a finite time within the roofs. This
 * is what found tf32 GEMMs and head-dim-256 decode failing on ~100 KB-shared-memory SMs.
 */
function draw(seed: string) {
  const rng = seedrandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng() * a.length)]!;
  const logUniform = (max: number) => Math.max(1, Math.floor(Math.exp(rng() * Math.log(max))));
  return { rng, pick, logUniform };
}

function run(device: string, op: Record<string, unknown>) {
  return runScenario(parseScenario({ name: 'random', device, workload: { ops: [op] } })).summary;
}

describe('random shapes on every preset', () => {
  it('GEMMs: finite, never faster than the roofs, never absurdly slower', () => {
    const { pick, logUniform, rng } = draw('gemm');
    for (let i = 0; i < 150; i++) {
      const device = pick(presetIds());
      const spec = resolveDevice(device);
      const rates = spec.tensor.flopsPerSecond as Record<string, number>;
      const dtype = pick(Object.keys(rates)) as Dtype;
      const [m, n, k] = [logUniform(40000), logUniform(40000), logUniform(40000)];
      const batch = rng() < 0.2 ? 1 + Math.floor(rng() * 8) : 1;
      const label = `${device} ${dtype} ${m}x${n}x${k} batch ${batch}`;
      const t = run(device, { type: 'gemm', m, n, k, batch, dtype }).simulatedTimeNs;
      const roofNs = Math.max(((2 * m * n * k * batch) / rates[dtype]!) * 1e9, ((batch * (m * k + k * n + m * n) * BYTES_PER_ELEMENT[dtype]) / spec.memory.bandwidthBytesPerSecond) * 1e9);
      expect(Number.isFinite(t), label).toBe(true);
      expect(t, label).toBeGreaterThan(roofNs);
      expect(t, label).toBeLessThan(20 * roofNs + 100_000);
    }
  });

  it('attention (every impl, GQA, causal, decode and prefill): finite and positive', () => {
    const { pick, logUniform, rng } = draw('attention');
    for (let i = 0; i < 80; i++) {
      const device = pick(presetIds());
      const spec = resolveDevice(device);
      // 2-byte dtypes: what FlashAttention kernels run in.
      const dtype = pick(['fp16', 'bf16']);
      const heads = pick([1, 8, 32, 64]);
      const op = {
        type: 'attention', impl: pick(['auto', 'flash2', 'standard', 'split-kv']), batch: logUniform(32), heads, kvHeads: pick([1, heads]),
        seqQ: logUniform(8192), seqKv: logUniform(16384), headDim: pick([64, 96, 128, 256]), causal: rng() < 0.5, dtype,
      };
      const summary = run(device, op);
      expect(Number.isFinite(summary.simulatedTimeNs) && summary.simulatedTimeNs > 0, `${spec.id} ${JSON.stringify(op)}`).toBe(true);
      expect(JSON.stringify(summary)).not.toMatch(/NaN|Infinity/);
    }
  });
});
