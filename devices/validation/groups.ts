import { compareGroupValues, errorStats, layerOfSource, modelsOfSource, sizeClass, tileOfConfig, type ErrorStats } from './error-stats.ts';
import type { MeasuredRow } from './measured.ts';
import { aZeroFractionOf } from './operand-data.ts';
import type { Prediction } from './predict.ts';
import { runClassOf } from './run-classes.ts';
import { runLengthsMs } from './run-context.ts';

/**
 * Residuals grouped by any property of a row (`tilewave validate --by k`, `--by layer,n`): where a
 * size class hides a pattern (a K that runs slower, one layer faster), these tables show it.
 */

const SIZE_ORDER = ['m<=64', '64<m<=1024', 'm>1024'];

/** What some keys read beyond their row: each row's profiling-run length (ms), when `run` is asked for. */
interface GroupContext {
  runMs?: readonly (number | undefined)[];
}

/**
 * Keys derived from a row and its prediction; any other key names a CSV column. `rank`: the sort
 * value when it is not the value itself (size classes in order of m).
 */
const DERIVED: Record<string, { about: string; of: (row: MeasuredRow, p: Prediction, i: number, ctx: GroupContext) => string | number; rank?: (row: MeasuredRow, i: number, ctx: GroupContext) => number }> = {
  m: { about: 'the m column', of: (r) => r.m },
  n: { about: 'the n column', of: (r) => r.n },
  k: { about: 'the k column', of: (r) => r.k },
  nk: { about: 'the weight shape, n x k', of: (r) => `${r.n}x${r.k}` },
  op: { about: 'the op column', of: (r) => r.op },
  dtype: { about: 'the dtype column', of: (r) => r.dtype },
  source: { about: 'the source column', of: (r) => r.source },
  layer: { about: "the source column's last ':'-separated field (gemm-vidur.csv: the linear layer)", of: (r) => layerOfSource(r.source) },
  model: { about: "the source column between its first and last ':' (gemm-vidur.csv: the models whose layer has the shape)", of: (r) => modelsOfSource(r.source) },
  size: { about: 'the size class of m', of: (r) => sizeClass(r.m), rank: (r) => SIZE_ORDER.indexOf(sizeClass(r.m)) },
  config: { about: "the simulated kernel config (the heuristic's pick)", of: (_, p) => p.config },
  tile: { about: 'the tile of the simulated kernel config', of: (_, p) => tileOfConfig(p.config) },
  azero: { about: "the share of A that is zeros (column a_zero_fraction, or what the row's source implies)", of: (r) => Number(aZeroFractionOf(r) ?? 0) },
  run: {
    about: "how long the GPU had been busy in the row's profiling run (Vidur's 22 blocks, or a layer_sequence.py file's columns), from the file's own times; ? where it cannot tell",
    of: (_, __, i, ctx) => runClassOf(ctx.runMs?.[i]).label,
    rank: (_, i, ctx) => runClassOf(ctx.runMs?.[i]).rank,
  },
};

export const GROUP_KEYS: readonly string[] = Object.keys(DERIVED);

export interface ResidualGroups {
  /** The keys, in the order given. */
  by: string[];
  /** Per device, per group label ("k=4096", "layer=mlp_down_proj n=8192"), in key order. */
  devices: Record<string, Record<string, ErrorStats>>;
}

/**
 * Parse `--by`: comma-separated keys, each a derived key or a column the CSV has. Returns an
 * error message naming the value and what was expected, or the keys.
 */
export function parseGroupKeys(text: string, columns: readonly string[]): string[] | string {
  const keys = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (keys.length === 0) return `--by = ${JSON.stringify(text)}: expected one or more keys separated by commas`;
  for (const key of keys) {
    if (!(key in DERIVED) && !columns.includes(key)) {
      return `--by = ${JSON.stringify(text)}: unknown key "${key}" (expected ${GROUP_KEYS.join(', ')}${columns.length > 0 ? `, or a column of the file: ${columns.join(', ')}` : ''})`;
    }
  }
  return keys;
}

function valueOf(key: string, row: MeasuredRow, p: Prediction, i: number, ctx: GroupContext): string | number {
  const derived = DERIVED[key];
  return derived !== undefined ? derived.of(row, p, i, ctx) : (row.extra[key] ?? '');
}

/** Signed percentage errors of `predictions` against `rows`, grouped per device by `keys`. */
export function residualGroups(rows: readonly MeasuredRow[], predictions: readonly Prediction[], keys: readonly string[]): ResidualGroups {
  const byDevice = new Map<string, Map<string, { values: (string | number)[]; errs: number[] }>>();
  const ctx: GroupContext = keys.includes('run') ? { runMs: runLengthsMs(rows) } : {};
  rows.forEach((row, i) => {
    const p = predictions[i]!;
    const values = keys.map((key) => valueOf(key, row, p, i, ctx));
    const label = keys.map((key, j) => `${key}=${values[j]}`).join(' ');
    let groups = byDevice.get(row.device);
    if (groups === undefined) byDevice.set(row.device, (groups = new Map()));
    let g = groups.get(label);
    if (g === undefined) groups.set(label, (g = { values: keys.map((key, j) => DERIVED[key]?.rank?.(row, i, ctx) ?? values[j]!), errs: [] }));
    g.errs.push(((p.predictedUs - row.measuredUs) / row.measuredUs) * 100);
  });
  const devices: Record<string, Record<string, ErrorStats>> = {};
  for (const device of [...byDevice.keys()].sort()) {
    const groups = [...byDevice.get(device)!.entries()];
    groups.sort(([, a], [, b]) => {
      for (let j = 0; j < keys.length; j++) {
        const c = compareGroupValues(a.values[j]!, b.values[j]!);
        if (c !== 0) return c;
      }
      return 0;
    });
    devices[device] = Object.fromEntries(groups.map(([label, g]) => [label, errorStats(g.errs)]));
  }
  return { by: [...keys], devices };
}

/** What each derived key means, for `--help`. */
export function groupKeysHelp(): string {
  return Object.entries(DERIVED).map(([k, d]) => `${k} (${d.about})`).join(', ');
}
