/**
 * The summary panel (#tw-summary): headline numbers, per-unit utilization, chosen kernel
 * configurations and the per-op table. Reads the run summary (docs/summary-format.md) when the
 * trace carries one, and falls back to what the spans say.
 */
import { el, type Child } from './dom.ts';
import { formatByteRate, formatBytes, formatDuration, formatFlopRate, formatFlops, formatNumber, formatPercent } from './format.ts';
import type { RunModel } from './model.ts';
import { sortableTable, type Column } from './table.ts';
import type { OpSummaryLike } from '../payload.ts';

export interface OpRow {
  index: number;
  op: OpSummaryLike;
  flopsPerSecond: number | undefined;
  bytesPerSecond: number | undefined;
  intensity: number | undefined;
  peakFraction: number | undefined;
  share: number | undefined;
}

export function totalTimeNs(run: RunModel): number {
  return run.summary?.simulatedTimeNs ?? run.endNs - run.startNs;
}

/** Peak FLOP/s for a dtype from the device roofs. */
export function peakFor(run: RunModel, dtype: string | undefined): number | undefined {
  const peaks = run.device?.peakFlopsPerSecond ?? run.summary?.device?.peakFlopsPerSecond;
  if (!peaks) return undefined;
  if (dtype && peaks[dtype] !== undefined) return peaks[dtype];
  return undefined;
}

export function opRows(run: RunModel): OpRow[] {
  const total = totalTimeNs(run);
  return (run.summary?.ops ?? []).map((op, index) => {
    const seconds = op.durationNs / 1e9;
    const flopsPerSecond = op.achievedFlopsPerSecond ?? (op.flops !== undefined && seconds > 0 ? op.flops / seconds : undefined);
    const bytesPerSecond = op.achievedDramBytesPerSecond ?? (op.dramBytes !== undefined && seconds > 0 ? op.dramBytes / seconds : undefined);
    const intensity = op.flops !== undefined && op.dramBytes ? op.flops / op.dramBytes : undefined;
    const peak = peakFor(run, op.dtype);
    return {
      index, op, flopsPerSecond, bytesPerSecond, intensity,
      peakFraction: peak && flopsPerSecond !== undefined ? flopsPerSecond / peak : undefined,
      share: total > 0 ? op.durationNs / total : undefined,
    };
  });
}

export function configText(config: Record<string, unknown> | undefined): string {
  if (!config) return '';
  return Object.entries(config)
    .map(([k, v]) => (k === 'tile' ? String(v) : `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`))
    .join(' ');
}

/** The dtype doing most of the run's FLOPs. */
function mainDtype(run: RunModel): string | undefined {
  const byType = new Map<string, number>();
  for (const op of run.summary?.ops ?? []) if (op.dtype) byType.set(op.dtype, (byType.get(op.dtype) ?? 0) + (op.flops ?? 0));
  let best: string | undefined;
  let bestFlops = -1;
  for (const [d, f] of byType) if (f > bestFlops) [best, bestFlops] = [d, f];
  return best;
}

function card(label: string, value: string, sub?: string, title?: string): HTMLElement {
  return el('div', { class: 'tw-card', title }, el('div', { class: 'tw-card-label' }, label), el('div', { class: 'tw-card-value' }, value), sub ? el('div', { class: 'tw-card-sub' }, sub) : null);
}

export function headlineCards(run: RunModel): HTMLElement {
  const s = run.summary;
  const total = totalTimeNs(run);
  const flops = s?.totals?.flops ?? (s?.ops ?? []).reduce((a, o) => a + (o.flops ?? 0), 0);
  const bytes = s?.totals?.dramBytes ?? (s?.ops ?? []).reduce((a, o) => a + (o.dramBytes ?? 0), 0);
  const rate = s?.totals?.achievedFlopsPerSecond ?? (total > 0 ? flops / (total / 1e9) : 0);
  const bw = s?.totals?.achievedDramBytesPerSecond ?? (total > 0 ? bytes / (total / 1e9) : 0);
  const dtype = mainDtype(run);
  const peak = peakFor(run, dtype);
  const bwPeak = run.device?.memoryBandwidthBytesPerSecond ?? s?.device?.memoryBandwidthBytesPerSecond;
  const cards: HTMLElement[] = [card('Total time', formatDuration(total), run.summary ? 'simulated' : 'traced span')];
  if (s) {
    cards.push(
      card('Compute', formatFlopRate(rate), peak ? `${formatPercent(rate / peak)} of ${dtype} peak (${formatFlopRate(peak)})` : undefined),
      card('DRAM bandwidth', formatByteRate(bw), bwPeak ? `${formatPercent(bw / bwPeak)} of ${formatByteRate(bwPeak)}` : undefined),
      card('Work', formatFlops(flops), `${formatBytes(bytes)} DRAM traffic${bytes > 0 ? ` · ${formatNumber(Number((flops / bytes).toPrecision(4)))} FLOP/B` : ''}`),
      card('Ops', formatNumber(s.ops?.length ?? 0), `${formatNumber(run.spanCount)} spans${s.eventCount !== undefined ? ` · ${formatNumber(s.eventCount)} events` : ''}`),
    );
  } else {
    cards.push(card('Spans', formatNumber(run.spanCount), `${run.tracks.length} tracks`));
  }
  const dev = run.device ?? s?.device;
  if (dev?.name || dev?.id) cards.push(card('Device', dev.id ?? '', dev.name, dev.name));
  return el('div', { class: 'tw-cards' }, ...cards);
}

interface UnitUse {
  device: string;
  unit: string;
  group: string;
  utilization: number;
  busyNs: number;
}

/** Utilization per unit: the summary's numbers, or busy time of each track's top-level spans. */
export function unitUtilization(run: RunModel): UnitUse[] {
  const groupOf = new Map(run.tracks.map((t) => [`${t.device}\u0000${t.unit}`, t.group]));
  const total = totalTimeNs(run);
  if (run.summary?.units && run.summary.units.length > 0) {
    return run.summary.units.map((u) => ({ ...u, group: groupOf.get(`${u.device}\u0000${u.unit}`) ?? 'other' }));
  }
  return run.tracks.map((t) => {
    let busy = 0;
    for (let i = t.laneStart[0]!; i < t.laneStart[1]!; i++) busy += t.end[i]! - t.start[i]!;
    return { device: t.device, unit: t.unit, group: t.group, busyNs: busy, utilization: total > 0 ? busy / total : 0 };
  });
}

function bar(label: string, fraction: number, title?: string): HTMLElement {
  const pct = Math.max(0, Math.min(1, fraction));
  const level = fraction >= 0.8 ? 'hi' : fraction >= 0.4 ? 'mid' : 'lo';
  return el(
    'div',
    { class: 'tw-bar-row', title: title ?? `${label}: ${formatPercent(fraction)}` },
    el('span', { class: 'tw-bar-label' }, label),
    el('span', { class: 'tw-bar' }, el('span', { class: `tw-bar-fill tw-${level}`, style: `width:${(pct * 100).toFixed(2)}%` })),
    el('span', { class: 'tw-bar-val' }, formatPercent(fraction)),
  );
}

/** Per-unit utilization, grouped (SM, memory, link, ...). Big groups get a column strip. */
export function utilizationView(run: RunModel): HTMLElement {
  const units = unitUtilization(run);
  const groups = new Map<string, UnitUse[]>();
  for (const u of units) {
    const key = `${u.device}\u0000${u.group}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(u);
  }
  const multiDevice = new Set(units.map((u) => u.device)).size > 1;
  const box = el('div', { class: 'tw-util' });
  if (units.length === 0) {
    box.append(el('p', { class: 'tw-muted' }, 'No per-unit data in this trace.'));
    return box;
  }
  for (const list of groups.values()) {
    const values = list.map((u) => u.utilization);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const min = Math.min(...values);
    const max = Math.max(...values);
    const name = `${multiDevice ? `${list[0]!.device} · ` : ''}${list[0]!.group}`;
    const head = el(
      'div',
      { class: 'tw-util-head' },
      el('span', { class: 'tw-util-name' }, name),
      el('span', { class: 'tw-muted' }, list.length > 1 ? `${list.length} units · mean ${formatPercent(mean)} · min ${formatPercent(min)} · max ${formatPercent(max)}` : formatPercent(mean)),
    );
    box.append(head);
    if (list.length > 16) {
      const strip = el('div', { class: 'tw-util-strip', role: 'img', 'aria-label': `${name} utilization per unit`, style: list.length > 180 ? 'gap:0' : undefined });
      for (const u of list) {
        const level = u.utilization >= 0.8 ? 'hi' : u.utilization >= 0.4 ? 'mid' : 'lo';
        strip.append(el('span', { class: `tw-strip-col tw-${level}`, style: `height:${(Math.max(0, Math.min(1, u.utilization)) * 100).toFixed(1)}%`, title: `${u.unit}: ${formatPercent(u.utilization)} (${formatDuration(u.busyNs)} busy)` }));
      }
      box.append(strip);
      const details = el('details', { class: 'tw-util-all' }, el('summary', {}, `All ${list.length} units, lowest first`));
      for (const u of list.slice().sort((a, b) => a.utilization - b.utilization)) details.append(bar(u.unit, u.utilization));
      box.append(details);
    } else {
      for (const u of list) box.append(bar(u.unit, u.utilization, `${u.unit}: ${formatPercent(u.utilization)} (${formatDuration(u.busyNs)} busy)`));
    }
  }
  return box;
}

/** Chosen kernel configurations: distinct configs with the ops that use them, and waves. */
export function configsView(run: RunModel): HTMLElement | null {
  const ops = run.summary?.ops ?? [];
  const byConfig = new Map<string, OpSummaryLike[]>();
  for (const op of ops) {
    if (!op.config) continue;
    const key = `${op.type ?? ''}\u0000${configText(op.config)}`;
    let list = byConfig.get(key);
    if (list === undefined) byConfig.set(key, (list = []));
    list.push(op);
  }
  if (byConfig.size === 0) return null;
  const box = el('div', { class: 'tw-configs' });
  for (const list of byConfig.values()) {
    const op = list[0]!;
    const chips = Object.entries(op.config!).map(([k, v]) => el('span', { class: 'tw-chip' }, el('span', { class: 'tw-chip-k' }, k), ` ${String(v)}`));
    const waves = list.map((o) => o.waves).filter((w): w is number => typeof w === 'number');
    const tiles = list.map((o) => o.tiles).filter((w): w is number => typeof w === 'number');
    const names = list.slice(0, 4).map((o) => o.name).join(', ') + (list.length > 4 ? `, … (${list.length} ops)` : '');
    const extra: Child[] = [];
    if (waves.length > 0) {
      const wMin = Math.min(...waves);
      const wMax = Math.max(...waves);
      extra.push(el('span', { class: 'tw-chip tw-chip-waves', title: 'tiles / (SMs × CTAs per SM): a fractional last wave leaves SMs idle' }, el('span', { class: 'tw-chip-k' }, 'waves'), ` ${wMin === wMax ? wMin.toFixed(2) : `${wMin.toFixed(2)}–${wMax.toFixed(2)}`}`));
    }
    if (tiles.length > 0) extra.push(el('span', { class: 'tw-chip' }, el('span', { class: 'tw-chip-k' }, 'tiles'), ` ${formatNumber(tiles.reduce((a, b) => a + b, 0) / tiles.length)}`));
    box.append(el('div', { class: 'tw-config-row' }, el('div', { class: 'tw-config-ops' }, el('strong', {}, op.type ?? 'op'), ` ${names}`), el('div', { class: 'tw-config-chips' }, ...chips, ...extra)));
  }
  return box;
}

export function opTable(run: RunModel, onOpClick?: (row: OpRow) => void): HTMLTableElement | null {
  const rows = opRows(run);
  if (rows.length === 0) return null;
  const columns: Column<OpRow>[] = [
    { key: 'index', label: '#', value: (r) => r.index, numeric: true },
    { key: 'name', label: 'Op', value: (r) => r.op.name },
    { key: 'type', label: 'Type', value: (r) => r.op.type },
    { key: 'dtype', label: 'Dtype', value: (r) => r.op.dtype },
    { key: 'start', label: 'Start', value: (r) => r.op.startNs, render: (r) => (r.op.startNs !== undefined ? formatDuration(r.op.startNs) : undefined), numeric: true },
    { key: 'time', label: 'Time', value: (r) => r.op.durationNs, render: (r) => formatDuration(r.op.durationNs), numeric: true },
    { key: 'share', label: 'Share', value: (r) => r.share, render: (r) => (r.share !== undefined ? shareBar(r.share) : undefined), numeric: true, title: 'op time / total time' },
    { key: 'flops', label: 'FLOPs', value: (r) => r.op.flops, render: (r) => (r.op.flops !== undefined ? formatFlops(r.op.flops) : undefined), numeric: true },
    { key: 'rate', label: 'FLOP/s', value: (r) => r.flopsPerSecond, render: (r) => (r.flopsPerSecond !== undefined ? formatFlopRate(r.flopsPerSecond) : undefined), numeric: true },
    { key: 'peak', label: '% peak', value: (r) => r.peakFraction, render: (r) => (r.peakFraction !== undefined ? formatPercent(r.peakFraction) : undefined), numeric: true, title: 'achieved FLOP/s / device peak for the dtype' },
    { key: 'bytes', label: 'DRAM', value: (r) => r.op.dramBytes, render: (r) => (r.op.dramBytes !== undefined ? formatBytes(r.op.dramBytes) : undefined), numeric: true },
    { key: 'bw', label: 'DRAM B/s', value: (r) => r.bytesPerSecond, render: (r) => (r.bytesPerSecond !== undefined ? formatByteRate(r.bytesPerSecond) : undefined), numeric: true },
    { key: 'ai', label: 'FLOP/B', value: (r) => r.intensity, render: (r) => (r.intensity !== undefined ? formatNumber(Number(r.intensity.toPrecision(4))) : undefined), numeric: true, title: 'arithmetic intensity: FLOPs per DRAM byte' },
    { key: 'config', label: 'Config', value: (r) => configText(r.op.config) || undefined, render: (r) => el('code', {}, configText(r.op.config)) },
    { key: 'tiles', label: 'tiles', value: (r) => r.op.tiles, render: (r) => (r.op.tiles !== undefined ? formatNumber(r.op.tiles) : undefined), numeric: true },
    { key: 'waves', label: 'Waves', value: (r) => r.op.waves, render: (r) => (r.op.waves !== undefined ? r.op.waves.toFixed(2) : undefined), numeric: true },
  ];
  return sortableTable(rows, columns, {
    id: run.index === 0 ? 'tw-ops' : `tw-ops-${run.index}`,
    className: 'tw-ops',
    onRowClick: onOpClick,
    rowTitle: () => 'click to show this op on the timeline',
  });
}

function shareBar(share: number): HTMLElement {
  return el('span', { class: 'tw-share' }, el('span', { class: 'tw-share-bar', style: `width:${Math.min(100, share * 100).toFixed(1)}%` }), el('span', { class: 'tw-share-val' }, formatPercent(share)));
}

/**
 * A run's summary in two parts: the overview (headline numbers, utilization, kernel configs) and
 * the op table, which gets the panel's full width.
 */
export function summaryParts(run: RunModel, onOpClick?: (row: OpRow) => void): { overview: HTMLElement; ops: HTMLElement | null } {
  const badge = run.label ? el('span', { class: `tw-run-badge tw-run-${run.label}` }, run.label) : null;
  const head = run.label ? el('h3', { class: 'tw-run-head' }, badge, run.title) : null;
  const configs = configsView(run);
  const table = opTable(run, onOpClick);
  const overview = el(
    'div',
    { class: 'tw-summary-run' },
    head,
    headlineCards(run),
    el(
      'div',
      { class: 'tw-summary-grid' },
      el('div', { class: 'tw-subpanel' }, el('h4', {}, 'Utilization per unit'), utilizationView(run)),
      configs ? el('div', { class: 'tw-subpanel' }, el('h4', {}, 'Kernel configurations'), configs) : null,
    ),
  );
  const ops = table
    ? el(
        'div',
        { class: 'tw-subpanel tw-ops-wrap' },
        el('h4', {}, run.label ? el('span', { class: `tw-run-badge tw-run-${run.label}` }, run.label) : null, run.label ? ' Ops ' : 'Ops ', el('span', { class: 'tw-muted' }, '(click a header to sort, a row to show it on the timeline)')),
        el('div', { class: 'tw-scroll-x' }, table),
      )
    : null;
  return { overview, ops };
}
