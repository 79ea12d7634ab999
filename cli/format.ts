import { format } from 'd3-format';

const si = format('.4~s');

/** A duration in ns as a human string with a unit: 812 ns, 12.3 µs, 4.56 ms, 1.2 s. */
export function formatDuration(ns: number): string {
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${ns.toFixed(abs < 10 ? 2 : 0)} ns`;
  if (abs < 1e6) return `${(ns / 1e3).toPrecision(4)} µs`;
  if (abs < 1e9) return `${(ns / 1e6).toPrecision(4)} ms`;
  return `${(ns / 1e9).toPrecision(4)} s`;
}

/** 1.23e15 -> "1.23P" with a unit suffix. */
export function formatSi(value: number, unit: string): string {
  return `${si(value)}${unit}`;
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A plain text table with left-aligned first column and right-aligned others. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
