import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { parseWith } from '../sim/validation.ts';
import { UsageError } from '../cli/errors.ts';
import { readJsonFile } from '../cli/io.ts';

/** Optional `suite.json` beside the scenarios: how strictly this suite compares. */
export const SuiteConfigSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** e.g. "2%": a change of exactly this passes. */
  tolerance: z.string({ error: 'expected a percentage string like "2%"' }).optional(),
  metric: z.enum(['time', 'tflops', 'bytes']).optional(),
  /** Also fail on improvements and structural changes (config, ops), so baselines track the model exactly. */
  failOnChange: z.boolean().optional(),
});
export type SuiteConfig = z.infer<typeof SuiteConfigSchema>;

export const SUITE_CONFIG_FILE = 'suite.json';
export const BASELINE_DIR = 'baselines';

export interface SuiteCase {
  /** The scenario file's name without .json; names its baseline. */
  name: string;
  scenarioFile: string;
  baselineFile: string;
}

export interface Suite {
  dir: string;
  name: string;
  config: SuiteConfig;
  cases: SuiteCase[];
  /** Baseline files with no scenario beside them (a scenario was removed or renamed). */
  orphanBaselines: string[];
}

export function baselineFileFor(dir: string, name: string): string {
  return join(dir, BASELINE_DIR, `${name}.summary.json`);
}

/**
 * A suite is a directory of scenario files (`*.json`, as for tilewave run), their baselines in
 * `baselines/<name>.summary.json`, and an optional `suite.json`.
 */
export function loadSuite(dir: string): Suite {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`suite "${dir}": directory not found`);
  }
  if (!isDir) throw new UsageError(`suite "${dir}": expected a directory of scenario files`);
  const configPath = join(dir, SUITE_CONFIG_FILE);
  const config = existsSync(configPath) ? parseWith(SuiteConfigSchema, readJsonFile(configPath, 'suite config'), `suite config ${configPath}`) : {};
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== SUITE_CONFIG_FILE).sort();
  if (files.length === 0) throw new UsageError(`suite "${dir}": no scenario files (*.json)`);
  const cases = files.map((f) => {
    const name = f.slice(0, -'.json'.length);
    return { name, scenarioFile: join(dir, f), baselineFile: baselineFileFor(dir, name) };
  });
  const names = new Set(cases.map((c) => c.name));
  const baselineDir = join(dir, BASELINE_DIR);
  const orphanBaselines = existsSync(baselineDir)
    ? readdirSync(baselineDir).filter((f) => f.endsWith('.summary.json') && !names.has(f.slice(0, -'.summary.json'.length))).sort().map((f) => join(baselineDir, f))
    : [];
  return { dir, name: config.name ?? basename(dir.replace(/[\\/]+$/, '')), config, cases, orphanBaselines };
}
