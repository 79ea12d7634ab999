/**
 * Run-length classes of `validate --by run` (devices/validation/run-context.ts), apart from it so
 * the report viewer can label rows without the model presets it reads.
 */

/** Classes (ms), in order: a run's label is the first whose bound exceeds it. */
export const RUN_CLASSES: readonly { label: string; belowMs: number }[] = [
  { label: '<5ms', belowMs: 5 },
  { label: '5-20ms', belowMs: 20 },
  { label: '20-50ms', belowMs: 50 },
  { label: '50-100ms', belowMs: 100 },
  { label: '>=100ms', belowMs: Infinity },
];
export const UNKNOWN_RUN = '?';

/** The class label of a run length (undefined: unknown), and its rank for sorting. */
export function runClassOf(ms: number | undefined): { label: string; rank: number } {
  if (ms === undefined) return { label: UNKNOWN_RUN, rank: RUN_CLASSES.length };
  const i = RUN_CLASSES.findIndex((c) => ms < c.belowMs);
  return { label: RUN_CLASSES[i]!.label, rank: i };
}
