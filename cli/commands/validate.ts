import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ChromeTraceObject } from '../../viz/validate-trace.ts';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { parseMeasuredCsv, type ErrorStats, type MeasuredRow, type SkippedRow } from '../../devices/validation/measured.ts';
import { skipReason, withoutKernelColumns, type Prediction } from '../../devices/validation/predict.ts';
import { groupKeysHelp, parseGroupKeys, residualGroups } from '../../devices/validation/groups.ts';
import { aZeroFractionOf } from '../../devices/validation/operand-data.ts';
import { runLengthsMs } from '../../devices/validation/run-context.ts';
import { CANDIDATE_CSV_COLUMNS, CHOICE_CSV_COLUMNS, ROW_CSV_COLUMNS, buildReport, candidateRecords, checkLimits, predictionRecords, type ChoiceStats, type ValidationReport } from '../../devices/validation/report.ts';
import { UsageError } from '../errors.ts';
import { table } from '../format.ts';
import { collect, intOption, parseSets, percentOption, toJson, writeFileAtomic } from '../io.ts';
import { presetIds, resolveDevice } from '../../devices/presets.ts';
import { progress } from '../progress.ts';
import { defaultWorkers, runPool } from '../workers/pool.ts';

const WORKER = new URL('../workers/validate-worker.ts', import.meta.url);

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('simulate every row of a measured-data CSV and report the error per device and size class')
    .argument('<file>', 'measured data CSV (format of shared/data/measured/)')
    .option('--device <id>', 'only rows of this device')
    .option('--json', 'print the report as one JSON object')
    .option('--worst <n>', 'how many worst rows to list', intOption('--worst', 0), 10)
    .option('--workers <n>', 'worker threads (default: all cores)', intOption('--workers', 1))
    .option('--set <path=value>', 'override a device-spec field on every device (repeatable): validate a what-if', collect, [])
    .option('--rows <file>', 'also write every row (measured, predicted, signed error, config) as CSV')
    .option('--html <file>', 'also write a report: error per device and size class, predicted vs measured, error vs m')
    .option('--every <n>', 'simulate only every n-th usable row (a quick, deterministic sample)', intOption('--every', 1), 1)
    .option('--by <keys>', `also report the error per device grouped by these comma-separated keys: ${groupKeysHelp()}, or any other column of the file`)
    .option('--heuristic', "simulate the heuristic's kernel choice even where a row names the kernel it ran (kernel, grid, tile, stages, split_k, tail_split columns): the choice's share of the error")
    .option('--candidates', 'also simulate every GEMM kernel config the heuristic weighs: how much of the error is the kernel choice (slow: use --every or --device)')
    .option('--candidates-csv <file>', 'with --candidates: also write every simulated config of every GEMM row as CSV (estimate, simulated time, error, the pick)')
    .option('--max-median <pct>', 'exit 1 when any device\'s median |error| is above this percentage (a CI gate)', percentOption('--max-median'))
    .option('--max-p90 <pct>', 'exit 1 when any device\'s p90 |error| is above this percentage (a CI gate)', percentOption('--max-p90'))
    .option('--quiet', 'no progress output')
    .action(async (file: string, opts) => {
      if (opts.candidatesCsv !== undefined && !opts.candidates) throw new UsageError('--candidates-csv needs --candidates (every config simulated: use --every or --device to keep it short)');
      const { report, records, rows, predictions } = await validateFile(file, opts);
      if (opts.candidatesCsv) writeFileAtomic(opts.candidatesCsv, stringify(candidateRecords(rows, predictions), { header: true, columns: [...CANDIDATE_CSV_COLUMNS] }));
      const columns = opts.candidates ? [...ROW_CSV_COLUMNS, ...CHOICE_CSV_COLUMNS] : [...ROW_CSV_COLUMNS];
      if (opts.rows) writeFileAtomic(opts.rows, stringify(records, { header: true, columns }));
      if (opts.html) {
        const { writeReportHtml } = await import('../../viz/report.ts');
        await writeReportHtml(opts.html, { traces: [validationTrace(file, rows, predictions)] });
      }
      if (opts.maxMedian !== undefined || opts.maxP90 !== undefined) {
        report.limits = checkLimits(report, { ...(opts.maxMedian !== undefined ? { medianAbsPctError: opts.maxMedian } : {}), ...(opts.maxP90 !== undefined ? { p90AbsPctError: opts.maxP90 } : {}) });
      }
      if (opts.json) process.stdout.write(toJson(report));
      else process.stdout.write(`${formatReport(report)}\n`);
      const exceeded = report.limits?.exceeded ?? [];
      for (const e of exceeded) {
        process.stderr.write(`validate: ${e.device} ${e.statistic === 'medianAbsPctError' ? 'median' : 'p90'} |error| ${e.value.toFixed(1)}% is above the limit ${e.limit}%\n`);
      }
      if (exceeded.length > 0) process.exitCode = 1;
      // A gate over no rows holds nothing: it fails rather than pass empty.
      if (report.limits !== undefined && rows.length === 0) {
        process.stderr.write('validate: no usable rows to hold to --max-median / --max-p90\n');
        process.exitCode = 1;
      }
    });
}

export async function validateFile(
  file: string,
  opts: { device?: string; worst?: number; workers?: number; quiet?: boolean; set?: string[]; every?: number; candidates?: boolean; by?: string; heuristic?: boolean },
): Promise<{ report: ValidationReport; records: ReturnType<typeof predictionRecords>; rows: MeasuredRow[]; predictions: Prediction[] }> {
  const overrides = Object.fromEntries(parseSets(opts.set ?? []));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`measured data "${file}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message}`);
  }
  const read = parseMeasuredCsv(text, file);
  const parsed = opts.heuristic ? { ...read, rows: read.rows.map(withoutKernelColumns) } : read;
  let groupKeys: string[] | undefined;
  if (opts.by !== undefined) {
    const columns = [...new Set(parsed.rows.flatMap((r) => Object.keys(r.extra)))];
    const keys = parseGroupKeys(opts.by, columns);
    if (typeof keys === 'string') throw new UsageError(keys);
    groupKeys = keys;
  }
  // Validation simulates GPU kernels: an NPU preset (or an unknown id) is refused by name.
  if (opts.device !== undefined) resolveDevice(opts.device, overrides);
  // Bad overrides fail here, once per device, naming the field (not once per row, in a worker, or
  // as a skipped row when a row's forced kernel config is checked against the device).
  const devices = new Set(parsed.rows.map((r) => r.device).filter((d) => presetIds().includes(d) && (opts.device === undefined || d === opts.device)));
  for (const device of devices) resolveDevice(device, overrides);
  const skipped: SkippedRow[] = [...parsed.skipped];
  const usable = parsed.rows.filter((r) => {
    if (opts.device !== undefined && r.device !== opts.device) return false;
    const reason = skipReason(r, overrides);
    if (reason !== null) skipped.push({ line: r.line, reason });
    return reason === null;
  });
  const every = opts.every ?? 1;
  const rows = every > 1 ? usable.filter((_, i) => i % every === 0) : usable;
  if (opts.device !== undefined && rows.length === 0) {
    throw new UsageError(`measured data "${file}": no usable rows for --device ${opts.device}`);
  }
  // Skipped rows are reported, not fatal; but a run that simulated nothing says so on stderr.
  if (rows.length === 0 && !opts.quiet) {
    const first = skipped[0];
    process.stderr.write(`validate: measured data "${file}": no usable rows (${skipped.length} skipped${first !== undefined ? `; line ${first.line}: ${first.reason}` : ''})\n`);
  }
  const bar = progress('validate', rows.length, opts.quiet ?? false);
  const choice = opts.candidates ?? false;
  const predictions = await runPool<{ row: (typeof rows)[number]; overrides: Record<string, unknown>; choice: boolean }, Prediction>(WORKER, rows.map((row) => ({ row, overrides, choice })), {
    workers: opts.workers ?? defaultWorkers(),
    batchSize: choice ? 4 : 64,
    onResult: () => bar.tick(),
  });
  bar.stop();
  const report = buildReport(file, rows, predictions, skipped, opts.worst ?? 10);
  if (Object.keys(overrides).length > 0) report.overrides = overrides;
  const zeroInputRows = rows.filter((r) => Number(aZeroFractionOf(r) ?? 0) > 0).length;
  if (zeroInputRows > 0) report.zeroInputRows = zeroInputRows;
  if (groupKeys !== undefined) report.groups = residualGroups(rows, predictions, groupKeys);
  return { report, records: predictionRecords(rows, predictions), rows, predictions };
}

/**
 * What the report draws each row's signed error against: m, where the kernel library's steps
 * show; an all-reduce row has no m, so its buffer size. Nothing for files without all-reduce rows
 * (the viewer's default is m).
 */
function rowSizes(rows: MeasuredRow[]): { size?: number[]; sizeLabel?: string } {
  const isAllReduce = (r: MeasuredRow) => r.op === 'allreduce';
  const collectives = rows.filter(isAllReduce).length;
  if (collectives === 0) return {};
  const sizeLabel = collectives === rows.length ? 'buffer per GPU (bytes)' : 'm, or bytes per GPU for all-reduce rows';
  return { size: rows.map((r) => (isAllReduce(r) ? Number(r.extra.bytes) : r.m)), sizeLabel };
}

/** Each row's profiling-run length in ms (run-context.ts; -1 where the file cannot tell), when some row's is known. */
function rowRuns(rows: MeasuredRow[]): { runMs?: number[] } {
  const runs = runLengthsMs(rows);
  return runs.some((ms) => ms !== undefined) ? { runMs: runs.map((ms) => ms ?? -1) } : {};
}

/** Each row's share of A that was zeros (operand-data.ts), when some row's is not 0. */
function rowZeros(rows: MeasuredRow[]): { aZero?: number[] } {
  const aZero = rows.map((r) => Number(aZeroFractionOf(r) ?? 0));
  return aZero.some((x) => x > 0) ? { aZero } : {};
}

/** The rows as a report trace (docs/trace-format.md, kind "validation"): columns, names by index; times unrounded, as the report's statistics use them. */
export function validationTrace(file: string, rows: MeasuredRow[], predictions: Prediction[]): ChromeTraceObject {
  const lists = { devices: [] as string[], ops: [] as string[], configs: [] as string[], rowSources: [] as string[] };
  const indexIn = (list: string[], name: string) => {
    let i = list.indexOf(name);
    if (i < 0) i = list.push(name) - 1;
    return i;
  };
  const validation = {
    source: basename(file),
    ...lists,
    line: rows.map((r) => r.line),
    device: rows.map((r) => indexIn(lists.devices, r.device)),
    op: rows.map((r) => indexIn(lists.ops, r.op)),
    m: rows.map((r) => r.m),
    n: rows.map((r) => r.n),
    k: rows.map((r) => r.k),
    measuredUs: rows.map((r) => r.measuredUs),
    predictedUs: predictions.map((p) => p.predictedUs),
    config: predictions.map((p) => indexIn(lists.configs, p.config ?? '')),
    rowSource: rows.map((r) => indexIn(lists.rowSources, r.source)),
    ...rowSizes(rows),
    ...rowZeros(rows),
    ...rowRuns(rows),
  };
  return {
    traceEvents: [],
    displayTimeUnit: 'ns',
    otherData: { tilewave: { formatVersion: '1.0', kind: 'validation', title: `Validation against ${basename(file)}`, tracks: [], validation } },
  };
}

function statsRow(name: string, s: ErrorStats): string[] {
  return [name, String(s.count), `${s.medianAbsPctError.toFixed(1)}%`, `${s.p90AbsPctError.toFixed(1)}%`, `${s.meanAbsPctError.toFixed(1)}%`, `${s.meanSignedPctError >= 0 ? '+' : ''}${s.meanSignedPctError.toFixed(1)}%`];
}

export function formatReport(r: ValidationReport): string {
  const head = ['', 'rows', 'median |err|', 'p90 |err|', 'mean |err|', 'mean err'];
  const lines = [`validation against ${r.file}`];
  if (r.overrides !== undefined) lines.push(`with ${Object.entries(r.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
  if (r.zeroInputRows !== undefined) lines.push(`${r.zeroInputRows} row${r.zeroInputRows === 1 ? '' : 's'} ran with zeros in A (column a_zero_fraction, or the source's profiling method; docs/what-if.md, "Operand data and power"); --by azero splits them`);
  lines.push('');
  lines.push(table(head, [...Object.entries(r.devices).map(([d, s]) => statsRow(d, s)), statsRow('overall', r.overall)]));
  lines.push('', 'by size class (m):');
  const classRows: string[][] = [];
  for (const [d, classes] of Object.entries(r.sizeClasses)) for (const [c, s] of Object.entries(classes)) classRows.push(statsRow(`${d} ${c}`, s));
  lines.push(table(head, classRows));
  if (r.groups !== undefined) {
    lines.push('', `by ${r.groups.by.join(', ')}:`);
    const groupRows: string[][] = [];
    for (const [d, groups] of Object.entries(r.groups.devices)) for (const [label, s] of Object.entries(groups)) groupRows.push(statsRow(`${d} ${label}`, s));
    lines.push(table(head, groupRows));
  }
  if (r.worst.length > 0) {
    lines.push('', 'worst rows:');
    lines.push(table(['line', 'device', 'm', 'n', 'k', 'measured µs', 'predicted µs', 'error', 'config'], r.worst.map((w) => [
      String(w.line), w.device, String(w.m), String(w.n), String(w.k), w.measuredUs.toFixed(1), w.predictedUs.toFixed(1), `${w.errorPct > 0 ? '+' : ''}${w.errorPct.toFixed(1)}%`, w.config,
    ])));
  }
  if (r.choice !== undefined) {
    lines.push('', "kernel choice: the heuristic's pick, the fastest simulated config, and the config closest to each measurement (a lower bound), median / p90 |err|:");
    const pair = (s: ChoiceStats['picked']) => `${s.medianAbsPctError.toFixed(1)}% / ${s.p90AbsPctError.toFixed(1)}%`;
    const choiceRows: string[][] = [];
    for (const [d, classes] of Object.entries(r.choice)) {
      for (const [c, s] of Object.entries(classes)) choiceRows.push([`${d} ${c}`, String(s.count), `${s.pickedFastestPct.toFixed(1)}%`, pair(s.picked), pair(s.fastest), pair(s.closest)]);
    }
    lines.push(table(['', 'rows', 'picks fastest', 'picked', 'fastest', 'closest'], choiceRows));
  }
  if (r.skipped.count > 0) {
    lines.push('', `skipped ${r.skipped.count} rows: ${Object.entries(r.skipped.reasons).map(([k, v]) => `${v} x ${k}`).join('; ')}`);
  }
  return lines.join('\n');
}
