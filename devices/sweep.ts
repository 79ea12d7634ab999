import { deviceSets, type Scenario } from './scenario.ts';
import type { RunSummary } from '../sim/index.ts';
import { InputError, valueAt } from '../sim/validation.ts';
import { resolveAnyDevice } from './presets.ts';

/** `start:stop:step` (inclusive stop) or a single value, as integers. */
export function parseRange(flag: string, text: string): number[] {
  const parts = text.split(':');
  const nums = parts.map(Number);
  const bad = () => new InputError(`${flag} "${text}": expected an integer or start:stop:step with integers >= 1, start <= stop, step >= 1`);
  if (parts.length === 1) {
    if (!Number.isInteger(nums[0]) || nums[0]! < 1) throw bad();
    return [nums[0]!];
  }
  if (parts.length !== 3 || nums.some((x) => !Number.isInteger(x) || x < 1)) throw bad();
  const [start, stop, step] = nums as [number, number, number];
  if (start > stop) throw bad();
  const count = Math.floor((stop - start) / step) + 1;
  if (count > 1_000_000) throw new InputError(`${flag} "${text}": ${count} points; at most 1,000,000`);
  return Array.from({ length: count }, (_, i) => start + i * step);
}

export interface GemmSweepArgs {
  device: string;
  m: string;
  n: string;
  k: string;
  batch?: string;
  dtype: string;
  deviceOverrides?: Record<string, unknown>;
  /** `PATH=VALUES`: sweep a device-spec field instead of a GEMM dimension (see parseVary). */
  vary?: string;
}

export interface SweepPoint {
  index: number;
  parameter: string;
  value: number;
  scenario: Scenario;
}

/** At most this many points in a device-field sweep (each resolves and validates the device). */
const MAX_VARY_POINTS = 10_000;

/**
 * `--vary PATH=VALUES`: the values a device-spec field takes in a what-if sweep. VALUES is a
 * comma list (`2e12,3.35e12,6.7e12`) or an inclusive range `start:stop:step`, in the field's own
 * units; with an `x` after every number they are multiples of the device's value (`1x,2x,4x`,
 * `0.5x:3x:0.5x`), read from `base` (the preset with the other overrides applied).
 */
export function parseVary(text: string, base: (path: string) => unknown): { path: string; values: number[] } {
  const eq = text.indexOf('=');
  const path = eq > 0 ? text.slice(0, eq).trim() : '';
  const body = eq > 0 ? text.slice(eq + 1).trim() : '';
  const bad = (why: string) => new InputError(`--vary "${text}": ${why}`);
  if (path === '' || body === '') throw bad('expected PATH=VALUES, e.g. memory.bandwidthBytesPerSecond=2e12,3.35e12 or =1x:4x:0.5x');
  const isRange = body.includes(':');
  const tokens = isRange ? body.split(':') : body.split(',');
  if (isRange && tokens.length !== 3) throw bad('a range is start:stop:step (three numbers)');
  const multiples = tokens.map((t) => /x$/i.test(t.trim()));
  if (multiples.some((x) => x !== multiples[0])) throw bad('either every number is a multiple of the device value (ends in x) or none is');
  const nums = tokens.map((t) => {
    const core = t.trim().replace(/x$/i, '');
    const v = core === '' ? Number.NaN : Number(core);
    if (!Number.isFinite(v)) throw bad(`"${t.trim()}" is not a number`);
    return v;
  });
  let values = nums;
  if (isRange) {
    const [start, stop, step] = nums as [number, number, number];
    if (!(step > 0) || start > stop) throw bad('a range needs start <= stop and step > 0');
    // A relative tolerance, so 0.5:3:0.5 includes 3 despite binary fractions.
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > MAX_VARY_POINTS) throw bad(`${count} points; at most ${MAX_VARY_POINTS.toLocaleString('en-US')}`);
    values = Array.from({ length: count }, (_, i) => Number((start + i * step).toPrecision(12)));
  }
  if (values.length > MAX_VARY_POINTS) throw bad(`${values.length} points; at most ${MAX_VARY_POINTS.toLocaleString('en-US')}`);
  if (multiples[0]) {
    const value = base(path);
    if (typeof value !== 'number') throw bad(`field "${path}" ${value === undefined ? 'is not a field of the device' : 'is not a number'}, so it has no multiples`);
    values = values.map((v) => Number((v * value).toPrecision(12)));
  }
  return { path, values };
}

/**
 * The device overrides of each value of a `--vary` sweep: `overrides` (the `--set` ones) plus the
 * varied field. Every point's device is resolved here, so a value the spec rejects fails the sweep
 * before any point runs, naming the field and the value.
 */
export function varyOverrides(device: string, overrides: Record<string, unknown>, varyText: string): { path: string; values: number[]; overrides: Record<string, unknown>[] } {
  const { path, values } = parseVary(varyText, (p) => valueAt(resolveAnyDevice(device, overrides), p.split('.')));
  if (!(path in deviceSets([[path, 0]]))) throw new InputError(`--vary ${path}: a scenario field, not a device-spec field; --vary sweeps the device (e.g. memory.bandwidthBytesPerSecond); for GEMM dimensions use tilewave sweep --m/--n/--k ranges, for one value --set`);
  if (path in overrides) throw new InputError(`--vary ${path} is also given by --set; give it once`);
  const perPoint = values.map((value) => {
    const o = { ...overrides, [path]: value };
    try {
      resolveAnyDevice(device, o);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`--vary ${path}=${value}: ${e.message}`);
      throw e;
    }
    return o;
  });
  return { path, values, overrides: perPoint };
}

/**
 * One scenario per value of a GEMM dimension (at most one of m, n, k, batch a range) or of a device
 * field (`vary`), on each device of `device` (comma separated: one series per device, in the
 * order given; `--vary` multiples are of each device's own value).
 */
export function gemmSweepPoints(args: GemmSweepArgs): { parameter: string; points: SweepPoint[] } {
  const dims = { m: parseRange('--m', args.m), n: parseRange('--n', args.n), k: parseRange('--k', args.k), batch: parseRange('--batch', args.batch ?? '1') };
  const ranged = (Object.keys(dims) as (keyof typeof dims)[]).filter((d) => dims[d].length > 1);
  if (ranged.length > 1) throw new InputError(`sweep: only one of --m, --n, --k, --batch may be a range; got ranges for ${ranged.join(', ')}`);
  if (args.vary !== undefined && ranged.length > 0) throw new InputError(`sweep: --vary sweeps a device field, so --m, --n, --k and --batch must be single values; got a range for ${ranged[0]}`);
  const devices = args.device.split(',').map((d) => d.trim());
  if (devices.some((d) => d === '') || new Set(devices).size < devices.length) throw new InputError(`--device "${args.device}": expected a preset id, or several distinct ones separated by commas`);
  const overrides = args.deviceOverrides ?? {};
  // Unknown devices and bad --set values fail here, before any point runs.
  for (const device of devices) resolveAnyDevice(device, overrides);
  // Multiples (`2x`) are of each device's own value, so each device resolves the field itself.
  const varied = devices.map((device) => (args.vary === undefined ? undefined : varyOverrides(device, overrides, args.vary)));
  const parameter = varied[0]?.path ?? ranged[0] ?? 'n';
  const points: SweepPoint[] = [];
  for (const [d, device] of devices.entries()) {
    const vary = varied[d];
    const values = vary?.values ?? dims[parameter as keyof typeof dims];
    values.forEach((value, i) => {
      const shape = { m: dims.m[0]!, n: dims.n[0]!, k: dims.k[0]!, batch: dims.batch[0]!, ...(vary === undefined ? { [parameter]: value } : {}) };
      points.push({
        index: points.length,
        parameter,
        value,
        scenario: {
          name: `gemm-${shape.m}x${shape.n}x${shape.k}${shape.batch > 1 ? `x${shape.batch}` : ''}-${args.dtype}-${device}${vary === undefined ? '' : `-${vary.path}=${value}`}`,
          seed: 1,
          device,
          deviceOverrides: vary === undefined ? overrides : vary.overrides[i]!,
          traceDetail: 'none',
          launch: 'stream',
          workload: { ops: [{ type: 'gemm', name: 'gemm', stream: 0, after: [], m: shape.m, n: shape.n, k: shape.k, batch: shape.batch, dtype: args.dtype as 'fp16' }] },
        },
      });
    });
  }
  return { parameter, points };
}

export const SWEEP_CSV_COLUMNS = ['parameter', 'value', 'device', 'dtype', 'm', 'n', 'k', 'batch', 'time_us', 'tflops', 'dram_gbps', 'tile', 'split_k', 'tail_split', 'ctas', 'waves'] as const;

/** One CSV row of a sweep from a run summary (numbers rounded so output is stable and readable). */
export function sweepRow(point: SweepPoint, summary: RunSummary): Record<(typeof SWEEP_CSV_COLUMNS)[number], string | number> {
  const op = summary.ops[0]!;
  const g = point.scenario.workload.ops[0] as { m: number; n: number; k: number; batch: number; dtype: string };
  return {
    parameter: point.parameter,
    value: point.value,
    device: summary.device.id,
    dtype: g.dtype,
    m: g.m,
    n: g.n,
    k: g.k,
    batch: g.batch,
    time_us: Math.round(op.durationNs) / 1000,
    tflops: Math.round(op.achievedFlopsPerSecond / 1e9) / 1000,
    dram_gbps: Math.round(op.achievedDramBytesPerSecond / 1e6) / 1000,
    tile: String(op.config?.tile ?? ''),
    split_k: Number(op.config?.splitK ?? 1),
    tail_split: Number(op.config?.tailSplit ?? 1),
    ctas: op.tiles ?? 0,
    waves: op.waves ?? 0,
  };
}
