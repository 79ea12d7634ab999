/**
 * Synthetic traces in the tilewave format (docs/trace-format.md) for the viewer's tests and
 * benchmark: one GPU with an ops stream, N SM tracks, an HBM memory track, counters, a summary and
 * the device's roofs. Deterministic: the same options give the same trace.
 */
import type { ChromeTraceObject } from '../../viz/validate-trace.ts';

export interface FixtureOptions {
  sms?: number;
  /** Tiles per op per SM. */
  tilesPerSm?: number;
  title?: string;
  /** Multiplies every duration (a "slower" run B for comparisons). */
  slowdown?: number;
  /** Per-op slowdown factors by op name (overrides `slowdown`). */
  opSlowdown?: Record<string, number>;
  /** Add a tile config change for this op (for comparison config diffs). */
  tileOverride?: Record<string, string>;
}

type Ev = Record<string, unknown>;

export const DEVICE = {
  id: 'test-gpu',
  name: 'Test GPU 80GB',
  family: 'gpu',
  peakFlopsPerSecond: { fp16: 9.89e14, bf16: 9.89e14, fp8: 1.979e15, fp32: 6.69e13 },
  memoryBandwidthBytesPerSecond: 3.35e12,
};

/** Ops of the synthetic workload: name, type, duration (µs) and work. */
export const OPS = [
  { name: 'qkv_proj', type: 'gemm', us: 40, flops: 3.2e10, bytes: 6.0e7, tile: '128x256x64', dtype: 'fp16' },
  { name: 'attention', type: 'attention', us: 60, flops: 2.1e10, bytes: 9.0e7, tile: '128x128x64', dtype: 'fp16' },
  { name: 'out_proj', type: 'gemm', us: 25, flops: 1.1e10, bytes: 3.0e7, tile: '128x128x64', dtype: 'fp16' },
  { name: 'gelu', type: 'elementwise', us: 10, flops: 4.0e7, bytes: 6.4e7, tile: '', dtype: 'fp16' },
] as const;

/** A small realistic run: 4 SMs by default. */
export function syntheticTrace(options: FixtureOptions = {}): ChromeTraceObject {
  const sms = options.sms ?? 4;
  const tilesPerSm = options.tilesPerSm ?? 3;
  const pid = 1;
  const tracks: { pid: number; tid: number; device: string; unit: string; group: string }[] = [];
  const events: Ev[] = [
    { ph: 'M', pid, tid: 0, name: 'process_name', args: { name: 'gpu0' } },
    { ph: 'M', pid, tid: 0, name: 'process_sort_index', args: { sort_index: 1 } },
  ];
  const addTrack = (tid: number, unit: string, group: string) => {
    tracks.push({ pid, tid, device: 'gpu0', unit, group });
    events.push({ ph: 'M', pid, tid, name: 'thread_name', args: { name: unit } });
    events.push({ ph: 'M', pid, tid, name: 'thread_sort_index', args: { sort_index: tid } });
  };
  addTrack(1, 'stream 0', 'ops');
  for (let s = 0; s < sms; s++) addTrack(2 + s, `SM ${s}`, 'SM');
  const hbmTid = 2 + sms;
  addTrack(hbmTid, 'HBM', 'memory');

  const spans: Ev[] = [];
  const counters: Ev[] = [];
  const ops: Record<string, unknown>[] = [];
  const busy = new Map<string, number>();
  let t = 2; // µs: launch latency before the first op
  for (const op of OPS) {
    const factor = options.opSlowdown?.[op.name] ?? options.slowdown ?? 1;
    const dur = op.us * factor;
    const tile = options.tileOverride?.[op.name] ?? op.tile;
    const config = tile ? { tile, splitK: 1, stages: 3 } : undefined;
    spans.push({ ph: 'X', pid, tid: 1, ts: t, dur, name: op.name, cat: op.type, args: { op: op.name, flops: op.flops, bytes: op.bytes, ...(tile ? { config: tile } : {}) } });
    busy.set('stream 0', (busy.get('stream 0') ?? 0) + dur * 1000);
    const tileDur = dur / tilesPerSm;
    for (let s = 0; s < sms; s++) {
      // The last SM idles through the last tile of each op: a partial wave.
      const count = s === sms - 1 && tilesPerSm > 1 ? tilesPerSm - 1 : tilesPerSm;
      for (let k = 0; k < count; k++) {
        const i = k * sms + s;
        spans.push({
          ph: 'X', pid, tid: 2 + s, ts: t + k * tileDur, dur: tileDur * 0.96, name: `${op.name} tile ${i}`, cat: op.type,
          args: { tile: `${Math.floor(i / 8)},${i % 8}`, config: tile || 'n/a', bytes: Math.round(op.bytes / (sms * tilesPerSm)), flops: Math.round(op.flops / (sms * tilesPerSm)), op: op.name },
        });
        busy.set(`SM ${s}`, (busy.get(`SM ${s}`) ?? 0) + tileDur * 0.96 * 1000);
      }
    }
    spans.push({ ph: 'X', pid, tid: hbmTid, ts: t, dur: dur * 0.8, name: `${op.name} DRAM`, cat: 'transfer', args: { bytes: op.bytes } });
    busy.set('HBM', (busy.get('HBM') ?? 0) + dur * 0.8 * 1000);
    counters.push({ ph: 'C', pid, tid: 0, ts: t, name: 'HBM bandwidth (GB/s)', args: { 'GB/s': Math.round(op.bytes / (dur * 0.8) / 1e3) } });
    counters.push({ ph: 'C', pid, tid: 0, ts: t + dur * 0.8, name: 'HBM bandwidth (GB/s)', args: { 'GB/s': 0 } });
    counters.push({ ph: 'C', pid, tid: 0, ts: t, name: 'SMs busy', args: { SMs: sms } });
    counters.push({ ph: 'C', pid, tid: 0, ts: t + dur - tileDur, name: 'SMs busy', args: { SMs: sms - 1 } });
    const durationNs = dur * 1000;
    ops.push({
      name: op.name, type: op.type, startNs: t * 1000, durationNs, flops: op.flops, dramBytes: op.bytes, dtype: op.dtype,
      achievedFlopsPerSecond: op.flops / (durationNs / 1e9), achievedDramBytesPerSecond: op.bytes / (durationNs / 1e9),
      ...(config ? { config } : {}), waves: tilesPerSm - 1 / sms, tiles: sms * tilesPerSm - 1,
    });
    t += dur;
  }
  counters.push({ ph: 'C', pid, tid: 0, ts: t, name: 'SMs busy', args: { SMs: 0 } });
  events.push(...spans, ...counters);
  events.push({ ph: 'i', pid, tid: 1, ts: t, name: 'done', s: 't' });
  const endNs = t * 1000;
  const totalFlops = OPS.reduce((a, o) => a + o.flops, 0);
  const totalBytes = OPS.reduce((a, o) => a + o.bytes, 0);
  const summary = {
    schema: 'tilewave.summary',
    schemaVersion: '1.0.0',
    scenario: options.title ?? 'synthetic-block',
    seed: 1,
    device: DEVICE,
    simulatedTimeNs: endNs,
    eventCount: events.length,
    totals: { flops: totalFlops, dramBytes: totalBytes, achievedFlopsPerSecond: totalFlops / (endNs / 1e9), achievedDramBytesPerSecond: totalBytes / (endNs / 1e9) },
    ops,
    units: tracks.map((tr) => ({ device: 'gpu0', unit: tr.unit, busyNs: busy.get(tr.unit) ?? 0, utilization: (busy.get(tr.unit) ?? 0) / endNs })),
  };
  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    otherData: {
      tilewave: {
        formatVersion: '1.0',
        kind: 'run',
        title: options.title ?? 'synthetic transformer block on test-gpu',
        tracks,
        device: DEVICE,
        summary,
      },
    },
  };
}

/** A sweep trace: TFLOP/s against n, each point linking to a per-point trace. */
export function sweepTrace(points = 12, series: string[] = []): ChromeTraceObject {
  const one = (scale: number, name?: string) => Array.from({ length: points }, (_, i) => {
    const value = 1024 * (i + 1);
    const tflops = scale * 700 * (1 - Math.exp(-value / 3000)) * (i % 5 === 4 ? 0.85 : 1);
    return { value, ...(name !== undefined ? { series: name } : {}), timeNs: (2 * 4096 * 4096 * value) / (tflops * 1e12) * 1e9, tflops: Math.round(tflops * 10) / 10, tile: i % 2 ? '128x256x64' : '128x128x64', trace: `runs/n-${value}.json` };
  });
  // Several series: the same curve scaled down by a third for each further one.
  const list = series.length === 0 ? one(1) : series.flatMap((name, k) => one(1 / (1 + k / 3), name));
  return {
    traceEvents: [],
    displayTimeUnit: 'ns',
    otherData: {
      tilewave: {
        formatVersion: '1.0',
        kind: 'sweep',
        title: 'GEMM sweep over n on test-gpu',
        tracks: [],
        device: DEVICE,
        sweep: { parameter: 'n', metric: 'tflops', points: list },
      },
    },
  };
}

/**
 * A large trace for the benchmark: `spans` tile spans spread over `sms` SM tracks, back to back
 * with small gaps, plus an ops stream and a busy counter. Built with plain loops (no per-op
 * bookkeeping) so a million spans take about a second.
 */
export function largeTrace(spans = 1_000_000, sms = 132): ChromeTraceObject {
  const pid = 1;
  const events: Ev[] = [{ ph: 'M', pid, tid: 0, name: 'process_name', args: { name: 'gpu0' } }];
  const tracks: { pid: number; tid: number; device: string; unit: string; group: string }[] = [{ pid, tid: 1, device: 'gpu0', unit: 'stream 0', group: 'ops' }];
  events.push({ ph: 'M', pid, tid: 1, name: 'thread_name', args: { name: 'stream 0' } });
  for (let s = 0; s < sms; s++) {
    tracks.push({ pid, tid: 2 + s, device: 'gpu0', unit: `SM ${s}`, group: 'SM' });
    events.push({ ph: 'M', pid, tid: 2 + s, name: 'thread_name', args: { name: `SM ${s}` } });
  }
  const perSm = Math.ceil(spans / sms);
  const opCount = 40;
  const tilesPerOp = Math.ceil(perSm / opCount);
  const tileUs = 0.8;
  let made = 0;
  for (let s = 0; s < sms && made < spans; s++) {
    let t = 1 + (s % 7) * 0.01;
    for (let k = 0; k < perSm && made < spans; k++) {
      const op = Math.floor(k / tilesPerOp);
      const dur = tileUs * (0.9 + ((k * 7 + s * 13) % 10) * 0.02);
      events.push({
        ph: 'X', pid, tid: 2 + s, ts: t, dur, name: `op${op} tile`, cat: op % 3 === 0 ? 'attention' : 'gemm',
        args: { tile: `${k % 64},${s}`, config: op % 2 ? '128x256x64' : '128x128x64', bytes: 65536 + (k % 16) * 4096, flops: 2 * 128 * 128 * 64 * 4 },
      });
      t += dur + 0.05;
      made++;
    }
  }
  const opUs = tilesPerOp * (tileUs + 0.05);
  for (let op = 0; op < opCount; op++) {
    events.push({ ph: 'X', pid, tid: 1, ts: 1 + op * opUs, dur: opUs * 0.99, name: `op${op}`, cat: op % 3 === 0 ? 'attention' : 'gemm', args: { op: `op${op}` } });
    events.push({ ph: 'C', pid, tid: 0, ts: 1 + op * opUs, name: 'SMs busy', args: { SMs: sms - (op % 5) } });
  }
  return { traceEvents: events, displayTimeUnit: 'ns', otherData: { tilewave: { formatVersion: '1.0', kind: 'run', title: `${spans} synthetic spans on ${sms} SMs`, tracks, device: DEVICE } } };
}

/**
 * Two GPUs joined by NVLink: per device an ops stream, 20 SMs (a group that starts collapsed),
 * 4 HBM channels and a link; spans nested on the ops stream (a layer containing its kernels) and
 * an all-reduce crossing both devices. No summary: a device-less, generic-looking trace.
 */
export function multiDeviceTrace(): ChromeTraceObject {
  const events: Ev[] = [];
  const tracks: { pid: number; tid: number; device: string; unit: string; group: string }[] = [];
  for (const pid of [1, 2]) {
    const device = `gpu${pid - 1}`;
    events.push({ ph: 'M', pid, tid: 0, name: 'process_name', args: { name: device } });
    const units: [string, string][] = [['stream 0', 'ops'], ...Array.from({ length: 20 }, (_, i): [string, string] => [`SM ${i}`, 'SM']), ...Array.from({ length: 4 }, (_, i): [string, string] => [`HBM ${i}`, 'memory']), ['NVLink', 'link']];
    units.forEach(([unit, group], i) => {
      tracks.push({ pid, tid: i + 1, device, unit, group });
      events.push({ ph: 'M', pid, tid: i + 1, name: 'thread_name', args: { name: unit } });
    });
    events.push({ ph: 'X', pid, tid: 1, ts: 0, dur: 100, name: 'layer 0', cat: 'layer' });
    events.push({ ph: 'X', pid, tid: 1, ts: 0, dur: 60, name: 'mlp_up', cat: 'gemm', args: { flops: 1e10 } });
    events.push({ ph: 'X', pid, tid: 1, ts: 60, dur: 30, name: 'mlp_down', cat: 'gemm', args: { flops: 5e9 } });
    events.push({ ph: 'X', pid, tid: 1, ts: 61, dur: 5, name: 'epilogue', cat: 'elementwise' });
    for (let s = 0; s < 20; s++) events.push({ ph: 'X', pid, tid: 2 + s, ts: s * 0.5, dur: 50, name: 'mlp_up tile', cat: 'gemm', args: { op: 'mlp_up', tile: `${s},0` } });
    for (let c = 0; c < 4; c++) events.push({ ph: 'X', pid, tid: 22 + c, ts: c * 2, dur: 30, name: 'weights', cat: 'transfer', args: { bytes: 1 << 24 } });
    events.push({ ph: 'X', pid, tid: 26, ts: 90, dur: 10, name: 'all-reduce', cat: 'transfer', args: { bytes: 1 << 22, peer: pid === 1 ? 'gpu1' : 'gpu0' } });
    events.push({ ph: 'C', pid, tid: 0, ts: 0, name: 'link bandwidth (GB/s)', args: { tx: 0, rx: 0 } });
    events.push({ ph: 'C', pid, tid: 0, ts: 90, name: 'link bandwidth (GB/s)', args: { tx: 400, rx: 380 } });
    events.push({ ph: 'C', pid, tid: 0, ts: 100, name: 'link bandwidth (GB/s)', args: { tx: 0, rx: 0 } });
    events.push({ ph: 'i', pid, tid: 1, ts: 100, name: 'sync', s: 't' });
  }
  return { traceEvents: events, displayTimeUnit: 'ns', otherData: { tilewave: { formatVersion: '1.0', kind: 'run', title: 'two GPUs over NVLink', tracks } } };
}

/** A validation report's trace: two devices, rows with known errors (see the expected statistics in the tests). */
export function validationFixture(): ChromeTraceObject {
  const rows = [
    ['dev-a', 16, 10, 11],
    ['dev-a', 2048, 100, 95],
    ['dev-a', 512, 50, 50],
    ['dev-b', 8, 20, 30],
    ['dev-b', 128, 40, 32],
  ] as const;
  const devices = ['dev-a', 'dev-b'];
  return {
    traceEvents: [],
    otherData: {
      tilewave: {
        formatVersion: '1.0',
        kind: 'validation',
        title: 'Validation against fixture.csv',
        tracks: [],
        validation: {
          source: 'fixture.csv', devices, ops: ['gemm'], configs: ['128x128x64'],
          line: rows.map((_, i) => i + 2), device: rows.map((r) => devices.indexOf(r[0])), op: rows.map(() => 0),
          m: rows.map((r) => r[1]), n: rows.map(() => 4096), k: [8192, 1024, 8192, 4096, 4096],
          measuredUs: rows.map((r) => r[2]), predictedUs: rows.map((r) => r[3]), config: rows.map(() => 0),
          rowSources: ['model-x:attn_post_proj', 'model-x:mlp_down_proj'], rowSource: [0, 1, 1, 0, 1],
        },
      },
    },
  };
}

/** All-reduce rows: no m, so the payload says what their error is drawn against (bytes). */
export function validationSizesFixture(): ChromeTraceObject {
  const base = validationFixture();
  const tw = (base.otherData as { tilewave: { validation: Record<string, unknown>; title: string } }).tilewave;
  tw.title = 'Validation against allreduce.csv';
  tw.validation = { ...tw.validation, source: 'allreduce.csv', ops: ['allreduce'], m: [1, 1, 1, 1, 1], n: [1, 1, 1, 1, 1], k: [1, 1, 1, 1, 1], size: [2048, 2 ** 20, 2 ** 22, 2 ** 24, 2 ** 26], sizeLabel: 'buffer per GPU (bytes)' };
  return base;
}
