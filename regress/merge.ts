import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../cli/errors.ts';
import { SHARD_CSV_COLUMNS, parseShard } from './shard.ts';
import { checkSummary } from './summary-file.ts';

export interface TextFile {
  path: string;
  text: string;
}

/**
 * Join the CSVs of all N shards of a sweep into the CSV an unsharded run writes, byte for byte: rows
 * sorted by their point index, the shard and point columns dropped. Refuses a missing, repeated or
 * foreign shard, since a silently incomplete sweep is worse than none.
 */
export function mergeShardCsv(files: readonly TextFile[]): string {
  if (files.length === 0) throw new UsageError('merge: no input files');
  let header: string[] | undefined;
  let count: number | undefined;
  const seenShards = new Map<number, string>();
  const rows = new Map<number, string[]>();
  for (const { path, text } of files) {
    let records: string[][];
    try {
      records = parse(text, { relax_column_count: false, skip_empty_lines: true });
    } catch (error) {
      throw new UsageError(`merge: "${path}": not a valid CSV (${(error as Error).message})`);
    }
    const head = records[0];
    if (head === undefined || head[0] !== SHARD_CSV_COLUMNS[0] || head[1] !== SHARD_CSV_COLUMNS[1]) {
      throw new UsageError(`merge: "${path}": expected a shard CSV whose columns start with ${SHARD_CSV_COLUMNS.join(',')} (written by tilewave sweep --shard I/N)`);
    }
    if (header === undefined) header = head;
    else if (head.join(',') !== header.join(',')) {
      throw new UsageError(`merge: "${path}": columns ${head.join(',')} differ from "${files[0]!.path}" (${header.join(',')}); shards of one sweep have the same columns`);
    }
    let fileShard: number | undefined;
    records.slice(1).forEach((r, i) => {
      const where = `merge: "${path}" row ${i + 2}`;
      const shard = parseShard(r[0]!, `${where}: field "shard"`);
      if (count === undefined) count = shard.count;
      else if (shard.count !== count) throw new UsageError(`${where}: field "shard" = "${r[0]}": expected a shard of ${count} (the other inputs are)`);
      if (fileShard === undefined) {
        fileShard = shard.index;
        const other = seenShards.get(shard.index);
        if (other !== undefined) throw new UsageError(`${where}: shard ${shard.index}/${count} given twice ("${other}" and "${path}")`);
        seenShards.set(shard.index, path);
      } else if (shard.index !== fileShard) {
        throw new UsageError(`${where}: field "shard" = "${r[0]}": expected ${fileShard}/${count} like the file's other rows`);
      }
      const point = Number(r[1]);
      if (!Number.isInteger(point) || point < 0 || point % count !== shard.index - 1) {
        throw new UsageError(`${where}: field "point" = "${r[1]}": expected a point index of shard ${shard.index}/${count}`);
      }
      if (rows.has(point)) throw new UsageError(`${where}: point ${point} appears twice`);
      rows.set(point, r.slice(2));
    });
  }
  // A shard with no points (more shards than points) writes only the header, so count files too.
  if (count !== undefined && files.length !== count) {
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seenShards.has(i));
    throw new UsageError(`merge: ${files.length} inputs for a sweep of ${count} shards${missing.length > 0 ? ` (no rows from shard ${missing.join(', ')})` : ''}; pass every shard's CSV once`);
  }
  for (let p = 0; p < rows.size; p++) {
    if (!rows.has(p)) throw new UsageError(`merge: point ${p} is missing (a shard's CSV is incomplete or absent)`);
  }
  const ordered = [...rows.keys()].sort((a, b) => a - b).map((p) => rows.get(p)!);
  return stringify([header!.slice(2), ...ordered]);
}

/**
 * Join directories of run summaries (e.g. each shard's --summary-dir) into one: every file checked
 * against the summary schema; one name in two inputs must hold identical bytes.
 */
export function mergeSummaryDirs(dirs: readonly string[]): TextFile[] {
  const out = new Map<string, TextFile & { from: string }>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`merge: summary "${path}": not valid JSON (${(error as Error).message})`);
      }
      checkSummary(data, `merge: summary "${path}"`);
      const prior = out.get(name);
      if (prior !== undefined && prior.text !== text) throw new UsageError(`merge: "${name}" differs between "${prior.from}" and "${path}"`);
      out.set(name, { path: name, text, from: path });
    }
  }
  return [...out.keys()].sort().map((name) => ({ path: name, text: out.get(name)!.text }));
}
