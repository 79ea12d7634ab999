/**
 * What the measured kernels computed on: the share of A's elements that were zero, which a
 * power-limited part turns into clock (efficiency.zeroOperandPowerShare).
 *
 * A row says it in the optional column `a_zero_fraction` (0..1). Without one, rows from Vidur's
 * profiles (`source` starting `vidur:`) follow from how that profiler runs a layer: every
 * parameter is drawn uniform in [-1e-3, 1e-3] (dummy weights, norm weights included), so the
 * normalized input is ~6e-4 per element, the up-projection's outputs ~3e-5, and a gated MLP's
 * SiLU(gate) x up of two such values (~1e-9) underflows fp16 to exactly zero: the
 * down-projection's A operand is all zeros.
 * Its other layers see random-like values (the attention output projection is fed randn), and an
 * MLP that is not gated (GELU of values carrying a 1e-3 bias) stays non-zero too.
 */
import type { MeasuredRow } from './measured.ts';

/** Models among Vidur's profiles whose MLP is not gated (so their down-projection input is non-zero). */
const UNGATED_MLP_MODELS = new Set(['microsoft/phi-2']);

/**
 * The row's A zero fraction: its `a_zero_fraction` cell (returned as written, for the op schema
 * to check), Vidur's gated down-projections 1, anything else undefined (no zeros).
 */
export function aZeroFractionOf(row: MeasuredRow): number | string | undefined {
  const cell = row.extra.a_zero_fraction;
  if (cell !== undefined && cell !== '') {
    const value = Number(cell);
    return Number.isFinite(value) ? value : cell;
  }
  return vidurZeroInput(row.source) ? 1 : undefined;
}

/** Whether a Vidur source (`vidur:<model>+<model>...:<layer>`) is a gated MLP's down-projection. */
export function vidurZeroInput(source: string): boolean {
  const parts = source.split(':');
  if (parts.length < 3 || parts[0] !== 'vidur' || parts[parts.length - 1] !== 'mlp_down_proj') return false;
  const models = parts.slice(1, -1).join(':').split('+');
  return models.length > 0 && models.every((model) => !UNGATED_MLP_MODELS.has(model));
}
