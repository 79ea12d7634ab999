/**
 * The data a report page carries: each trace compiled (viz/compile.ts) into a compact, columnar
 * form that the page decodes without walking a million event objects. Shared by the report
 * builder (Node) and the viewer app (browser); types only.
 *
 * Numeric columns are base64 strings of little-endian typed arrays (`B64`); times are nanoseconds.
 */

/** Base64 of a little-endian typed array's bytes. */
export type B64 = string;

export const PAYLOAD_FORMAT = 'tilewave-report';
export const PAYLOAD_VERSION = 1;

export interface ReportPayload {
  format: typeof PAYLOAD_FORMAT;
  version: number;
  title: string;
  /** Set when a trace could not be read: the page shows it in #tw-error instead of a view. */
  error?: string;
  runs: RunPayload[];
}

export interface DeviceRoofs {
  id?: string;
  name?: string;
  peakFlopsPerSecond?: Record<string, number>;
  memoryBandwidthBytesPerSecond?: number;
}

export interface OpSummaryLike {
  name: string;
  type?: string;
  startNs?: number;
  durationNs: number;
  flops?: number;
  dramBytes?: number;
  dtype?: string;
  achievedFlopsPerSecond?: number;
  achievedDramBytesPerSecond?: number;
  config?: Record<string, unknown>;
  waves?: number;
  tiles?: number;
}

export interface SummaryLike {
  scenario?: string;
  seed?: number;
  device?: DeviceRoofs & { family?: string };
  simulatedTimeNs?: number;
  eventCount?: number;
  totals?: { flops?: number; dramBytes?: number; achievedFlopsPerSecond?: number; achievedDramBytesPerSecond?: number };
  ops?: OpSummaryLike[];
  units?: { device: string; unit: string; busyNs: number; utilization: number }[];
}

export interface SweepPointLike {
  value: number;
  timeNs?: number;
  trace?: string;
  [metric: string]: unknown;
}

export interface SweepLike {
  parameter: string;
  metric: string;
  points: SweepPointLike[];
}

/**
 * Measured against predicted times of a validation (tilewave validate --html), as columns: one
 * entry per row in every array; device, op and config are indices into their lists.
 */
export interface ValidationLike {
  /** The measured-data file. */
  source: string;
  devices: string[];
  ops: string[];
  configs: string[];
  line: number[];
  device: number[];
  op: number[];
  m: number[];
  n: number[];
  k: number[];
  measuredUs: number[];
  predictedUs: number[];
  config: number[];
  /** Optional: each row's `source` cell, as an index into `rowSources` (grouping by layer). */
  rowSources?: string[];
  rowSource?: number[];
  /** Optional: each row's share of A that was zeros (only when some row's is not 0; grouping by operand data). */
  aZero?: number[];
  /** Optional: each row's profiling-run length in ms, -1 where unknown (only when some row's is known; grouping by run). */
  runMs?: number[];
  /** Optional: what each row's signed error is drawn against (absent: m), and its axis title. */
  size?: number[];
  sizeLabel?: string;
}

export interface RunPayload {
  /** "A" / "B" in a comparison, "" for a single run. */
  label: string;
  title: string;
  /** Where the trace came from (a file name), when known. */
  source?: string;
  kind: 'run' | 'sweep' | 'validation';
  /** Time range covered by spans, counters and instants (ns). */
  startNs: number;
  endNs: number;
  spanCount: number;
  /** Strings referred to by index: names, categories, argument keys. */
  strings: string[];
  /**
   * Span styles: [name, cat] string indices, plus the string the colour comes from when it is not
   * the name (the `op` argument of a tile, so tiles share their op's colour).
   */
  styles: ([number, number] | [number, number, number])[];
  /** Distinct argument values (deduplicated), referred to by 1-based index (0 = absent). */
  values: unknown[];
  devices: DevicePayload[];
  tracks: TrackPayload[];
  counters: CounterPayload[];
  device?: DeviceRoofs;
  summary?: SummaryLike;
  sweep?: SweepLike;
  validation?: ValidationLike;
  /** Problems that did not stop the report (events skipped, ...). */
  warnings: string[];
}

export interface DevicePayload {
  pid: number;
  name: string;
  sortIndex: number;
}

export interface TrackPayload {
  pid: number;
  tid: number;
  device: string;
  unit: string;
  group: string;
  /** Number of spans. */
  n: number;
  /**
   * Spans are stored lane by lane (a lane is a row of non-overlapping spans; nested spans go to
   * deeper lanes), each lane sorted by start. laneStart[l] is the first span of lane l, with a
   * final entry equal to n.
   */
  laneStart: number[];
  /** Float64 start times (ns). */
  start: B64;
  /** Float64 durations (ns). */
  dur: B64;
  /** Uint32 style key per span (index into RunPayload.styles). */
  style: B64;
  /** Per argument key: [key string index, Uint32 column of 1-based value indices (0 = absent)]. */
  args: [number, B64][];
  /** Instants on this track: times (ns) and name string indices. */
  instants?: { t: number[]; name: number[] };
}

export interface CounterPayload {
  pid: number;
  device: string;
  name: string;
  series: string[];
  /** Float64 sample times (ns), ascending; a value holds until the next sample. */
  t: B64;
  /** Float64 values per series, parallel to t. */
  v: B64[];
}
