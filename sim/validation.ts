import type { z } from 'zod';

/** Input that failed validation: `message` names the field, the value and what was expected. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The value at `path` in a plain-object tree; undefined where the path leads nowhere. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key as string];
  }
  return cur;
}

/**
 * Parse `data` with `schema`, or throw an InputError of one line per problem (first 5):
 * `<where>: field "a.b" = <value>: <what was expected>`.
 */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    let expected = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      return `${where}: unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${path === '(root)' ? k : `${path}.${k}`}"`).join(', ')}`;
    }
    if (issue.code === 'invalid_union') expected = 'a value matching one of the allowed forms';
    return `${where}: field "${path}" = ${show(valueAt(data, issue.path))}: ${expected}`;
  });
  throw new InputError(lines.join('\n'));
}

/** Parse a `--set` value: JSON when it parses (numbers, booleans, objects), else the raw string. */
export function parseSetValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Set `path` (dotted; array indices as numbers) in a plain-object tree, in place. Only existing
 * fields may be set unless `allowNew`, so a typo is an error rather than a silently ignored key.
 */
export function setPath(root: Record<string, unknown>, path: string, value: unknown, allowNew = false): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '')) throw new InputError(`--set: path "${path}" is not a dotted field path like memory.bandwidthBytesPerSecond`);
  let cur: Record<string, unknown> = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = cur[keys[i]!];
    if (next === null || typeof next !== 'object') {
      if (!allowNew || next !== undefined) {
        throw new InputError(`--set: field "${keys.slice(0, i + 1).join('.')}" of "${path}" is ${next === undefined ? 'unknown' : 'not an object'}; known fields here: ${Object.keys(cur).join(', ')}`);
      }
      cur[keys[i]!] = {};
    }
    cur = cur[keys[i]!] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (!allowNew && !(last in cur)) {
    throw new InputError(`--set: unknown field "${path}"; known fields here: ${Object.keys(cur).join(', ')}`);
  }
  cur[last] = value;
}
