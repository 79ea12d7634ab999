import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, parseWith, setPath } from '../sim/validation.ts';
import { GpuSpecSchema, type GpuSpec } from './gpu/spec.ts';

export type DeviceSpec = GpuSpec;

const PRESET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'presets');

/** Preset ids, sorted. */
export function presetIds(): string[] {
  return readdirSync(PRESET_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function presetPath(id: string): string {
  return join(PRESET_DIR, `${id}.json`);
}

/** The raw JSON of a preset (unvalidated plain object), for overriding before validation. */
export function loadPresetJson(id: string): Record<string, unknown> {
  const ids = presetIds();
  if (!ids.includes(id)) {
    throw new InputError(`device "${id}" is not a known preset; expected one of: ${ids.join(', ')}`);
  }
  return JSON.parse(readFileSync(presetPath(id), 'utf8')) as Record<string, unknown>;
}

/**
 * A validated device spec: a preset, with dotted-path overrides applied (what-if studies:
 * {"memory.bandwidthBytesPerSecond": 6.7e12}).
 */
export function resolveDevice(id: string, overrides: Record<string, unknown> = {}): DeviceSpec {
  const raw = loadPresetJson(id);
  // New keys are allowed here: the strict schema rejects unknown ones by name, and a field that
  // a preset leaves at its default (efficiency.powerFraction) can still be set.
  for (const [path, value] of Object.entries(overrides)) setPath(raw, path, value, true);
  return parseWith(GpuSpecSchema, raw, `device ${id}`);
}
