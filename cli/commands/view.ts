import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

/** The report's default name: the first trace's name with .html (runs/a.json -> runs/a.html). */
export function defaultReportPath(tracePath: string): string {
  const m = /^(.*?)(\.json)?$/i.exec(tracePath)!;
  return `${m[1]}.html`;
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description('write a self-contained HTML timeline report for a trace; two traces give a side-by-side comparison (A vs B)')
    .argument('<trace>', 'trace JSON (from run/gemm --trace)')
    .argument('[other]', 'a second trace, compared against the first')
    .option('--html <file>', 'output HTML file (default: the first trace with .html)')
    .option('--title <text>', 'report title (default: from the trace)')
    .action(async (tracePath: string, otherPath: string | undefined, opts: { html?: string; title?: string }) => {
      const { loadTraceFile, TraceLoadError } = await import('../../viz/load-trace.ts');
      const { writeReportHtml } = await import('../../viz/report.ts');
      const sources = otherPath === undefined ? [tracePath] : [tracePath, otherPath];
      const traces = sources.map((path) => {
        try {
          return loadTraceFile(path).trace;
        } catch (error) {
          if (error instanceof TraceLoadError) throw new UsageError(error.message);
          throw error;
        }
      });
      const out = opts.html ?? defaultReportPath(tracePath);
      if (sources.some((s) => s === out)) throw new UsageError(`--html "${out}": would overwrite an input trace; choose another name`);
      try {
        await writeReportHtml(out, { traces, sources, title: opts.title });
      } catch (error) {
        throw new UsageError(`cannot write "${out}": ${(error as Error).message}`);
      }
      process.stdout.write(`wrote report ${out}${sources.length === 2 ? ` (comparing ${sources[0]} and ${sources[1]})` : ''}\n`);
    });
}
