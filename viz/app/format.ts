/**
 * Number and time formatting for the viewer: durations in human units (ns, µs, ms, s) and
 * quantities with SI prefixes (d3-format), e.g. 1.37 TFLOP, 193.6 MB, 685 TFLOP/s.
 */
import { format } from 'd3';

const si3 = format('.3~s');
const si4 = format('.4~s');
const grouped = format(',');
const fixedTrim = (v: number, digits: number) => v.toFixed(digits).replace(/\.?0+$/, '');

/** SI-prefixed number with a unit: 1.234e12, "FLOP/s" -> "1.23 TFLOP/s". */
export function formatSi(value: number, unit = '', digits: 3 | 4 = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return `0${unit ? ` ${unit}` : ''}`;
  const text = (digits === 4 ? si4 : si3)(value);
  // d3 writes the prefix glued to the number ("1.23T"); put a thin gap before prefix+unit.
  const m = /^(-?[\d.]+(?:e[+-]?\d+)?)([yzafpnµmkMGTPEZY]?)$/.exec(text);
  if (!m) return `${text}${unit}`;
  const [, num, prefix] = m;
  return `${num}${prefix || unit ? ' ' : ''}${prefix}${unit}`;
}

export const formatBytes = (bytes: number) => formatSi(bytes, 'B');
export const formatFlops = (flops: number) => formatSi(flops, 'FLOP');
export const formatFlopRate = (flopsPerSecond: number) => formatSi(flopsPerSecond, 'FLOP/s');
export const formatByteRate = (bytesPerSecond: number) => formatSi(bytesPerSecond, 'B/s');

export function formatPercent(fraction: number, digits = 1): string {
  if (!Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

const UNITS: [string, number][] = [
  ['s', 1e9],
  ['ms', 1e6],
  ['µs', 1e3],
  ['ns', 1],
];

/** The unit a duration of this size reads best in. */
export function unitFor(ns: number): [string, number] {
  const a = Math.abs(ns);
  for (const u of UNITS) if (a >= u[1]) return u;
  return UNITS[UNITS.length - 1]!;
}

/** A duration with 3-4 significant digits in the unit that suits it: 1234.5 -> "1.23 µs". */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  if (ns === 0) return '0 ns';
  const [name, scale] = unitFor(ns);
  const v = ns / scale;
  const a = Math.abs(v);
  const digits = a >= 100 ? 1 : a >= 10 ? 2 : 3;
  if (name === 'ns' && a < 1) return `${fixedTrim(v, 3)} ns`;
  return `${fixedTrim(v, digits)} ${name}`;
}

/** A generic argument value: integers grouped (12,345), large or fractional numbers SI. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return grouped(value);
  if (Math.abs(value) >= 1e7 || (Math.abs(value) < 1e-2 && value !== 0)) return formatSi(value, '', 4);
  return fixedTrim(value, 4);
}

/** Format a span argument by what its key says it is (bytes, FLOPs, a time in ns, ...). */
export function formatArg(key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (/bytes?$/i.test(key) && !/per/i.test(key)) return `${formatBytes(value)}${Math.abs(value) >= 1000 ? ` (${grouped(Math.round(value))})` : ''}`;
    if (/flops?$/i.test(key) && !/per/i.test(key)) return `${formatFlops(value)}`;
    if (/bytesPerSecond$|bandwidth/i.test(key)) return formatByteRate(value);
    if (/flopsPerSecond$/i.test(key)) return formatFlopRate(value);
    if (/Ns$|_ns$|^timeNs$/.test(key)) return formatDuration(value);
    if (/Us$|_us$/.test(key)) return formatDuration(value * 1e3);
    if (/utilization|fraction|ratio$/i.test(key) && value >= 0 && value <= 1.5) return formatPercent(value);
    return formatNumber(value);
  }
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
