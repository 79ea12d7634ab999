import { UsageError } from '../cli/errors.ts';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** "2/8" -> { index: 2, count: 8 }: 1 <= I <= N. */
export function parseShard(text: string, flag = '--shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || !(count >= 1) || !(index >= 1) || index > count) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected I/N with 1 <= I <= N, e.g. 1/4 (job array index, 1-based)`);
  }
  return { index, count };
}

/** "2/8" */
export function formatShard(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/**
 * The items of one shard: round-robin by position (item i goes to shard i mod N + 1). Deterministic
 * from the list alone, so N machines each computing their slice cover every item exactly once, and
 * neighbouring points (which cost about the same) spread over all shards.
 */
export function shardItems<T>(items: readonly T[], shard: Shard | undefined): { index: number; item: T }[] {
  const all = items.map((item, index) => ({ index, item }));
  if (shard === undefined) return all;
  return all.filter(({ index }) => index % shard.count === shard.index - 1);
}

/** Leading columns of a shard's CSV: which shard wrote the row, and the row's index in the full sweep. */
export const SHARD_CSV_COLUMNS = ['shard', 'point'] as const;
