import type { TimeNs } from './units.ts';

/** The run summary (docs/summary-format.md). Bump the major version on any breaking change. */
export const SUMMARY_SCHEMA = 'tilewave.summary';
export const SUMMARY_SCHEMA_VERSION = '1.0.0';

export interface DeviceInfo {
  id: string;
  name: string;
  family: string;
  peakFlopsPerSecond: Record<string, number>;
  memoryBandwidthBytesPerSecond: number;
}

export interface OpSummary {
  name: string;
  type: string;
  startNs: TimeNs;
  durationNs: TimeNs;
  flops: number;
  dramBytes: number;
  dtype?: string;
  achievedFlopsPerSecond: number;
  achievedDramBytesPerSecond: number;
  config?: Record<string, string | number | boolean>;
  /** Work items / CTA slots of the whole GPU (fractional: a partial last wave). */
  waves?: number;
  /** Work items of the op's kernels: output tiles, each K split (split-K, tail split) counted. */
  tiles?: number;
  /** Op-specific extras (e.g. layer index, expert token counts). */
  details?: Record<string, unknown>;
}

export interface UnitSummary {
  device: string;
  unit: string;
  busyNs: TimeNs;
  utilization: number;
}

export interface RunSummary {
  schema: typeof SUMMARY_SCHEMA;
  schemaVersion: string;
  scenario: string;
  seed: number;
  /** Present when the kernels were replayed from a CUDA graph (a scenario's `launch`); absent: launched one by one. */
  launch?: 'graph';
  device: DeviceInfo;
  simulatedTimeNs: TimeNs;
  eventCount: number;
  totals: {
    flops: number;
    dramBytes: number;
    achievedFlopsPerSecond: number;
    achievedDramBytesPerSecond: number;
  };
  ops: OpSummary[];
  units: UnitSummary[];
  /** Host timing; only present when asked for, since it breaks byte-identical output. */
  performance?: { wallTimeMs: number; eventsPerSecond: number };
}
