/**
 * Time-axis ticks with human units. One unit per axis, the one that suits its largest label,
 * with the decimals the tick step needs ("250 µs", "1.5 ms"); when zoomed deep into a long trace the labels become offsets from a base
 * time shown once ("+20 ns" after "1.2000 s"), as Perfetto does.
 */
import { ticks as d3ticks, tickStep } from 'd3';
import { unitFor } from './format.ts';

export interface AxisTick {
  ns: number;
  label: string;
}

export interface AxisTicks {
  ticks: AxisTick[];
  /** Set in offset mode: the base time the "+…" labels are relative to. */
  base?: { ns: number; label: string };
  stepNs: number;
}

/** Decimals needed to write multiples of the step exactly (0.25 -> 2, 5 -> 0). */
function decimalsFor(stepInUnit: number): number {
  for (let d = 0; d < 9; d++) {
    const scaled = stepInUnit * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 9;
}

const SMALLER: Record<string, [string, number]> = { s: ['ms', 1e6], ms: ['µs', 1e3], µs: ['ns', 1] };

/**
 * Format `ns` for a tick: the unit suits the largest label on the axis (`magnitudeNs`), with the
 * decimals the step needs; more than 3 decimals moves to the next smaller unit.
 */
export function formatTickNs(ns: number, stepNs: number, magnitudeNs = Math.max(Math.abs(ns), stepNs)): string {
  let [name, scale] = unitFor(magnitudeNs);
  let digits = decimalsFor(stepNs / scale);
  while (digits > 3 && SMALLER[name]) {
    [name, scale] = SMALLER[name]!;
    digits = decimalsFor(stepNs / scale);
  }
  const v = ns / scale;
  const text = (Math.abs(v) < 0.5 * 10 ** -digits ? 0 : v).toFixed(digits);
  return `${text} ${name}`;
}

/** Ticks for the visible window [t0, t1] (ns), about `count` of them. */
export function axisTicks(t0: number, t1: number, count: number): AxisTicks {
  if (!(t1 > t0) || !(count > 0)) return { ticks: [], stepNs: 0 };
  const stepNs = Math.abs(tickStep(t0, t1, count));
  // Offset mode when absolute labels would need many more digits than the step carries.
  const magnitude = Math.max(Math.abs(t0), Math.abs(t1));
  if (magnitude / stepNs >= 1e4) {
    const baseStep = stepNs * 1000;
    const baseNs = Math.floor(t0 / baseStep) * baseStep;
    const [bu, bs] = unitFor(magnitude);
    const baseDigits = Math.min(9, Math.max(0, Math.ceil(Math.log10(bs / stepNs))));
    const base = { ns: baseNs, label: `${(baseNs / bs).toFixed(baseDigits)} ${bu}` };
    const ticks = d3ticks(t0 - baseNs, t1 - baseNs, count).map((d) => ({ ns: d + baseNs, label: `+${formatTickNs(d, stepNs, t1 - baseNs)}` }));
    return { ticks, base, stepNs };
  }
  const ticks = d3ticks(t0, t1, count).map((d) => ({ ns: d, label: formatTickNs(d, stepNs, magnitude) }));
  return { ticks, stepNs };
}
