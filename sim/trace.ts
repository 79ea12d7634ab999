import { nsToUs, type TimeNs } from './units.ts';

/** Where a span or instant is drawn: one unit (thread) of one device (process). */
export interface Track {
  readonly pid: number;
  readonly tid: number;
  readonly device: string;
  readonly unit: string;
  /** Viewer grouping: "ops", "SM", "memory", "link", "engine", ... */
  readonly group: string;
}

export type TraceArgs = Record<string, string | number | boolean | null | Record<string, unknown> | unknown[]>;

interface SpanRecord { track: Track; name: string; cat: string; startNs: TimeNs; durNs: TimeNs; args?: TraceArgs }
interface CounterRecord { pid: number; name: string; timeNs: TimeNs; values: Record<string, number> }
interface InstantRecord { track: Track; name: string; timeNs: TimeNs; args?: TraceArgs }

/** A Chrome Trace Event JSON object (docs/trace-format.md). */
export interface ChromeTrace {
  traceEvents: Record<string, unknown>[];
  displayTimeUnit: 'ns';
  otherData: { tilewave: Record<string, unknown> };
}

export interface TrackBusy {
  device: string;
  unit: string;
  busyNs: TimeNs;
  utilization: number;
}

/**
 * Records spans, counters and instants in simulated time and exports them as Chrome Trace Event
 * JSON (Perfetto opens it). Track ids are assigned in creation order, so a deterministic model gives
 * a byte-identical trace.
 */
export class TraceRecorder {
  private readonly devices = new Map<string, number>();
  private readonly tracks = new Map<string, Track>();
  private readonly tracksPerDevice = new Map<number, number>();
  private readonly trackList: Track[] = [];
  private readonly spans: SpanRecord[] = [];
  private readonly counters: CounterRecord[] = [];
  private readonly instants: InstantRecord[] = [];
  /** When false, spans/instants are dropped (aggregated runs); busy time is still not tracked. */
  enabled = true;

  /** The track for `device / unit`, created on first use. */
  track(device: string, unit: string, group = 'engine'): Track {
    const key = `${device}\u0000${unit}`;
    let track = this.tracks.get(key);
    if (track === undefined) {
      let pid = this.devices.get(device);
      if (pid === undefined) {
        pid = this.devices.size + 1;
        this.devices.set(device, pid);
      }
      const tid = (this.tracksPerDevice.get(pid) ?? 0) + 1;
      this.tracksPerDevice.set(pid, tid);
      track = { pid, tid, device, unit, group };
      this.tracks.set(key, track);
      this.trackList.push(track);
    }
    return track;
  }

  span(track: Track, name: string, startNs: TimeNs, durNs: TimeNs, args?: TraceArgs, cat = 'op'): void {
    if (!this.enabled) return;
    if (!(durNs >= 0)) throw new RangeError(`trace span ${name}: duration must be >= 0 ns, got ${durNs}`);
    this.spans.push({ track, name, cat, startNs, durNs, args });
  }

  /** A counter sample; the value holds until the next sample of the same name on the device. */
  counter(device: string, name: string, timeNs: TimeNs, values: Record<string, number>): void {
    if (!this.enabled) return;
    let pid = this.devices.get(device);
    if (pid === undefined) {
      pid = this.devices.size + 1;
      this.devices.set(device, pid);
    }
    this.counters.push({ pid, name, timeNs, values });
  }

  instant(track: Track, name: string, timeNs: TimeNs, args?: TraceArgs): void {
    if (!this.enabled) return;
    this.instants.push({ track, name, timeNs, args });
  }

  get spanCount(): number {
    return this.spans.length;
  }

  get trackCount(): number {
    return this.trackList.length;
  }

  /** Busy time per track (the union of its spans) and utilization over [0, endNs]. */
  busyByTrack(endNs: TimeNs): TrackBusy[] {
    const intervals = new Map<Track, [number, number][]>();
    for (const s of this.spans) {
      let list = intervals.get(s.track);
      if (list === undefined) intervals.set(s.track, (list = []));
      list.push([s.startNs, s.startNs + s.durNs]);
    }
    return this.trackList.map((track) => {
      const list = (intervals.get(track) ?? []).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let busy = 0;
      let curStart = -Infinity;
      let curEnd = -Infinity;
      for (const [s, e] of list) {
        if (s > curEnd) {
          if (curEnd > curStart) busy += curEnd - curStart;
          curStart = s;
          curEnd = e;
        } else if (e > curEnd) {
          curEnd = e;
        }
      }
      if (curEnd > curStart) busy += curEnd - curStart;
      return { device: track.device, unit: track.unit, busyNs: busy, utilization: endNs > 0 ? busy / endNs : 0 };
    });
  }

  /** Export as a Chrome Trace Event JSON object; `extra` goes to otherData.tilewave. */
  toChromeTrace(extra: Record<string, unknown> = {}): ChromeTrace {
    const events: Record<string, unknown>[] = [];
    for (const [device, pid] of this.devices) {
      events.push({ ph: 'M', pid, tid: 0, name: 'process_name', args: { name: device } });
      events.push({ ph: 'M', pid, tid: 0, name: 'process_sort_index', args: { sort_index: pid } });
    }
    for (const t of this.trackList) {
      events.push({ ph: 'M', pid: t.pid, tid: t.tid, name: 'thread_name', args: { name: t.unit } });
      events.push({ ph: 'M', pid: t.pid, tid: t.tid, name: 'thread_sort_index', args: { sort_index: t.tid } });
    }
    for (const s of this.spans) {
      const e: Record<string, unknown> = {
        ph: 'X', pid: s.track.pid, tid: s.track.tid, ts: nsToUs(s.startNs), dur: nsToUs(s.durNs), name: s.name, cat: s.cat,
      };
      if (s.args !== undefined) e.args = s.args;
      events.push(e);
    }
    for (const c of this.counters) {
      events.push({ ph: 'C', pid: c.pid, tid: 0, ts: nsToUs(c.timeNs), name: c.name, args: c.values });
    }
    for (const i of this.instants) {
      const e: Record<string, unknown> = { ph: 'i', pid: i.track.pid, tid: i.track.tid, ts: nsToUs(i.timeNs), name: i.name, s: 't' };
      if (i.args !== undefined) e.args = i.args;
      events.push(e);
    }
    return {
      traceEvents: events,
      displayTimeUnit: 'ns',
      otherData: {
        tilewave: {
          formatVersion: '1.0',
          kind: 'run',
          tracks: this.trackList.map((t) => ({ pid: t.pid, tid: t.tid, device: t.device, unit: t.unit, group: t.group })),
          ...extra,
        },
      },
    };
  }
}
