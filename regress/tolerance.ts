import { UsageError } from '../cli/errors.ts';

/**
 * "2%", "0.5%" or "2" (always percent) as a fraction (0.02). Zero is allowed: any change at all
 * is then reported.
 */
export function parseTolerance(text: string, flag = '--tolerance'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%?\s*$/.exec(String(text));
  if (m === null) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a percentage like 2% or 0.5%`);
  const pct = Number(m[1]);
  if (pct > 1000) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a percentage <= 1000%`);
  return pct / 100;
}

/** 0.02 -> "2%", 0.005 -> "0.5%". */
export function formatTolerance(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}
