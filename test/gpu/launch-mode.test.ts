import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { resolveDevice } from '../../devices/presets.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs');
const tilewave = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

function run(device: string, launch?: string) {
  const ops = [0, 1, 2].map((i) => ({ type: 'gemm', name: `g${i}`, m: 64, n: 4096, k: 4096 }));
  return runScenario(parseScenario({ name: 't', device, traceDetail: 'none', ...(launch !== undefined ? { launch } : {}), workload: { ops } }));
}

describe('launch: stream or CUDA graph', () => {
  it('graph replays cost each kernel graphKernelOverheadNs instead of kernelOverheadNs', () => {
    const e = resolveDevice('h100-80gb').efficiency;
    const stream = run('h100-80gb');
    const graph = run('h100-80gb', 'graph');
    expect(run('h100-80gb', 'stream').summary.simulatedTimeNs).toBe(stream.summary.simulatedTimeNs);
    // Three GEMMs, one kernel each, one after another: the fixed costs are all on the path.
    const kernels = stream.summary.ops.length;
    expect(kernels).toBe(3);
    expect(stream.summary.simulatedTimeNs - graph.summary.simulatedTimeNs).toBeCloseTo(kernels * (e.kernelOverheadNs - e.graphKernelOverheadNs!), 3);
  });

  it('a part without a graph-timed measurement, an NPU and an unknown mode are refused by name', () => {
    expect(() => run('a100-80gb', 'graph')).toThrow(/field "launch" = "graph": device a100-80gb has no efficiency.graphKernelOverheadNs/);
    expect(() => run('tpu-v4', 'graph')).toThrow(/field "launch" = "graph": CUDA graphs are a GPU launch mode and tpu-v4 is an NPU/);
    expect(() => run('h100-80gb', 'eager')).toThrow(/field "launch"/);
    // A what-if gives the part one.
    const ops = [{ type: 'gemm', m: 64, n: 4096, k: 4096 }];
    const withOne = runScenario(parseScenario({ name: 't', device: 'a100-80gb', launch: 'graph', deviceOverrides: { 'efficiency.graphKernelOverheadNs': 0 }, traceDetail: 'none', workload: { ops } }));
    const stream = runScenario(parseScenario({ name: 't', device: 'a100-80gb', traceDetail: 'none', workload: { ops } }));
    expect(stream.summary.simulatedTimeNs - withOne.summary.simulatedTimeNs).toBeCloseTo(resolveDevice('a100-80gb').efficiency.kernelOverheadNs, 3);
  });

  it('llm --launch graph: a decode step without launch costs, recorded in the summary; a bad mode is exit 2', () => {
    const args = ['llm', '--model', 'llama2-7b', '--phase', 'decode', '--batch', '8', '--seq', '512', '--layers', 'one', '--device', 'h100-80gb', '--json'];
    const stream = JSON.parse(tilewave(args).stdout);
    const graph = JSON.parse(tilewave([...args, '--launch', 'graph']).stdout);
    expect(graph.launch).toBe('graph');
    expect(stream.launch).toBeUndefined();
    expect(graph.llm.stepTimeNs).toBeLessThan(stream.llm.stepTimeNs * 0.95);
    const bad = tilewave([...args, '--launch', 'eager']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('tilewave: --launch "eager": expected stream or graph');
  });
});
