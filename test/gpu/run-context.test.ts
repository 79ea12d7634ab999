import { describe, expect, it } from 'vitest';
import { residualGroups } from '../../devices/validation/groups.ts';
import { parseMeasuredCsv } from '../../devices/validation/measured.ts';
import type { Prediction } from '../../devices/validation/predict.ts';
import { blockLayers, runClassOf, runLengthsMs } from '../../devices/validation/run-context.ts';
import { loadModel } from '../../workloads/transformer/config.ts';

const HEADER = 'device,op,dtype,m,n,k,measured_us,source';
const L70 = 'vidur:meta-llama/Llama-2-70b-hf+meta-llama/Meta-Llama-3-70B';

describe('run context: how long the GPU had been busy when a row was timed (validate --by run)', () => {
  it("a block's linear layers follow the model config and the tensor-parallel degree", () => {
    // Llama-3-70B at tp 8: QKV (64 + 2 x 8 heads of 128) / 8, output 8192 x 1024, gated up 2 x 28672 / 8, down 28672 / 8.
    expect(blockLayers(loadModel('llama3-70b'), 8)).toEqual([
      { layer: 'attn_pre_proj', n: 1280, k: 8192 },
      { layer: 'attn_post_proj', n: 8192, k: 1024 },
      { layer: 'mlp_up_proj', n: 7168, k: 8192 },
      { layer: 'mlp_down_proj', n: 8192, k: 3584 },
    ]);
    // phi-2's MLP is not gated: one up-projection of 10240.
    expect(blockLayers(loadModel('phi-2'), 1).map((l) => `${l.n}x${l.k}`)).toEqual(['7680x2560', '2560x2560', '10240x2560', '2560x10240']);
  });

  it("a Vidur row's run is 22 blocks of its model's layers at the row's m, from the file's own times (22 x 140 µs)", () => {
    const rows = parseMeasuredCsv(
      [
        HEADER,
        `h100-80gb,gemm,fp16,512,1280,8192,20,${L70}:attn_pre_proj`,
        `h100-80gb,gemm,fp16,512,8192,1024,15,${L70}:attn_post_proj`,
        `h100-80gb,gemm,fp16,512,7168,8192,70,${L70}:mlp_up_proj`,
        `h100-80gb,gemm,fp16,512,8192,3584,35,${L70}:mlp_down_proj`,
        // Another m: its block is incomplete here, so its run is unknown.
        `h100-80gb,gemm,fp16,1024,8192,3584,60,${L70}:mlp_down_proj`,
        'h100-80gb,gemm,fp16,512,8192,3584,35,measured here',
      ].join('\n'),
      'f.csv',
    ).rows;
    const runs = runLengthsMs(rows);
    expect(runs.slice(0, 4)).toEqual([3.08, 3.08, 3.08, 3.08].map((ms) => expect.closeTo(ms, 9)));
    expect(runs[4]).toBeUndefined();
    expect(runs[5]).toBeUndefined();
    expect(runClassOf(runs[0]).label).toBe('<5ms');
    expect(runClassOf(100).label).toBe('>=100ms');
    expect(runClassOf(undefined)).toEqual({ label: '?', rank: 5 });
    const predictions: Prediction[] = rows.map((r) => ({ predictedUs: r.measuredUs * 1.1, config: '' }));
    const groups = residualGroups(rows, predictions, ['run']).devices['h100-80gb']!;
    expect(Object.keys(groups)).toEqual(['run=<5ms', 'run=?']);
    expect(groups['run=<5ms']!.count).toBe(4);
  });

  it("a layer_sequence.py file's rows say their run: (blocks + warmup) times the sum of the run's layers", () => {
    const head = `${HEADER},layer,model,tp,blocks,warmup`;
    const rows = parseMeasuredCsv(
      [
        head,
        'h200,gemm,fp16,4096,1280,8192,1000,measured: down-projection input zero,attn_pre_proj,llama-3-70b,8,20,2',
        'h200,gemm,fp16,4096,8192,3584,2000,measured: down-projection input zero,mlp_down_proj,llama-3-70b,8,20,2',
        'h200,gemm,fp16,4096,8192,3584,2500,measured: down-projection input randn,mlp_down_proj,llama-3-70b,8,20,2',
      ].join('\n'),
      'seq.csv',
    ).rows;
    // Runs apart by source (zero and random inputs ran separately): 22 x 3 ms and 22 x 2.5 ms.
    expect(runLengthsMs(rows)).toEqual([66, 66, 55]);
  });
});
