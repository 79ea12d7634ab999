/**
 * FlashAttention-2 forward TFLOP/s by sequence length, in the setting of the FlashAttention-2
 * paper's benchmarks (batch x seq = 16k tokens, hidden 2048 = heads x head dim, fp16), and the
 * flash vs standard attention traffic and time ratio. Prints markdown tables.
 *
 *   npx tsx scripts/fa2-table.ts [device...]
 */
import { parseScenario, runScenario } from '../devices/scenario.ts';

const devices = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['a100-80gb', 'h100-80gb'];
const seqs = [512, 1024, 2048, 4096, 8192, 16384];

function attention(device: string, seq: number, headDim: number, causal: boolean, impl: 'flash2' | 'standard', batch = 16384 / seq) {
  const heads = 2048 / headDim;
  const op = { type: 'attention', impl, batch, heads, kvHeads: heads, seqQ: seq, seqKv: seq, headDim, causal };
  const s = runScenario(parseScenario({ name: 'fa2', device, traceDetail: 'none', workload: { ops: [op] } })).summary;
  // FLOPs as the paper counts them: 4 * seq^2 * headDim * heads * batch, halved when causal.
  const flops = (4 * seq * seq * headDim * heads * batch) / (causal ? 2 : 1);
  return { tflops: flops / s.simulatedTimeNs / 1e3, ns: s.simulatedTimeNs, dram: s.totals.dramBytes };
}

console.log(`| device | head dim | causal | ${seqs.join(' | ')} |`);
console.log(`| --- | --- | --- | ${seqs.map(() => '---').join(' | ')} |`);
for (const device of devices) {
  for (const causal of [false, true]) {
    for (const d of [64, 128]) {
      const row = seqs.map((n) => attention(device, n, d, causal, 'flash2').tflops.toFixed(0));
      console.log(`| ${device} | ${d} | ${causal ? 'yes' : 'no'} | ${row.join(' | ')} |`);
    }
  }
}
console.log('\nflash vs standard (head dim 128, not causal): DRAM bytes ratio / time ratio');
console.log(`| device | ${seqs.join(' | ')} |`);
console.log(`| --- | ${seqs.map(() => '---').join(' | ')} |`);
for (const device of devices) {
  const row = seqs.map((n) => {
    const f = attention(device, n, 128, false, 'flash2');
    const s = attention(device, n, 128, false, 'standard');
    return `${(s.dram / f.dram).toFixed(1)}x / ${(s.ns / f.ns).toFixed(2)}x`;
  });
  console.log(`| ${device} | ${row.join(' | ')} |`);
}

console.log('\nflash vs standard time ratio for one sequence (batch 1, head dim 128), as the sequence grows');
console.log(`| device | causal | ${seqs.join(' | ')} |`);
console.log(`| --- | --- | ${seqs.map(() => '---').join(' | ')} |`);
for (const device of devices) {
  for (const causal of [false, true]) {
    const row = seqs.map((n) => (attention(device, n, 128, causal, 'standard', 1).ns / attention(device, n, 128, causal, 'flash2', 1).ns).toFixed(2));
    console.log(`| ${device} | ${causal ? 'yes' : 'no'} | ${row.join(' | ')} |`);
  }
}
