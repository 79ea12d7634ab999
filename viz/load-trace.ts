/**
 * Read a trace file from disk, parse and validate it. Errors name the file and say what is
 * wrong (missing file, truncated JSON, an event without "ts", ...).
 */
import { readFileSync } from 'node:fs';
import { explainJsonError, validateTrace, type ChromeTraceObject } from './validate-trace.ts';

export class TraceLoadError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`trace "${path}": ${problem}`);
    this.name = 'TraceLoadError';
    this.path = path;
  }
}

/** Parse trace JSON text; `name` is used in error messages. Throws TraceLoadError. */
export function parseTrace(text: string, name: string): { trace: ChromeTraceObject; warnings: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TraceLoadError(name, explainJsonError(text, error));
  }
  const check = validateTrace(value);
  if (!check.ok) throw new TraceLoadError(name, check.error);
  return { trace: value as ChromeTraceObject, warnings: check.warnings };
}

/** Read, parse and validate a trace file. Throws TraceLoadError naming the file. */
export function loadTraceFile(path: string): { trace: ChromeTraceObject; warnings: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, expected a trace JSON file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new TraceLoadError(path, problem);
  }
  return parseTrace(text, path);
}
