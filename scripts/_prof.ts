import { simulateStep } from '../cli/commands/llm.ts';
import { loadModel } from '../workloads/transformer/config.ts';
simulateStep(loadModel('llama2-70b'), { phase: 'prefill', batch: 1, seq: 4096, layers: 'one' }, { device: 'h100-80gb', traceDetail: 'none' });
const t0 = performance.now();
const s = simulateStep(loadModel('llama2-70b'), { phase: 'prefill', batch: 1, seq: 4096 }, { device: 'h100-80gb', traceDetail: 'none' });
console.log('prefill', (performance.now() - t0).toFixed(0), 'ms', s.result.summary.eventCount, s.stepTimeNs);
