import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, parseWith, setPath } from '../sim/validation.ts';
import { GpuSpecSchema, type GpuSpec } from './gpu/spec.ts';
import { NpuSpecSchema, type NpuSpec } from './npu/spec.ts';

export type DeviceSpec = GpuSpec;
/** Any device a scenario can run on: a GPU, or a systolic NPU (devices/npu/). */
export type AnyDeviceSpec = GpuSpec | NpuSpec;

const PRESET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'presets');
const NPU_PRESET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'npu', 'presets');

/** Preset ids of a folder, read once per process (runScenario asks for every validated row). */
const idsByDir = new Map<string, string[]>();
function jsonIds(dir: string): string[] {
  let ids = idsByDir.get(dir);
  if (ids === undefined) {
    ids = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    idsByDir.set(dir, ids);
  }
  return [...ids];
}

/** NPU preset ids, sorted (devices/npu/presets). */
export function npuPresetIds(): string[] {
  return jsonIds(NPU_PRESET_DIR);
}

export function isNpuPreset(id: string): boolean {
  return npuPresetIds().includes(id);
}

/** A validated NPU spec: a preset with dotted-path overrides applied. */
export function resolveNpu(id: string, overrides: Record<string, unknown> = {}): NpuSpec {
  const ids = npuPresetIds();
  if (!ids.includes(id)) throw new InputError(`device "${id}" is not a known NPU preset; expected one of: ${ids.join(', ')}`);
  const raw = JSON.parse(readFileSync(join(NPU_PRESET_DIR, `${id}.json`), 'utf8')) as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) setPath(raw, path, value, true);
  return parseWith(NpuSpecSchema, raw, `device ${id}`);
}

/** GPU preset ids, sorted. */
export function presetIds(): string[] {
  return jsonIds(PRESET_DIR);
}

export function presetPath(id: string): string {
  return join(PRESET_DIR, `${id}.json`);
}

/** The raw JSON of a preset (unvalidated plain object), for overriding before validation. */
export function loadPresetJson(id: string): Record<string, unknown> {
  const ids = presetIds();
  if (!ids.includes(id)) {
    if (isNpuPreset(id)) throw new InputError(`device "${id}" is an NPU (family npu): this command runs on GPUs only (expected one of: ${ids.join(', ')}); \`tilewave run\`, \`gemm\`, \`llm\` and \`sweep\` take NPUs`);
    throw new InputError(`device "${id}" is not a known preset; expected one of: ${[...ids, ...npuPresetIds()].join(', ')}`);
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

/** A GPU or NPU preset's validated spec, for what any device family shares (sweeps, what-ifs). */
export function resolveAnyDevice(id: string, overrides: Record<string, unknown> = {}): AnyDeviceSpec {
  return isNpuPreset(id) ? resolveNpu(id, overrides) : resolveDevice(id, overrides);
}
