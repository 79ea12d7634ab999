import type { Command } from 'commander';
import type { RunResult } from '../devices/scenario.ts';
import { configLabel } from '../devices/gpu/kernel.ts';
import type { RunSummary } from '../sim/index.ts';
import { formatDuration, formatPercent, formatSi, table } from './format.ts';
import { toJson, writeFileAtomic } from './io.ts';

export interface EmitOptions {
  trace?: string;
  summary?: string;
  html?: string;
  json?: boolean;
  timing?: boolean;
}

/**
 * The output flags every simulating command shares (run, gemm, llm); `traceDetail` is the
 * command's default for --trace-detail (undefined: the scenario's own setting).
 */
export function addOutputOptions(command: Command, traceDetail?: string): Command {
  return command
    .option('--trace <file>', 'write the Chrome/Perfetto trace JSON')
    .option('--summary <file>', 'write the summary JSON')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--trace-detail <level>', 'auto | cta | kernel | none', traceDetail)
    .option('--json', 'print the summary as JSON on stdout')
    .option('--timing', 'include host wall time and events/s in the summary (not byte-stable)');
}

/** The summary as written: host timing only when asked for (it differs run to run). */
export function summaryForOutput(result: RunResult, timing: boolean): RunSummary {
  if (!timing) return result.summary;
  return {
    ...result.summary,
    performance: { wallTimeMs: Math.round(result.wallTimeMs * 1000) / 1000, eventsPerSecond: Math.round(result.eventsPerSecond) },
  };
}

/** Write the requested outputs and print the summary (text, or JSON with --json). */
export async function emitRun(result: RunResult, options: EmitOptions): Promise<void> {
  const summary = summaryForOutput(result, options.timing ?? false);
  const trace = options.trace || options.html ? { ...result.trace, otherData: { tilewave: { ...result.trace.otherData.tilewave, summary } } } : null;
  if (options.trace) writeFileAtomic(options.trace, JSON.stringify(trace));
  if (options.summary) writeFileAtomic(options.summary, toJson(summary));
  if (options.html) {
    const { writeReportHtml } = await import('../viz/report.ts');
    await writeReportHtml(options.html, { traces: [trace!] });
  }
  if (options.json) {
    process.stdout.write(toJson(summary));
    return;
  }
  process.stdout.write(`${formatSummary(summary, result)}\n`);
  const written = [options.trace && `trace ${options.trace}`, options.summary && `summary ${options.summary}`, options.html && `report ${options.html}`].filter(Boolean);
  if (written.length > 0) process.stdout.write(`wrote ${written.join(', ')}\n`);
}

export function formatSummary(s: RunSummary, result?: RunResult): string {
  const lines: string[] = [];
  lines.push(`${s.scenario} on ${s.device.name} (${s.device.id}), seed ${s.seed}`);
  lines.push(
    `simulated time ${formatDuration(s.simulatedTimeNs)}  |  ${formatSi(s.totals.achievedFlopsPerSecond, 'FLOP/s')}  |  DRAM ${formatSi(s.totals.achievedDramBytesPerSecond, 'B/s')}  |  ${s.eventCount} events` +
      (result ? `  |  wall ${result.wallTimeMs.toFixed(1)} ms (${formatSi(result.eventsPerSecond, ' events/s')})` : ''),
  );
  lines.push('');
  lines.push(
    table(
      ['op', 'type', 'time', 'TFLOP/s', 'DRAM GB/s', 'config', 'tiles', 'waves'],
      s.ops.map((o) => [
        o.name, o.type, formatDuration(o.durationNs), (o.achievedFlopsPerSecond / 1e12).toFixed(1),
        (o.achievedDramBytesPerSecond / 1e9).toFixed(0),
        o.config ? configLabel(o.config) : '',
        String(o.tiles ?? ''), o.waves !== undefined ? o.waves.toFixed(2) : '',
      ]),
    ),
  );
  const rs = s.ops.flatMap((o) => (o.details?.reduceScatter !== undefined ? [{ name: o.name, r: o.details.reduceScatter as ReduceScatterFigures }] : []));
  if (rs.length > 0 && rs.length <= 4) lines.push('', ...rs.map((x) => reduceScatterLine(x.name, x.r)));
  else if (rs.length > 4) {
    // A whole model's worth: one line, not one per layer.
    const exposed = rs.reduce((a, x) => a + x.r.exposedNs, 0);
    lines.push('', `${rs.length} GEMMs reduce-scatter their output (${rs[0]!.r.overlap === 'tile' ? 'tile-triggered' : 'after the GEMM'}): ${formatDuration(exposed)} exposed after their output in all`);
  }
  const sms = s.units.filter((u) => /^SM \d+$/.test(u.unit));
  if (sms.length > 0) {
    const mean = sms.reduce((a, u) => a + u.utilization, 0) / sms.length;
    lines.push('');
    lines.push(`SM utilization: mean ${formatPercent(mean)} over ${sms.length} SMs (min ${formatPercent(Math.min(...sms.map((u) => u.utilization)))})`);
  }
  return lines.join('\n');
}

interface ReduceScatterFigures {
  ranks: number;
  overlap: string;
  reduction: string;
  outputBytes: number;
  exposedNs: number;
  firstSendNs?: number;
}

/** One line per GEMM with a reduce-scatter: how it ran and how much of it the GEMM did not hide. */
function reduceScatterLine(name: string, r: ReduceScatterFigures): string {
  const how = r.overlap === 'tile' ? `tile-triggered, first chunk sent ${formatDuration(r.firstSendNs ?? 0)} after launch` : 'after the GEMM';
  return `${name}: reduce-scatter of ${formatSi(r.outputBytes, 'B')} over ${r.ranks} ranks (${how}; adds ${r.reduction === 'sm' ? 'on the SMs' : 'near memory'}): ${formatDuration(r.exposedNs)} exposed after the GEMM's output`;
}
