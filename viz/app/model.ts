/**
 * The viewer's in-memory model: the report payload decoded into typed arrays. Everything the
 * views draw comes from here.
 */
import { paletteIndexOf } from './colors.ts';
import { PAYLOAD_FORMAT, PAYLOAD_VERSION, type ReportPayload, type RunPayload } from '../payload.ts';

export interface SpanTrack {
  /** Index across all runs, in display order (the `trackIndex` of window.__tilewave). */
  index: number;
  run: RunModel;
  pid: number;
  tid: number;
  device: string;
  unit: string;
  group: string;
  n: number;
  lanes: number;
  /** laneStart[l] .. laneStart[l+1]-1 are lane l's spans, sorted by start. */
  laneStart: number[];
  start: Float64Array;
  end: Float64Array;
  style: Uint32Array;
  args: { key: string; col: Uint32Array }[];
  instants?: { t: number[]; name: string[] };
}

export interface CounterTrack {
  run: RunModel;
  pid: number;
  device: string;
  name: string;
  series: string[];
  t: Float64Array;
  /** Per series, stacked: stacked[s][i] = sum of series 0..s at sample i. */
  stacked: Float64Array[];
  values: Float64Array[];
  min: number;
  max: number;
}

/** A run as the views use it: the payload's own fields, with styles, tracks and counters decoded. */
export interface RunModel extends Pick<RunPayload, 'label' | 'title' | 'source' | 'kind' | 'startNs' | 'endNs' | 'spanCount' | 'values' | 'device' | 'summary' | 'sweep' | 'validation' | 'warnings'> {
  index: number;
  styleName: string[];
  styleCat: string[];
  /** Palette index per style. */
  styleColor: Int32Array;
  devices: { pid: number; name: string }[];
  tracks: SpanTrack[];
  counters: CounterTrack[];
}

export interface ReportModel {
  title: string;
  runs: RunModel[];
  /** All span tracks of all runs, indexed by SpanTrack.index. */
  tracks: SpanTrack[];
  spanCount: number;
}

export class ReportDataError extends Error {}

function bytesOf(b64: string): Uint8Array {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function float64(b64: string, n: number, what: string): Float64Array {
  const bytes = bytesOf(b64);
  if (bytes.byteLength !== n * 8) throw new ReportDataError(`report data is damaged: ${what} holds ${bytes.byteLength / 8} values, expected ${n}`);
  return new Float64Array(bytes.buffer, bytes.byteOffset, n);
}

function uint32(b64: string, n: number, what: string): Uint32Array {
  const bytes = bytesOf(b64);
  if (bytes.byteLength !== n * 4) throw new ReportDataError(`report data is damaged: ${what} holds ${bytes.byteLength / 4} values, expected ${n}`);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
}

/** Check the payload's envelope; throws ReportDataError with a message for the page. */
export function checkPayload(value: unknown): ReportPayload {
  if (typeof value !== 'object' || value === null) throw new ReportDataError('report data is missing or not an object');
  const p = value as Partial<ReportPayload>;
  if (p.format !== PAYLOAD_FORMAT) throw new ReportDataError(`report data has format ${JSON.stringify(p.format)}, expected "${PAYLOAD_FORMAT}"`);
  if (p.version !== PAYLOAD_VERSION) throw new ReportDataError(`report data version ${String(p.version)} is not supported by this viewer (expects ${PAYLOAD_VERSION})`);
  if (!Array.isArray(p.runs)) throw new ReportDataError('report data has no runs');
  return p as ReportPayload;
}

function decodeRun(p: RunPayload, index: number, firstTrackIndex: number): RunModel {
  const styleName = p.styles.map(([n]) => p.strings[n] ?? '');
  const styleCat = p.styles.map(([, c]) => p.strings[c] ?? '');
  const styleColor = Int32Array.from(p.styles, ([n, c, colorKey]) => paletteIndexOf(p.strings[colorKey ?? n] || p.strings[c] || ''));
  const run: RunModel = {
    index,
    label: p.label,
    title: p.title,
    source: p.source,
    kind: p.kind,
    startNs: p.startNs,
    endNs: p.endNs,
    spanCount: p.spanCount,
    styleName,
    styleCat,
    styleColor,
    values: p.values,
    devices: p.devices.map((d) => ({ pid: d.pid, name: d.name })),
    tracks: [],
    counters: [],
    device: p.device,
    summary: p.summary,
    sweep: p.sweep,
    validation: p.validation,
    warnings: p.warnings ?? [],
  };
  p.tracks.forEach((t, k) => {
    const what = `track ${t.device}/${t.unit}`;
    const start = float64(t.start, t.n, `${what} start times`);
    const dur = float64(t.dur, t.n, `${what} durations`);
    const end = new Float64Array(t.n);
    for (let i = 0; i < t.n; i++) end[i] = start[i]! + dur[i]!;
    const track: SpanTrack = {
      index: firstTrackIndex + k,
      run,
      pid: t.pid,
      tid: t.tid,
      device: t.device,
      unit: t.unit,
      group: t.group,
      n: t.n,
      lanes: Math.max(1, t.laneStart.length - 1),
      laneStart: t.laneStart.length >= 2 ? t.laneStart : [0, t.n],
      start,
      end,
      style: uint32(t.style, t.n, `${what} styles`),
      args: t.args.map(([key, col]) => ({ key: p.strings[key] ?? '?', col: uint32(col, t.n, `${what} argument column`) })),
    };
    if (t.instants) track.instants = { t: t.instants.t, name: t.instants.name.map((i) => p.strings[i] ?? '') };
    run.tracks.push(track);
  });
  for (const c of p.counters) {
    const t = bytesOf(c.t);
    const n = t.byteLength / 8;
    const times = new Float64Array(t.buffer, t.byteOffset, n);
    const values = c.v.map((v) => float64(v, n, `counter ${c.name}`));
    const stacked: Float64Array[] = [];
    let min = 0;
    let max = 0;
    values.forEach((col, s) => {
      const acc = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        acc[i] = (s > 0 ? stacked[s - 1]![i]! : 0) + col[i]!;
        if (acc[i]! > max) max = acc[i]!;
        if (acc[i]! < min) min = acc[i]!;
      }
      stacked.push(acc);
    });
    run.counters.push({ run, pid: c.pid, device: c.device, name: c.name, series: c.series, t: times, stacked, values, min, max });
  }
  return run;
}

export function decodeReport(payload: ReportPayload): ReportModel {
  const runs: RunModel[] = [];
  const tracks: SpanTrack[] = [];
  payload.runs.forEach((p, i) => {
    const run = decodeRun(p, i, tracks.length);
    runs.push(run);
    tracks.push(...run.tracks);
  });
  return { title: payload.title, runs, tracks, spanCount: runs.reduce((a, r) => a + r.spanCount, 0) };
}

export interface SpanInfo {
  track: SpanTrack;
  index: number;
  name: string;
  cat: string;
  startNs: number;
  durNs: number;
  lane: number;
  args: Record<string, unknown>;
}

export function laneOf(track: SpanTrack, i: number): number {
  let l = 0;
  while (l + 1 < track.laneStart.length - 1 && track.laneStart[l + 1]! <= i) l++;
  return l;
}

export function spanInfo(track: SpanTrack, i: number): SpanInfo {
  const s = track.style[i]!;
  const args: Record<string, unknown> = {};
  for (const a of track.args) {
    const v = a.col[i]!;
    if (v > 0) args[a.key] = track.run.values[v - 1];
  }
  return {
    track,
    index: i,
    name: track.run.styleName[s]!,
    cat: track.run.styleCat[s]!,
    startNs: track.start[i]!,
    durNs: track.end[i]! - track.start[i]!,
    lane: laneOf(track, i),
    args,
  };
}
