/**
 * The comparison view (#tw-compare): headline A vs B, and per-op deltas. Ops match by name and
 * occurrence (the 2nd "qkv_proj" of A against the 2nd of B).
 */
import { el } from './dom.ts';
import { formatDuration, formatFlopRate, formatPercent } from './format.ts';
import type { RunModel } from './model.ts';
import { configText, totalTimeNs } from './summary.ts';
import { sortableTable, type Column } from './table.ts';
import type { OpSummaryLike } from '../payload.ts';

export interface OpDelta {
  name: string;
  occurrence: number;
  type?: string;
  a?: OpSummaryLike;
  b?: OpSummaryLike;
  timeA?: number;
  timeB?: number;
  deltaNs?: number;
  /** (B - A) / A */
  deltaFraction?: number;
}

/** Match ops of A and B by name + occurrence index, in A's order, then B-only ops. */
export function matchOps(a: OpSummaryLike[], b: OpSummaryLike[]): OpDelta[] {
  const key = (op: OpSummaryLike, seen: Map<string, number>) => {
    const n = seen.get(op.name) ?? 0;
    seen.set(op.name, n + 1);
    return [`${op.name}\u0000${n}`, n] as const;
  };
  const bByKey = new Map<string, OpSummaryLike>();
  const seenB = new Map<string, number>();
  for (const op of b) bByKey.set(key(op, seenB)[0], op);
  const out: OpDelta[] = [];
  const seenA = new Map<string, number>();
  const used = new Set<string>();
  for (const op of a) {
    const [k, occurrence] = key(op, seenA);
    const other = bByKey.get(k);
    if (other) used.add(k);
    out.push(delta(op.name, occurrence, op, other));
  }
  const seenB2 = new Map<string, number>();
  for (const op of b) {
    const [k, occurrence] = key(op, seenB2);
    if (!used.has(k)) out.push(delta(op.name, occurrence, undefined, op));
  }
  return out;
}

function delta(name: string, occurrence: number, a: OpSummaryLike | undefined, b: OpSummaryLike | undefined): OpDelta {
  const d: OpDelta = { name, occurrence, type: a?.type ?? b?.type, a, b, timeA: a?.durationNs, timeB: b?.durationNs };
  if (a && b) {
    d.deltaNs = b.durationNs - a.durationNs;
    d.deltaFraction = a.durationNs > 0 ? d.deltaNs / a.durationNs : undefined;
  }
  return d;
}

/** Red when B is slower, green when faster; strength grows with the change, up to +-50%. */
export function deltaStyle(fraction: number | undefined): string | undefined {
  if (fraction === undefined || !Number.isFinite(fraction) || Math.abs(fraction) < 0.005) return undefined;
  const alpha = Math.min(0.45, 0.08 + Math.abs(fraction) * 0.75).toFixed(3);
  return fraction > 0 ? `background: rgba(207, 34, 46, ${alpha})` : `background: rgba(26, 127, 55, ${alpha})`;
}

function signedPercent(f: number | undefined): string | undefined {
  if (f === undefined || !Number.isFinite(f)) return undefined;
  if (Math.abs(f) < 0.0005) return '0.0%';
  return `${f > 0 ? '+' : ''}${formatPercent(f)}`;
}

function signedDuration(ns: number | undefined): string | undefined {
  if (ns === undefined) return undefined;
  return `${ns > 0 ? '+' : ns < 0 ? '−' : ''}${formatDuration(Math.abs(ns))}`;
}

export function renderCompare(container: HTMLElement, a: RunModel, b: RunModel, onOpClick?: (d: OpDelta) => void): void {
  const ta = totalTimeNs(a);
  const tb = totalTimeNs(b);
  const df = ta > 0 ? (tb - ta) / ta : undefined;
  const rateA = a.summary?.totals?.achievedFlopsPerSecond;
  const rateB = b.summary?.totals?.achievedFlopsPerSecond;
  const verdict = df === undefined ? '' : Math.abs(df) < 0.005 ? 'about the same' : df > 0 ? `B is ${formatPercent(df)} slower` : `B is ${formatPercent(-df)} faster (${(ta / tb).toFixed(2)}× speed-up)`;
  container.append(
    el('h2', {}, 'Comparison ', el('span', { class: 'tw-muted' }, verdict)),
    el(
      'div',
      { class: 'tw-cards' },
      el('div', { class: 'tw-card' }, el('div', { class: 'tw-card-label tw-plain', title: a.title }, el('span', { class: 'tw-run-badge tw-run-A' }, 'A'), ` ${a.title}`), el('div', { class: 'tw-card-value' }, formatDuration(ta)), rateA ? el('div', { class: 'tw-card-sub' }, formatFlopRate(rateA)) : null),
      el('div', { class: 'tw-card' }, el('div', { class: 'tw-card-label tw-plain', title: b.title }, el('span', { class: 'tw-run-badge tw-run-B' }, 'B'), ` ${b.title}`), el('div', { class: 'tw-card-value' }, formatDuration(tb)), rateB ? el('div', { class: 'tw-card-sub' }, formatFlopRate(rateB)) : null),
      el('div', { class: 'tw-card', style: deltaStyle(df) }, el('div', { class: 'tw-card-label' }, 'Δ total time (B − A)'), el('div', { class: 'tw-card-value' }, signedDuration(tb - ta) ?? '–'), el('div', { class: 'tw-card-sub' }, signedPercent(df) ?? '')),
    ),
  );
  const rows = matchOps(a.summary?.ops ?? [], b.summary?.ops ?? []);
  if (rows.length === 0) {
    container.append(el('p', { class: 'tw-muted' }, 'Neither run has a per-op summary to compare.'));
    return;
  }
  const columns: Column<OpDelta>[] = [
    { key: 'name', label: 'Op', value: (r) => r.name },
    { key: 'occurrence', label: '#', value: (r) => r.occurrence, numeric: true, title: 'occurrence of this op name (ops match by name and occurrence)' },
    { key: 'type', label: 'Type', value: (r) => r.type },
    { key: 'timeA', label: 'Time A', value: (r) => r.timeA, render: (r) => (r.timeA !== undefined ? formatDuration(r.timeA) : undefined), numeric: true },
    { key: 'timeB', label: 'Time B', value: (r) => r.timeB, render: (r) => (r.timeB !== undefined ? formatDuration(r.timeB) : undefined), numeric: true },
    { key: 'delta', label: 'Δ time', value: (r) => r.deltaNs, render: (r) => signedDuration(r.deltaNs), numeric: true },
    { key: 'deltaPct', label: 'Δ %', value: (r) => r.deltaFraction, render: (r) => signedPercent(r.deltaFraction), numeric: true, cellStyle: (r) => deltaStyle(r.deltaFraction), cellClass: (r) => (r.deltaFraction === undefined ? undefined : r.deltaFraction > 0.005 ? 'tw-slower' : r.deltaFraction < -0.005 ? 'tw-faster' : 'tw-same') },
    { key: 'rateA', label: 'FLOP/s A', value: (r) => r.a?.achievedFlopsPerSecond, render: (r) => (r.a?.achievedFlopsPerSecond !== undefined ? formatFlopRate(r.a.achievedFlopsPerSecond) : undefined), numeric: true },
    { key: 'rateB', label: 'FLOP/s B', value: (r) => r.b?.achievedFlopsPerSecond, render: (r) => (r.b?.achievedFlopsPerSecond !== undefined ? formatFlopRate(r.b.achievedFlopsPerSecond) : undefined), numeric: true },
    {
      key: 'config', label: 'Config A → B', value: (r) => configText(r.a?.config ?? r.b?.config),
      render: (r) => {
        const ca = configText(r.a?.config);
        const cb = configText(r.b?.config);
        if (ca === cb) return el('code', {}, ca);
        return el('span', { class: 'tw-config-diff' }, el('code', {}, ca || '–'), ' → ', el('code', {}, cb || '–'));
      },
    },
  ];
  const sumA = rows.reduce((s, r) => s + (r.timeA ?? 0), 0);
  const sumB = rows.reduce((s, r) => s + (r.timeB ?? 0), 0);
  const fd = sumA > 0 ? (sumB - sumA) / sumA : undefined;
  const table = sortableTable(rows, columns, {
    id: 'tw-compare-table',
    className: 'tw-delta',
    onRowClick: onOpClick,
    rowTitle: (r) => (r.a && r.b ? 'click to show this op on the timeline' : r.a ? 'only in A' : 'only in B'),
    footer: [
      el('td', {}, 'all ops'), el('td', {}), el('td', {}),
      el('td', { class: 'tw-num' }, formatDuration(sumA)), el('td', { class: 'tw-num' }, formatDuration(sumB)),
      el('td', { class: 'tw-num' }, signedDuration(sumB - sumA) ?? ''), el('td', { class: 'tw-num', style: deltaStyle(fd) }, signedPercent(fd) ?? ''),
      el('td', {}), el('td', {}), el('td', {}),
    ],
  });
  container.append(el('div', { class: 'tw-scroll-x' }, table));
}
