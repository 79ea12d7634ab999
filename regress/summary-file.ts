import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { SUMMARY_SCHEMA, SUMMARY_SCHEMA_VERSION, type RunSummary } from '../sim/summary.ts';
import { UsageError } from '../cli/errors.ts';
import { readJsonFile } from '../cli/io.ts';

/** The machine-checkable summary format, kept beside its prose description in docs/. */
export const SUMMARY_SCHEMA_FILE = new URL('../docs/summary.schema.json', import.meta.url);

let validator: ValidateFunction | undefined;

function validate(): ValidateFunction {
  if (validator === undefined) {
    // Loaded on first use: only the commands that read summaries need it (start-up time).
    const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    validator = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(SUMMARY_SCHEMA_FILE, 'utf8')));
  }
  return validator;
}

export function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

/** Major version this build reads and writes. */
export const SUPPORTED_MAJOR = majorOf(SUMMARY_SCHEMA_VERSION);

function describeError(e: ErrorObject): string {
  const field = e.instancePath === '' ? '(top level)' : `"${e.instancePath.slice(1).replaceAll('/', '.')}"`;
  if (e.keyword === 'required') return `field ${field}: missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'const') return `field ${field}: expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  return `field ${field}: ${e.message ?? 'invalid'}`;
}

/**
 * Check that `data` is a run summary this build can compare: right schema id, same major version
 * (a different one means fields may have been renamed, so numbers would be compared wrongly), and
 * valid against docs/summary.schema.json. Throws a UsageError naming `where` and the field.
 */
export function checkSummary(data: unknown, where: string): RunSummary {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${where}: expected a JSON object (a tilewave run summary)`);
  const obj = data as Record<string, unknown>;
  if (obj.schema !== SUMMARY_SCHEMA) {
    throw new UsageError(`${where}: field "schema" = ${JSON.stringify(obj.schema)}: expected "${SUMMARY_SCHEMA}" (is this a summary from tilewave run --summary?)`);
  }
  const version = obj.schemaVersion;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new UsageError(`${where}: field "schemaVersion" = ${JSON.stringify(version)}: expected a version like "${SUMMARY_SCHEMA_VERSION}"`);
  }
  if (majorOf(version) !== SUPPORTED_MAJOR) {
    throw new UsageError(
      `${where}: summary schema version ${version} has major version ${majorOf(version)}, but this tilewave reads ${SUPPORTED_MAJOR}.x; ` +
        `summaries of different major versions cannot be compared (regenerate them with this version, e.g. tilewave check --update)`,
    );
  }
  const check = validate();
  if (!check(data)) throw new UsageError(`${where}: ${describeError(check.errors![0]!)}`);
  return data as RunSummary;
}

/** Read and check a summary file (see checkSummary). */
export function readSummary(path: string, role = 'summary'): RunSummary {
  return checkSummary(readJsonFile(path, role), `${role} "${path}"`);
}
