/**
 * Compile a validated trace (docs/trace-format.md) into the report's columnar payload
 * (viz/payload.ts): tracks in display order, spans packed into lanes and sorted for binary
 * search, counters as step series, arguments as dictionary-encoded columns. Runs once, at report
 * build time, so the page never walks the event objects.
 */
import type { ChromeTraceObject } from './validate-trace.ts';
import type { CounterPayload, DevicePayload, DeviceRoofs, RunPayload, SummaryLike, SweepLike, TrackPayload, ValidationLike } from './payload.ts';

/** Lanes beyond this are folded into the last one (a track with that much overlap is malformed). */
export const MAX_LANES = 32;

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function b64(array: Float64Array | Uint32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** Group for a track that the trace does not place in one (generic Chrome traces). */
export function guessGroup(unit: string): string {
  if (/^(SM|CU|core|tensor)\b/i.test(unit)) return 'SM';
  if (/HBM|DRAM|memory|\bL2\b|channel/i.test(unit)) return 'memory';
  if (/link|nvlink|pcie|network|nic/i.test(unit)) return 'link';
  if (/stream|\bops?\b|kernel/i.test(unit)) return 'ops';
  return 'other';
}

interface TrackBuild {
  pid: number;
  tid: number;
  device: string;
  unit: string;
  group: string;
  listed: boolean;
  spans: number[];
  instants: number[];
}

/**
 * Pack spans (already sorted by start, longer first on ties) into lanes: each span goes to the
 * first lane that is free at its start, so properly nested spans land at their nesting depth and
 * a lane never holds overlapping spans. Returns the lane per span and the lane count.
 */
export function assignLanes(starts: ArrayLike<number>, ends: ArrayLike<number>, maxLanes = MAX_LANES): { lane: Uint8Array; lanes: number; folded: number } {
  const n = starts.length;
  const lane = new Uint8Array(n);
  const laneEnd: number[] = [];
  let folded = 0;
  for (let i = 0; i < n; i++) {
    const s = starts[i];
    // Float slack: a span that starts where the previous one ended (up to rounding) shares its lane.
    const slack = 1e-6 + Math.abs(s) * 1e-12;
    let l = 0;
    while (l < laneEnd.length && laneEnd[l] > s + slack) l++;
    if (l >= maxLanes) {
      l = maxLanes - 1;
      folded++;
    }
    if (l === laneEnd.length) laneEnd.push(ends[i]);
    else laneEnd[l] = Math.max(laneEnd[l], ends[i]);
    lane[i] = l;
  }
  return { lane, lanes: Math.max(1, laneEnd.length), folded };
}

export interface CompileOptions {
  label?: string;
  source?: string;
}

/** Compile one trace that passed validateTrace(). */
export function compileTrace(trace: ChromeTraceObject, options: CompileOptions = {}): RunPayload {
  const events = trace.traceEvents as Rec[];
  const tw: Rec = isRecord(trace.otherData) && isRecord(trace.otherData.tilewave) ? trace.otherData.tilewave : {};
  const warnings: string[] = [];

  // Strings table.
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };

  // pid/tid may be strings in foreign traces; give each a number.
  const pidNumbers = new Map<unknown, number>();
  const pidOf = (raw: unknown): number => {
    if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
    let n = pidNumbers.get(raw);
    if (n === undefined) pidNumbers.set(raw, (n = 1_000_000 + pidNumbers.size));
    return n;
  };
  const tidOf = pidOf;

  // Metadata.
  const processName = new Map<number, string>();
  const processSort = new Map<number, number>();
  const threadName = new Map<string, string>();
  const threadSort = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    const pid = pidOf(e.pid);
    const args = isRecord(e.args) ? e.args : {};
    if (e.name === 'process_name' && typeof args.name === 'string') processName.set(pid, args.name);
    else if (e.name === 'process_sort_index' && typeof args.sort_index === 'number') processSort.set(pid, args.sort_index);
    else if (e.name === 'thread_name' && typeof args.name === 'string') threadName.set(`${pid}:${tidOf(e.tid)}`, args.name);
    else if (e.name === 'thread_sort_index' && typeof args.sort_index === 'number') threadSort.set(`${pid}:${tidOf(e.tid)}`, args.sort_index);
  }
  const deviceName = (pid: number): string => processName.get(pid) ?? `process ${pid}`;

  // Tracks: the trace's own list first (its order is the display order), then any others.
  const tracks = new Map<string, TrackBuild>();
  const addTrack = (pid: number, tid: number, fields: Partial<TrackBuild>): TrackBuild => {
    const key = `${pid}:${tid}`;
    let t = tracks.get(key);
    if (t === undefined) {
      const unit = fields.unit ?? threadName.get(key) ?? `thread ${tid}`;
      t = { pid, tid, device: fields.device ?? deviceName(pid), unit, group: fields.group ?? guessGroup(unit), listed: fields.listed ?? false, spans: [], instants: [] };
      tracks.set(key, t);
    }
    return t;
  };
  if (Array.isArray(tw.tracks)) {
    for (const t of tw.tracks as Rec[]) {
      addTrack(pidOf(t.pid), tidOf(t.tid), {
        device: typeof t.device === 'string' ? t.device : undefined,
        unit: typeof t.unit === 'string' ? t.unit : undefined,
        group: typeof t.group === 'string' ? t.group : undefined,
        listed: true,
      });
    }
  }
  const unlisted: [string, number][] = [];
  for (const key of threadName.keys()) {
    if (!tracks.has(key)) {
      const [pid, tid] = key.split(':').map(Number) as [number, number];
      addTrack(pid, tid, {});
      unlisted.push([key, threadSort.get(key) ?? tid]);
    }
  }

  // Events.
  let tMin = Infinity;
  let tMax = -Infinity;
  const counterMap = new Map<string, { pid: number; name: string; idx: number[] }>();
  let spanCount = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const ph = e.ph;
    if (ph === 'X') {
      const t = addTrack(pidOf(e.pid), tidOf(e.tid), {});
      t.spans.push(i);
      const s = (e.ts as number) * 1000;
      const end = s + (e.dur as number) * 1000;
      if (s < tMin) tMin = s;
      if (end > tMax) tMax = end;
      spanCount++;
    } else if (ph === 'C') {
      const pid = pidOf(e.pid);
      const name = typeof e.name === 'string' ? e.name : 'counter';
      const key = `${pid}\u0000${name}`;
      let c = counterMap.get(key);
      if (c === undefined) counterMap.set(key, (c = { pid, name, idx: [] }));
      c.idx.push(i);
      const s = (e.ts as number) * 1000;
      if (s < tMin) tMin = s;
      if (s > tMax) tMax = s;
    } else if (ph === 'i' || ph === 'I') {
      const t = addTrack(pidOf(e.pid), tidOf(e.tid ?? 0), {});
      t.instants.push(i);
      const s = (e.ts as number) * 1000;
      if (s < tMin) tMin = s;
      if (s > tMax) tMax = s;
    }
  }

  const summary = isRecord(tw.summary) ? sanitizeSummary(tw.summary, warnings) : undefined;
  if (summary && typeof summary.simulatedTimeNs === 'number' && summary.simulatedTimeNs > tMax) tMax = summary.simulatedTimeNs;
  if (!Number.isFinite(tMin)) {
    tMin = 0;
    tMax = Math.max(tMax, 0);
  }
  // A simulation starts at 0; show that origin unless the trace lives far from it (wall-clock traces).
  if (tMin >= 0 && tMin <= tMax - tMin) tMin = 0;
  if (!(tMax > tMin)) tMax = tMin + 1000;

  // Order: listed tracks keep their order; unlisted ones sort by device sort index, then thread sort.
  const ordered = [...tracks.values()];
  const listedOrder = new Map(ordered.map((t, i) => [t, i]));
  const sortKey = (t: TrackBuild) => threadSort.get(`${t.pid}:${t.tid}`) ?? t.tid;
  ordered.sort((a, b) => {
    if (a.listed !== b.listed) return a.listed ? -1 : 1;
    if (a.listed) return listedOrder.get(a)! - listedOrder.get(b)!;
    return (processSort.get(a.pid) ?? a.pid) - (processSort.get(b.pid) ?? b.pid) || sortKey(a) - sortKey(b) || a.tid - b.tid;
  });

  // Styles and argument values.
  const styles: RunPayload['styles'] = [];
  const styleIndex = new Map<string, number>();
  const values: unknown[] = [];
  const valueIndex = new Map<string, number>();
  const valueOf = (v: unknown): number => {
    const key = typeof v === 'string' ? `s${v}` : typeof v === 'number' ? `n${v}` : `j${JSON.stringify(v)}`;
    let idx = valueIndex.get(key);
    if (idx === undefined) {
      values.push(v);
      idx = values.length; // 1-based
      valueIndex.set(key, idx);
    }
    return idx;
  };

  let foldedTotal = 0;
  const trackPayloads: TrackPayload[] = [];
  for (const t of ordered) {
    const n = t.spans.length;
    const order = t.spans;
    order.sort((a, b) => (events[a].ts as number) - (events[b].ts as number) || (events[b].dur as number) - (events[a].dur as number));
    const startsSorted = new Float64Array(n);
    const endsSorted = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const e = events[order[k]];
      startsSorted[k] = (e.ts as number) * 1000;
      endsSorted[k] = startsSorted[k] + (e.dur as number) * 1000;
    }
    const { lane, lanes, folded } = assignLanes(startsSorted, endsSorted);
    foldedTotal += folded;
    // Stable bucket by lane.
    const laneStart = new Array<number>(lanes + 1).fill(0);
    for (let k = 0; k < n; k++) laneStart[lane[k] + 1]++;
    for (let l = 0; l < lanes; l++) laneStart[l + 1] += laneStart[l];
    const cursor = laneStart.slice(0, lanes);
    const start = new Float64Array(n);
    const dur = new Float64Array(n);
    const style = new Uint32Array(n);
    const argColumns = new Map<string, Uint32Array>();
    for (let k = 0; k < n; k++) {
      const j = cursor[lane[k]]++;
      const e = events[order[k]];
      start[j] = startsSorted[k];
      dur[j] = endsSorted[k] - startsSorted[k];
      const name = typeof e.name === 'string' ? e.name : '(unnamed)';
      const cat = typeof e.cat === 'string' ? e.cat : '';
      // Work done for an op (a tile of a GEMM) takes the op's colour: args.op names it.
      const op = isRecord(e.args) && typeof e.args.op === 'string' && e.args.op !== name ? e.args.op : undefined;
      const sk = op === undefined ? `${name}\u0000${cat}` : `${name}\u0000${cat}\u0000${op}`;
      let si = styleIndex.get(sk);
      if (si === undefined) {
        si = styles.length;
        styles.push(op === undefined ? [str(name), str(cat)] : [str(name), str(cat), str(op)]);
        styleIndex.set(sk, si);
      }
      style[j] = si;
      if (isRecord(e.args)) {
        for (const key in e.args) {
          const v = e.args[key];
          if (v === undefined) continue;
          let col = argColumns.get(key);
          if (col === undefined) argColumns.set(key, (col = new Uint32Array(n)));
          col[j] = valueOf(v);
        }
      }
    }
    const payload: TrackPayload = {
      pid: t.pid, tid: t.tid, device: t.device, unit: t.unit, group: t.group, n, laneStart,
      start: b64(start), dur: b64(dur), style: b64(style),
      args: [...argColumns].map(([key, col]) => [str(key), b64(col)]),
    };
    if (t.instants.length > 0) {
      const inst = t.instants.map((i) => events[i]).sort((a, b) => (a.ts as number) - (b.ts as number));
      payload.instants = { t: inst.map((e) => (e.ts as number) * 1000), name: inst.map((e) => str(typeof e.name === 'string' ? e.name : 'instant')) };
    }
    trackPayloads.push(payload);
  }
  if (foldedTotal > 0) warnings.push(`${foldedTotal} spans overlap more than ${MAX_LANES} deep on their track and are drawn in its last row`);

  // Counters: one series per numeric arg; samples at the same time keep the last value.
  const counters: CounterPayload[] = [];
  for (const c of counterMap.values()) {
    const idx = c.idx.slice().sort((a, b) => (events[a].ts as number) - (events[b].ts as number) || a - b);
    const series: string[] = [];
    const seriesIndex = new Map<string, number>();
    for (const i of idx) {
      const args = events[i].args;
      if (!isRecord(args)) continue;
      for (const k in args) {
        if (typeof args[k] === 'number' && !seriesIndex.has(k)) {
          seriesIndex.set(k, series.length);
          series.push(k);
        }
      }
    }
    if (series.length === 0) continue;
    const times: number[] = [];
    const cols: number[][] = series.map(() => []);
    const current = new Array<number>(series.length).fill(0);
    for (const i of idx) {
      const e = events[i];
      const ts = (e.ts as number) * 1000;
      const args = isRecord(e.args) ? e.args : {};
      for (let s = 0; s < series.length; s++) {
        const v = args[series[s]];
        if (typeof v === 'number' && Number.isFinite(v)) current[s] = v;
      }
      const last = times.length - 1;
      if (last >= 0 && times[last] === ts) {
        for (let s = 0; s < series.length; s++) cols[s][last] = current[s];
      } else {
        times.push(ts);
        for (let s = 0; s < series.length; s++) cols[s].push(current[s]);
      }
    }
    counters.push({
      pid: c.pid, device: deviceName(c.pid), name: c.name, series,
      t: b64(Float64Array.from(times)), v: cols.map((col) => b64(Float64Array.from(col))),
    });
  }

  // Devices in display order: as their first track or counter appears.
  const devices: DevicePayload[] = [];
  const seenPid = new Set<number>();
  for (const t of trackPayloads) {
    if (!seenPid.has(t.pid)) {
      seenPid.add(t.pid);
      devices.push({ pid: t.pid, name: t.device, sortIndex: processSort.get(t.pid) ?? t.pid });
    }
  }
  for (const c of counters) {
    if (!seenPid.has(c.pid)) {
      seenPid.add(c.pid);
      devices.push({ pid: c.pid, name: c.device, sortIndex: processSort.get(c.pid) ?? c.pid });
    }
  }
  if (unlisted.length > 0 || !Array.isArray(tw.tracks)) devices.sort((a, b) => a.sortIndex - b.sortIndex);

  const device = isRecord(tw.device) ? sanitizeDevice(tw.device) : summary?.device;
  const sweep = tw.kind === 'sweep' && isRecord(tw.sweep) ? sanitizeSweep(tw.sweep) : undefined;
  const validation = tw.kind === 'validation' && isRecord(tw.validation) ? sanitizeValidation(tw.validation, warnings) : undefined;
  const title = typeof tw.title === 'string' && tw.title ? tw.title : summary?.scenario ?? options.source ?? 'trace';

  const payload: RunPayload = {
    label: options.label ?? '',
    title,
    kind: tw.kind === 'sweep' ? 'sweep' : tw.kind === 'validation' ? 'validation' : 'run',
    startNs: tMin,
    endNs: tMax,
    spanCount,
    strings,
    styles,
    values,
    devices,
    tracks: trackPayloads,
    counters,
    warnings,
  };
  if (options.source !== undefined) payload.source = options.source;
  if (device !== undefined) payload.device = device;
  if (summary !== undefined) payload.summary = summary;
  if (sweep !== undefined) payload.sweep = sweep;
  if (validation !== undefined) payload.validation = validation;
  return payload;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function sanitizeDevice(d: Rec): DeviceRoofs {
  const out: DeviceRoofs = {};
  if (typeof d.id === 'string') out.id = d.id;
  if (typeof d.name === 'string') out.name = d.name;
  if (isRecord(d.peakFlopsPerSecond)) {
    out.peakFlopsPerSecond = Object.fromEntries(Object.entries(d.peakFlopsPerSecond).filter(([, v]) => finite(v) && v > 0)) as Record<string, number>;
  }
  if (finite(d.memoryBandwidthBytesPerSecond) && d.memoryBandwidthBytesPerSecond > 0) out.memoryBandwidthBytesPerSecond = d.memoryBandwidthBytesPerSecond;
  return out;
}

/** Keep the summary's well-formed parts, so one odd field cannot break the page. */
function sanitizeSummary(s: Rec, warnings: string[]): SummaryLike {
  const out = { ...s } as SummaryLike & Rec;
  if (isRecord(s.device)) out.device = { ...(s.device as Rec), ...sanitizeDevice(s.device) };
  else delete out.device;
  if (!finite(s.simulatedTimeNs)) delete out.simulatedTimeNs;
  if (!isRecord(s.totals)) delete out.totals;
  if (s.ops !== undefined) {
    const ops = Array.isArray(s.ops) ? s.ops : [];
    out.ops = ops.filter((o): o is NonNullable<SummaryLike['ops']>[number] => isRecord(o) && typeof o.name === 'string' && finite(o.durationNs));
    if (out.ops.length < ops.length || !Array.isArray(s.ops)) warnings.push(`summary: ${Array.isArray(s.ops) ? ops.length - out.ops.length : 'all'} ops without a name and durationNs not shown`);
  }
  if (s.units !== undefined) {
    out.units = (Array.isArray(s.units) ? s.units : []).filter((u): u is NonNullable<SummaryLike['units']>[number] => isRecord(u) && typeof u.unit === 'string' && finite(u.utilization));
  }
  return out;
}

/** Keep the rows whose numbers are usable (positive times, indices in range); count the rest. */
function sanitizeValidation(v: Rec, warnings: string[]): ValidationLike {
  const names = (x: unknown) => (Array.isArray(x) ? x.map((s) => String(s)) : []);
  const col = (x: unknown) => (Array.isArray(x) ? x : []);
  const out: ValidationLike = { source: typeof v.source === 'string' ? v.source : '', devices: names(v.devices), ops: names(v.ops), configs: names(v.configs), line: [], device: [], op: [], m: [], n: [], k: [], measuredUs: [], predictedUs: [], config: [] };
  const [line, device, op, m, n, k, measured, predicted, config] = [v.line, v.device, v.op, v.m, v.n, v.k, v.measuredUs, v.predictedUs, v.config].map(col);
  const index = (x: unknown, list: string[]) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < list.length;
  // Optional row sources (older traces have none): an index out of range reads as no source (-1).
  const rowSource = Array.isArray(v.rowSource) && v.rowSource.length === measured!.length ? v.rowSource : undefined;
  const withSources = rowSource !== undefined && Array.isArray(v.rowSources);
  if (withSources) {
    out.rowSources = names(v.rowSources);
    out.rowSource = [];
  }
  // Optional sizes the signed error is drawn against (default m): kept only as a whole column.
  const size = Array.isArray(v.size) && v.size.length === measured!.length && v.size.every((x) => finite(x) && x > 0) ? (v.size as number[]) : undefined;
  if (size !== undefined) {
    out.size = [];
    if (typeof v.sizeLabel === 'string') out.sizeLabel = v.sizeLabel;
  }
  // Optional shares of A that were zeros: kept only as a whole column of numbers in [0, 1].
  const aZero = Array.isArray(v.aZero) && v.aZero.length === measured!.length && v.aZero.every((x) => finite(x) && x >= 0 && x <= 1) ? (v.aZero as number[]) : undefined;
  if (aZero !== undefined) out.aZero = [];
  // Optional profiling-run lengths (ms, -1 unknown): likewise kept only as a whole column.
  const runMs = Array.isArray(v.runMs) && v.runMs.length === measured!.length && v.runMs.every((x) => finite(x) && x >= -1) ? (v.runMs as number[]) : undefined;
  if (runMs !== undefined) out.runMs = [];
  let dropped = 0;
  for (let i = 0; i < measured!.length; i++) {
    const ok = finite(measured![i]) && measured![i] > 0 && finite(predicted![i]) && predicted![i] > 0 && index(device![i], out.devices) && index(op![i], out.ops) && index(config![i], out.configs);
    if (!ok) {
      dropped++;
      continue;
    }
    out.line.push(finite(line![i]) ? line![i] : 0);
    out.device.push(device![i] as number);
    out.op.push(op![i] as number);
    out.m.push(finite(m![i]) ? m![i] : 0);
    out.n.push(finite(n![i]) ? n![i] : 0);
    out.k.push(finite(k![i]) ? k![i] : 0);
    out.measuredUs.push(measured![i] as number);
    out.predictedUs.push(predicted![i] as number);
    out.config.push(config![i] as number);
    if (withSources) out.rowSource!.push(index(rowSource![i], out.rowSources!) ? (rowSource![i] as number) : -1);
    if (size !== undefined) out.size!.push(size[i]!);
    if (aZero !== undefined) out.aZero!.push(aZero[i]!);
    if (runMs !== undefined) out.runMs!.push(runMs[i]!);
  }
  if (dropped > 0) warnings.push(`validation: ${dropped} rows without positive times or with unknown device, op or config not shown`);
  return out;
}

function sanitizeSweep(s: Rec): SweepLike {
  return {
    parameter: typeof s.parameter === 'string' ? s.parameter : 'value',
    metric: typeof s.metric === 'string' ? s.metric : '',
    points: (Array.isArray(s.points) ? s.points : []).filter((p): p is SweepLike['points'][number] => isRecord(p) && finite(p.value)),
  };
}
