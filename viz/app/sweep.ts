/**
 * The sweep view (#tw-sweep): the swept metric (e.g. TFLOP/s) against the parameter, one point per
 * run. A point whose run has a trace links to it (paths relative to the report).
 */
import { axisBottom, axisLeft, extent, format, line, max as d3max, scaleLinear, scaleLog, select, type NumberValue } from 'd3';
import { PALETTE } from './colors.ts';
import { el } from './dom.ts';
import { formatArg, formatDuration, formatNumber } from './format.ts';
import type { RunModel } from './model.ts';
import type { SweepPointLike } from '../payload.ts';
import { sortableTable, type Column } from './table.ts';

/** A point's trace link, if it is a relative path or an http(s)/file URL (never script URLs). */
export function safeHref(trace: unknown): string | undefined {
  if (typeof trace !== 'string' || trace === '') return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trace);
  if (scheme && !/^(https?|file)$/i.test(scheme[1]!) && !/^[a-z]$/i.test(scheme[1]!)) return undefined;
  return trace;
}

/** The metric to plot: the sweep's own, else a sensible numeric field of the points. */
export function sweepMetric(sweep: { metric?: string; points: SweepPointLike[] }): string | undefined {
  const numeric = (k: string) => sweep.points.some((p) => typeof p[k] === 'number');
  if (sweep.metric && numeric(sweep.metric)) return sweep.metric;
  for (const k of ['tflops', 'throughput', 'flopsPerSecond', 'timeNs']) if (numeric(k)) return k;
  const first = sweep.points[0];
  return first ? Object.keys(first).find((k) => k !== 'value' && typeof first[k] === 'number') : undefined;
}

function metricLabel(metric: string): string {
  if (metric === 'tflops') return 'TFLOP/s';
  if (metric === 'timeNs') return 'time';
  if (metric === 'tokens_per_s') return 'tokens/s';
  return metric;
}

export interface SweepOptions {
  showTooltip?: (content: Node, x: number, y: number) => void;
  hideTooltip?: () => void;
}

export function renderSweep(container: HTMLElement, run: RunModel, options: SweepOptions = {}): void {
  const sweep = run.sweep!;
  const metric = sweepMetric(sweep);
  const points = sweep.points.filter((p) => typeof p.value === 'number' && metric !== undefined && typeof p[metric] === 'number').slice().sort((a, b) => a.value - b.value);
  container.append(el('h2', {}, `${metricLabel(metric ?? 'metric')} vs ${sweep.parameter}`, el('span', { class: 'tw-muted' }, ` · ${sweep.points.length} points`)));
  if (points.length === 0 || metric === undefined) {
    container.append(el('p', { class: 'tw-muted' }, 'This sweep has no points with a numeric metric to plot.'));
    return;
  }
  const yOf = (p: SweepPointLike) => p[metric] as number;
  const width = 880;
  const height = 320;
  const m = { top: 16, right: 24, bottom: 44, left: 64 };
  const [vMin, vMax] = extent(points, (p) => p.value) as [number, number];
  const useLog = vMin > 0 && vMax / vMin >= 64;
  const x = (useLog ? scaleLog().base(2) : scaleLinear()).domain(vMin === vMax ? [vMin - 1, vMax + 1] : [vMin, vMax]).range([m.left, width - m.right]);
  if (!useLog) (x as ReturnType<typeof scaleLinear>).nice();
  const y = scaleLinear().domain([0, (d3max(points, yOf) ?? 1) * 1.08]).nice().range([height - m.bottom, m.top]);
  const svg = select(container).append('svg').attr('class', 'tw-sweep-svg').attr('viewBox', `0 0 ${width} ${height}`).attr('width', '100%').attr('preserveAspectRatio', 'xMinYMin meet');
  svg.append('g').attr('class', 'tw-grid').selectAll('line').data(y.ticks(6)).join('line').attr('x1', m.left).attr('x2', width - m.right).attr('y1', (d) => y(d)).attr('y2', (d) => y(d));
  const xAxis = axisBottom(x).ticks(8);
  // Device fields are large numbers (bytes/s, Hz): SI prefixes, as on a log axis.
  if (useLog || Math.max(Math.abs(vMin), Math.abs(vMax)) >= 1e5) xAxis.tickFormat((d: NumberValue) => format('~s')(Number(d)));
  svg.append('g').attr('class', 'tw-axis-x').attr('transform', `translate(0,${height - m.bottom})`).call(xAxis);
  svg.append('g').attr('class', 'tw-axis-y').attr('transform', `translate(${m.left},0)`).call(axisLeft(y).ticks(6).tickFormat((d: NumberValue) => (metric === 'timeNs' ? formatDuration(Number(d)) : format('~s')(Number(d)))));
  svg.append('text').attr('class', 'tw-axis-title').attr('x', (m.left + width - m.right) / 2).attr('y', height - 6).attr('text-anchor', 'middle').text(sweep.parameter);
  svg.append('text').attr('class', 'tw-axis-title').attr('transform', `translate(16,${(m.top + height - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(metricLabel(metric));
  // Points may belong to series (a sweep over several devices): one line, colour and best each.
  const seriesOf = (p: SweepPointLike) => (typeof p.series === 'string' ? p.series : '');
  const series = [...new Set(points.map(seriesOf))];
  const multi = series.length > 1 && series.length <= PALETTE.length;
  const path = line<SweepPointLike>().x((p) => x(p.value)).y((p) => y(yOf(p)));
  const better = (a: SweepPointLike, b: SweepPointLike) => (metric === 'timeNs' ? (yOf(b) < yOf(a) ? b : a) : yOf(b) > yOf(a) ? b : a);
  const bests = new Set<SweepPointLike>();
  for (const [i, name] of series.entries()) {
    const own = points.filter((p) => seriesOf(p) === name);
    svg.append('path').attr('class', 'tw-sweep-line').attr('d', path(own) ?? '').attr('style', multi ? `stroke:${PALETTE[i]}` : null).attr('data-series', name || null);
    bests.add(own.reduce(better));
  }
  const best = points.reduce(better);

  const tip = (p: SweepPointLike) => {
    const box = el('div', {}, el('div', { class: 'tw-tip-title' }, `${sweep.parameter} = ${formatNumber(p.value)}`));
    const dl = el('dl', { class: 'tw-kv' });
    for (const [k, v] of Object.entries(p)) if (k !== 'value') dl.append(el('dt', {}, k), el('dd', {}, k === 'tflops' ? `${formatNumber(v as number)} TFLOP/s` : formatArg(k, v)));
    box.append(dl);
    if (typeof p.trace === 'string') box.append(el('div', { class: 'tw-muted' }, 'click to open its trace'));
    return box;
  };
  // Points coloured by series, else by kernel tile config when the sweep records one (shows where the heuristic switches).
  const tiles = multi ? [] : [...new Set(points.map((p) => p.tile).filter((t): t is string => typeof t === 'string' && t !== ''))];
  const colorBy = multi
    ? (p: SweepPointLike) => PALETTE[series.indexOf(seriesOf(p))]!
    : tiles.length >= 2 && tiles.length <= PALETTE.length ? (p: SweepPointLike) => PALETTE[tiles.indexOf(String(p.tile))] ?? PALETTE[0]! : undefined;
  const g = svg.append('g').attr('class', 'tw-sweep-points');
  for (const p of points) {
    const href = safeHref(p.trace);
    const parent = href !== undefined ? g.append('a').attr('href', href).attr('class', 'tw-sweep-link') : g;
    parent
      .append('circle')
      .attr('class', `tw-sweep-point${bests.has(p) ? ' tw-best' : ''}`)
      .attr('cx', x(p.value))
      .attr('cy', y(yOf(p)))
      .attr('r', points.length > 200 ? 2.5 : 4)
      .attr('style', colorBy ? `fill:${colorBy(p)}` : null)
      .attr('data-value', String(p.value))
      .on('mousemove', (ev: MouseEvent) => options.showTooltip?.(tip(p), ev.clientX, ev.clientY))
      .on('mouseleave', () => options.hideTooltip?.());
  }
  const legendItems = multi ? series : tiles;
  if (colorBy) {
    container.append(el('div', { class: 'tw-legend' }, el('span', { class: 'tw-muted' }, multi ? 'series:' : 'tile config:'), ...legendItems.map((t, i) => el('span', { class: 'tw-legend-item' }, el('span', { class: 'tw-swatch tw-round', style: `background:${PALETTE[i]}` }), t))));
  }
  const at = (p: SweepPointLike) => `${sweep.parameter} = ${formatNumber(p.value)} at ${metric === 'timeNs' ? formatDuration(yOf(p)) : `${formatNumber(Number(yOf(p).toPrecision(4)))} ${metricLabel(metric)}`}`;
  const bestText = multi ? series.map((name) => `${name}: ${at([...bests].find((p) => seriesOf(p) === name)!)}`).join('; ') : at(best);
  container.append(el('p', { class: 'tw-muted' }, `Best: ${bestText} (ringed).`));

  // The points as a table too (sortable), for reading exact values.
  const keys = [...new Set(points.flatMap((p) => Object.keys(p)))].filter((k) => k !== 'trace');
  const columns: Column<SweepPointLike>[] = keys.map((k) => ({
    key: k,
    label: k === 'value' ? sweep.parameter : metricLabel(k),
    value: (p) => (typeof p[k] === 'number' || typeof p[k] === 'string' ? (p[k] as number | string) : undefined),
    render: (p) => (p[k] === undefined ? undefined : k === 'timeNs' ? formatDuration(p[k] as number) : typeof p[k] === 'number' ? formatNumber(p[k] as number) : formatArg(k, p[k])),
    numeric: points.some((p) => typeof p[k] === 'number'),
  }));
  if (points.some((p) => typeof p.trace === 'string')) {
    columns.push({ key: 'trace', label: 'trace', value: (p) => p.trace as string | undefined, render: (p) => (typeof p.trace === 'string' ? el('a', { href: safeHref(p.trace) }, p.trace) : undefined) });
  }
  container.append(el('details', { class: 'tw-sweep-table' }, el('summary', {}, 'Points table'), el('div', { class: 'tw-scroll-x' }, sortableTable(points, columns, { className: 'tw-compact' }))));
}
