import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseSetValue } from '../sim/validation.ts';
import { UsageError } from './errors.ts';

/** Read and parse a JSON file; a missing file or bad JSON is a UsageError naming the file. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${what} "${path}": ${code === 'ENOENT' ? 'file not found' : (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} "${path}": not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Write a file all at once: to a temporary name beside it, then rename, so a failure never
 * leaves a half-written output behind.
 */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write "${path}": ${(error as Error).message}`);
  }
}

/** `--set path=value` (repeatable) into [path, parsed value] pairs. */
export function parseSets(list: readonly string[]): [string, unknown][] {
  return list.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set "${item}": expected path=value, e.g. --set memory.bandwidthBytesPerSecond=6.7e12`);
    return [item.slice(0, eq), parseSetValue(item.slice(eq + 1))];
  });
}

/** Collect a repeatable commander option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parse an integer option, or fail naming the flag. */
export function intOption(flag: string, min = 0): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected an integer >= ${min}`);
    return n;
  };
}

/** Parse a fraction option (a number in [0, 1]), or fail naming the flag. */
export function fractionOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a number in [0, 1]`);
    return n;
  };
}

/** Parse a percentage option ("15" or "15%"), or fail naming the flag. */
export function percentOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value.trim().replace(/%$/, ''));
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a percentage > 0, such as 15 or 15%`);
    return n;
  };
}

/** Stable JSON for files: 2-space indent and a final newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
