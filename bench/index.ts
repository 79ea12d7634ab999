/**
 * `npm run bench`: every benchmark, printed as tables. Not part of the tests: speed targets live
 * here (and in the README), never in timed tests.
 *
 *   engine     bare event loop, processes, fluid re-planning as concurrent flows grow
 *   gpu        GEMM simulation wall time (target: 8192^3 in < 50 ms)
 *   npu        the same on the systolic NPU model
 *   validate   the whole measured GEMM file (target: < 60 s on 2 cores)
 *   sweep      scenarios/s on 1 worker and on all cores
 *   llm        transformer steps (decode/prefill wall time), when the workload exists
 *   viewer     1,000,000-span report: load and frame time (needs Chromium)
 *   startup    CLI process start-up, from the bundle and from the sources
 *
 * `npm run bench -- engine gpu` runs a subset.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchBareEngine, benchFluid, benchGemm, benchProcesses } from './engine.ts';

const wanted = new Set(process.argv.slice(2));
const run = (name: string) => wanted.size === 0 || wanted.has(name);
const MEASURED = new URL('../../shared/data/measured/gemm-vidur.csv', import.meta.url);

console.log(`tilewave benchmarks on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);

if (run('engine')) {
  console.log('engine');
  console.table([benchBareEngine(), benchBareEngine(2_000_000, 10_000), benchProcesses(1000, 1000), benchFluid(1_000), benchFluid(10_000), benchFluid(100_000)]);
}

if (run('gpu')) {
  console.log('GPU model');
  console.table([
    benchGemm('h100-80gb', 8192, 8192, 8192, 'none'),
    benchGemm('h100-80gb', 8192, 8192, 8192, 'cta'),
    benchGemm('a100-80gb', 8192, 8192, 8192, 'none'),
    benchGemm('a100-80gb', 16384, 16384, 16384, 'none'),
    // Paired CTAs (Blackwell's 2-SM MMA): half-chunk loads on every step.
    benchGemm('b200', 8192, 8192, 8192, 'none'),
    benchGemm('h100-80gb', 16, 8192, 8192, 'none'),
    // Batched: 512,000 tiles on 132 persistent CTAs (each loops over ~3,900 tiles).
    benchGemm('h100-80gb', 4096, 4096, 4096, 'none', 1000),
  ]);
}

if (run('npu')) {
  console.log('systolic NPU (tpu-v4, bf16)');
  console.table([benchGemm('tpu-v4', 8192, 8192, 8192, 'none', 1, 'bf16'), benchGemm('tpu-v4', 8192, 8192, 8192, 'cta', 1, 'bf16'), benchGemm('tpu-v4', 4096, 4096, 4096, 'none', 1000, 'bf16')]);
}

if (run('validate')) {
  const file = process.env.TILEWAVE_MEASURED ?? MEASURED.pathname;
  if (existsSync(file)) {
    const { validateFile } = await import('../cli/commands/validate.ts');
    const t0 = performance.now();
    const { report } = await validateFile(file, { quiet: true });
    const seconds = (performance.now() - t0) / 1000;
    console.log('validate (whole measured GEMM file, all cores)');
    console.table([{ file: file.split('/').pop(), rows: report.overall.count, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(report.overall.count / seconds), medianAbsPctError: report.overall.medianAbsPctError, p90AbsPctError: report.overall.p90AbsPctError }]);
  } else {
    console.log(`validate: skipped (${file} not found; set TILEWAVE_MEASURED)`);
  }
}

if (run('sweep')) {
  const { benchSweep } = await import('./sweep.ts');
  console.log('sweep (GEMM design-space points, worker threads)');
  console.table((await benchSweep()).rows);
}

if (run('llm')) {
  const { benchLlm } = await import('./llm.ts');
  console.log('transformer steps (Llama-2-70B, 80 layers; targets: decode < 1 s, 4k prefill < 5 s)');
  console.table([...(await benchLlm('h100-80gb')), ...(await benchLlm('a100-80gb'))]);
}

if (run('startup')) {
  const { benchStartup } = await import('./startup.ts');
  console.log('CLI start-up (`tilewave devices` as a process, median of 5)');
  console.table(benchStartup());
}

if (run('viewer')) {
  if (existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium')) {
    const { benchViewer } = await import('./viewer.ts');
    console.log('viewer (1,000,000 spans, headless Chromium)');
    console.table([await benchViewer()]);
  } else {
    console.log('viewer: skipped (no Chromium at /usr/bin/chromium; set CHROMIUM)');
  }
}
