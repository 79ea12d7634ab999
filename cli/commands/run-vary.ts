import { stringify } from 'csv-stringify/sync';
import type { Scenario } from '../../devices/scenario.ts';
import { varyOverrides } from '../../devices/sweep.ts';
import { runScenarios, summaryOf } from '../../regress/parallel.ts';
import type { RunSummary } from '../../sim/index.ts';
import { progress } from '../progress.ts';

/**
 * `tilewave run SCENARIO --vary PATH=VALUES`: the scenario once per value of a device-spec field,
 * on worker threads, in value order. One CSV row per value: the simulated time, achieved FLOP/s and
 * DRAM bandwidth, and each op's time (`<op>_us`), so a what-if shows which ops move.
 */
export async function runVary(scenario: Scenario, varyText: string, options: { workers?: number; quiet?: boolean }): Promise<{ parameter: string; rows: Record<string, string | number>[]; csv: string }> {
  const vary = varyOverrides(scenario.device, scenario.deviceOverrides, varyText);
  const scenarios = vary.values.map((value, i): Scenario => ({ ...scenario, name: `${scenario.name}-${vary.path}=${value}`, deviceOverrides: vary.overrides[i]!, traceDetail: 'none' }));
  const bar = progress('run --vary', scenarios.length, options.quiet === true);
  const summaries: RunSummary[] = (await runScenarios(scenarios, { workers: options.workers, onResult: () => bar.tick() })).map(summaryOf);
  bar.stop();
  const rows = summaries.map((s, i): Record<string, string | number> => ({
    parameter: vary.path,
    value: vary.values[i]!,
    device: s.device.id,
    scenario: scenario.name,
    time_us: Math.round(s.simulatedTimeNs) / 1000,
    tflops: Math.round(s.totals.achievedFlopsPerSecond / 1e9) / 1000,
    dram_gbps: Math.round(s.totals.achievedDramBytesPerSecond / 1e6) / 1000,
    ...Object.fromEntries(s.ops.map((o) => [`${o.name}_us`, Math.round(o.durationNs) / 1000])),
  }));
  return { parameter: vary.path, rows, csv: stringify(rows, { header: true, columns: Object.keys(rows[0]!) }) };
}
