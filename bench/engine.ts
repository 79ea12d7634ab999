/**
 * Engine and GPU-model benchmarks: bare event throughput, fluid-channel re-planning as flows grow,
 * and GEMM simulation wall time. Run via `npm run bench` (bench/index.ts) or
 * `npx tsx bench/engine.ts`.
 */
import { pathToFileURL } from 'node:url';
import { FluidChannel, Simulation } from '../sim/index.ts';
import { parseScenario, runScenario } from '../devices/scenario.ts';

export interface BenchRow extends Record<string, string | number> {
  benchmark: string;
  size: string;
  events: number;
  wallMs: number;
  eventsPerSecond: number;
}

function best<T>(runs: number, f: () => T): { value: T; ms: number } {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { value, ms };
}

function row(benchmark: string, size: string, events: number, ms: number): BenchRow {
  return { benchmark, size, events, wallMs: Math.round(ms * 10) / 10, eventsPerSecond: Math.round(events / (ms / 1e3)) };
}

/** Bare engine: `chains` self-rescheduling callbacks with pseudo-random delays (a full heap). */
export function benchBareEngine(events = 2_000_000, chains = 1000): BenchRow {
  const { value, ms } = best(3, () => {
    const sim = new Simulation();
    let left = events;
    let x = 12345;
    const tick = (): void => {
      if (--left <= 0) return;
      x = (x * 1103515245 + 12345) & 0x7fffffff; // cheap LCG: delays vary, no Math.random
      sim.schedule(1 + (x % 1000), tick);
    };
    for (let c = 0; c < chains; c++) sim.schedule(c, tick);
    sim.run();
    return sim.eventCount;
  });
  return row('bare engine (callbacks)', `${chains} chains`, value, ms);
}

/** Processes: generator processes yielding timeouts (the SimPy style). */
export function benchProcesses(processes = 10_000, steps = 100): BenchRow {
  const { value, ms } = best(3, () => {
    const sim = new Simulation();
    for (let p = 0; p < processes; p++) {
      sim.process((function* () {
        for (let s = 0; s < steps; s++) yield sim.timeout(1 + ((p * 7 + s * 13) % 50));
      })());
    }
    sim.run();
    return sim.eventCount;
  });
  return row('processes (yield timeout)', `${processes} x ${steps}`, value, ms);
}

/** `flows` transfers on one channel with staggered starts and sizes: replan cost per start/end. */
export function benchFluid(flows: number): BenchRow {
  const { value, ms } = best(3, () => {
    const sim = new Simulation();
    const ch = new FluidChannel(sim, { name: 'hbm', bandwidthBytesPerSecond: 2e12, latencyNs: 500 });
    for (let i = 0; i < flows; i++) {
      // Two caps (like SM pulls and unconstrained flows) and varied sizes.
      sim.schedule((i * 37) % 10_000, () => {
        ch.transfer(4096 + ((i * 7919) % 65536), { capBytesPerSecond: i % 2 === 0 ? 1e11 : Infinity });
      });
    }
    sim.run();
    return sim.eventCount;
  });
  return row('fluid channel, concurrent transfers', `${flows} flows`, value, ms);
}

/** One GEMM on a device preset: wall time of the whole simulation (lowering included). */
export function benchGemm(device: string, m: number, n: number, k: number, traceDetail: 'none' | 'cta', batch = 1, dtype = 'fp16'): BenchRow {
  const scenario = parseScenario({ name: 'bench', device, traceDetail, workload: { ops: [{ type: 'gemm', m, n, k, batch, dtype }] } });
  // The Chrome trace is built on first use: a traced run is timed with it built.
  const simulate = (): number => {
    const r = runScenario(scenario);
    if (traceDetail !== 'none') void r.trace.traceEvents.length;
    return r.summary.eventCount;
  };
  simulate(); // warm-up (JIT)
  const { value, ms } = best(batch > 1 ? 2 : 5, simulate);
  return row(`GEMM ${m}x${n}x${k}${batch > 1 ? ` x ${batch}` : ''} on ${device}`, `trace ${traceDetail}`, value, ms);
}

export function benchEngine(): BenchRow[] {
  return [
    benchBareEngine(),
    benchProcesses(),
    benchFluid(1_000),
    benchFluid(10_000),
    benchFluid(100_000),
    benchGemm('h100-80gb', 8192, 8192, 8192, 'none'),
    benchGemm('h100-80gb', 8192, 8192, 8192, 'cta'),
    benchGemm('a100-80gb', 16384, 16384, 16384, 'none'),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(benchEngine());
}
