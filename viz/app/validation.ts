/**
 * The validation view (#tw-validation): predicted against measured times of `tilewave validate
 * --html`. Error statistics per device and size class, predicted vs measured on log axes (the
 * diagonal and a ±15% band), and the signed error against m, where the kernel library's steps
 * show. Points are drawn on canvas (a validation has tens of thousands of rows); a quadtree finds
 * the row under the pointer. Clicking a device in the legend hides or shows its rows.
 */
import { axisBottom, axisLeft, format, quadtree, scaleLinear, scaleLog, select, type NumberValue, type Quadtree } from 'd3';
import { PALETTE } from './colors.ts';
import { el } from './dom.ts';
import { formatNumber } from './format.ts';
import type { RunModel } from './model.ts';
import type { ValidationLike } from '../payload.ts';
import { compareGroupValues, errorStats, layerOfSource, sizeClass, tileOfConfig } from '../../devices/validation/error-stats.ts';
import { sortableTable, type Column } from './table.ts';
import { runClassOf } from '../../devices/validation/run-classes.ts';

/** One group's errors as `tilewave validate` reports them (percent, rounded to 0.01). */
export interface ErrorStatsRow {
  group: string;
  rows: number;
  /** Absolute error: median, 90th percentile, mean; and the mean signed error. */
  median: number;
  p90: number;
  mean: number;
  bias: number;
  /** Whether row i belongs to the group (absent: every row, as for "overall"). */
  member?: (i: number) => boolean;
}

/** Signed error in percent: positive when the model is slower than the measurement. */
export function signedErrorPct(v: ValidationLike, i: number): number {
  return (v.predictedUs[i]! / v.measuredUs[i]! - 1) * 100;
}

function statsOf(group: string, errors: number[], member?: (i: number) => boolean): ErrorStatsRow {
  const s = errorStats(errors);
  return { group, rows: s.count, median: s.medianAbsPctError, p90: s.p90AbsPctError, mean: s.meanAbsPctError, bias: s.meanSignedPctError, ...(member ? { member } : {}) };
}

/** What the statistics table can group rows by, besides the device ('size': the size class of m). */
export type ValidationGroupKey = 'size' | 'k' | 'n' | 'nk' | 'tile' | 'config' | 'layer' | 'azero' | 'run';

/** Each key's label in the view and the value of row i (as `tilewave validate --by KEY` labels it). */
export const VALIDATION_GROUP_KEYS: Record<ValidationGroupKey, { label: string; value: (v: ValidationLike, i: number) => string | number; rank?: (v: ValidationLike, i: number) => number }> = {
  size: { label: 'size class of m', value: (v, i) => sizeClass(v.m[i]!) },
  k: { label: 'k', value: (v, i) => v.k[i]! },
  n: { label: 'n', value: (v, i) => v.n[i]! },
  nk: { label: 'weight shape (n x k)', value: (v, i) => `${v.n[i]}x${v.k[i]}` },
  tile: { label: 'simulated tile', value: (v, i) => tileOfConfig(v.configs[v.config[i]!] ?? '') },
  config: { label: 'simulated kernel config', value: (v, i) => v.configs[v.config[i]!] ?? '' },
  layer: { label: "layer (the source's last ':' field)", value: (v, i) => layerOfSource(v.rowSources?.[v.rowSource?.[i] ?? -1] ?? '') },
  azero: { label: 'share of A that was zeros', value: (v, i) => v.aZero?.[i] ?? 0 },
  run: { label: 'profiling-run length', value: (v, i) => runClassOf(runAt(v, i)).label, rank: (v, i) => runClassOf(runAt(v, i)).rank },
};

function runAt(v: ValidationLike, i: number): number | undefined {
  const ms = v.runMs?.[i];
  return ms === undefined || ms < 0 ? undefined : ms;
}

/** The keys a validation can be grouped by (layer only when its rows carry their sources, azero when some row ran on zeros). */
export function validationGroupKeys(v: ValidationLike): ValidationGroupKey[] {
  return (Object.keys(VALIDATION_GROUP_KEYS) as ValidationGroupKey[]).filter((k) => (k !== 'layer' || (v.rowSources?.length ?? 0) > 0) && (k !== 'azero' || v.aZero !== undefined) && (k !== 'run' || v.runMs !== undefined));
}

/**
 * Error statistics per device, overall, then per device and group: by default the size class of m
 * for GEMM rows (the groups of the text report), else `by` (labelled "device k=4096", ordered as
 * `tilewave validate --by`); quantiles interpolated between ranks, as the text report's.
 */
export function validationStats(v: ValidationLike, include: (i: number) => boolean = () => true, by: ValidationGroupKey = 'size'): ErrorStatsRow[] {
  const groups = new Map<string, number[]>();
  const add = (g: string, e: number) => {
    let list = groups.get(g);
    if (list === undefined) groups.set(g, (list = []));
    list.push(e);
  };
  const all: number[] = [];
  const rows = v.measuredUs.length;
  for (let i = 0; i < rows; i++) {
    if (!include(i)) continue;
    const e = signedErrorPct(v, i);
    all.push(e);
    add(v.devices[v.device[i]!]!, e);
  }
  const deviceIs = (name: string) => {
    const d = v.devices.indexOf(name);
    return (i: number) => v.device[i] === d;
  };
  const out = [...groups].map(([g, errors]) => statsOf(g, errors, deviceIs(g)));
  if (groups.size > 1) out.push(statsOf('overall', all));
  if (by !== 'size') {
    const key = VALIDATION_GROUP_KEYS[by];
    const keyed = new Map<string, { device: string; value: string | number; order: string | number; errors: number[] }>();
    for (let i = 0; i < rows; i++) {
      if (!include(i)) continue;
      const device = v.devices[v.device[i]!]!;
      const value = key.value(v, i);
      const label = `${device} ${by}=${value}`;
      let g = keyed.get(label);
      if (g === undefined) keyed.set(label, (g = { device, value, order: key.rank?.(v, i) ?? value, errors: [] }));
      g.errors.push(signedErrorPct(v, i));
    }
    const sorted = [...keyed].sort(([, a], [, b]) => (a.device < b.device ? -1 : a.device > b.device ? 1 : compareGroupValues(a.order, b.order)));
    out.push(...sorted.map(([label, g]) => {
      const inDevice = deviceIs(g.device);
      return statsOf(label, g.errors, (i) => inDevice(i) && key.value(v, i) === g.value);
    }));
    return out;
  }
  const bySize = new Map<string, number[]>();
  for (let i = 0; i < rows; i++) {
    if (!include(i) || v.ops[v.op[i]!] !== 'gemm') continue;
    const g = `${v.devices[v.device[i]!]} ${sizeClass(v.m[i]!)}`;
    let list = bySize.get(g);
    if (list === undefined) bySize.set(g, (list = []));
    list.push(signedErrorPct(v, i));
  }
  const order = ['m<=64', '64<m<=1024', 'm>1024'];
  const sized = [...bySize].sort((a, b) => a[0].split(' ')[0]!.localeCompare(b[0].split(' ')[0]!) || order.indexOf(a[0].split(' ')[1]!) - order.indexOf(b[0].split(' ')[1]!));
  if (sized.length > groups.size) {
    out.push(...sized.map(([g, errors]) => {
      const [device, size] = g.split(' ') as [string, string];
      const inDevice = deviceIs(device);
      return statsOf(g, errors, (i) => inDevice(i) && v.ops[v.op[i]!] === 'gemm' && sizeClass(v.m[i]!) === size);
    }));
  }
  return out;
}

export interface ValidationOptions {
  showTooltip?: (content: Node, x: number, y: number) => void;
  hideTooltip?: () => void;
}

const WIDTH = 540;
const HEIGHT = 380;
const MARGIN = { top: 14, right: 16, bottom: 42, left: 62 };
/** Signed errors beyond this are drawn at the plot's edge (as triangles) rather than stretching the axis. */
const ERROR_CLAMP_PCT = 60;

interface Plot {
  canvas: HTMLCanvasElement;
  x: (i: number) => number;
  y: (i: number) => number;
  clampedY: (i: number) => boolean;
  tree?: Quadtree<number>;
}

export function renderValidation(container: HTMLElement, run: RunModel, options: ValidationOptions = {}): void {
  const v = run.validation!;
  const rows = v.measuredUs.length;
  container.append(el('h2', {}, 'Predicted vs measured', el('span', { class: 'tw-muted' }, ` · ${formatNumber(rows)} rows${v.source ? ` of ${v.source}` : ''}`)));
  if (rows === 0) {
    container.append(el('p', { class: 'tw-muted' }, 'This validation has no rows to plot.'));
    return;
  }
  const hidden = new Set<number>();
  const include = (i: number) => !hidden.has(v.device[i]!);
  const color = (d: number) => PALETTE[d % PALETTE.length]!;

  const statsBox = el('div', { class: 'tw-val-stats' });
  const pct = (x: number) => `${x.toFixed(1)}%`;
  const columns: Column<ErrorStatsRow>[] = [
    { key: 'group', label: 'rows of', value: (r) => r.group },
    { key: 'rows', label: 'rows', value: (r) => r.rows, render: (r) => formatNumber(r.rows), numeric: true },
    { key: 'median', label: 'median |err|', value: (r) => r.median, render: (r) => pct(r.median), numeric: true, cellClass: (r) => (r.median <= 5 ? 'tw-ok' : 'tw-bad'), title: 'target: 5% or less' },
    { key: 'p90', label: 'p90 |err|', value: (r) => r.p90, render: (r) => pct(r.p90), numeric: true, cellClass: (r) => (r.p90 <= 15 ? 'tw-ok' : 'tw-bad'), title: 'target: 15% or less' },
    { key: 'mean', label: 'mean |err|', value: (r) => r.mean, render: (r) => pct(r.mean), numeric: true },
    { key: 'bias', label: 'mean err', value: (r) => r.bias, render: (r) => `${r.bias >= 0 ? '+' : ''}${pct(r.bias)}`, numeric: true, title: 'positive: the model is slower than the measurement' },
  ];
  let groupBy: ValidationGroupKey = 'size';
  // A clicked row of the table: its points drawn over the others, dimmed (click again to clear).
  let focus: ErrorStatsRow | null = null;
  const focusNote = el('p', { class: 'tw-muted', id: 'tw-val-focus' });
  const setFocus = (row: ErrorStatsRow | null) => {
    focus = row !== null && row.member !== undefined && focus?.group !== row.group ? row : null;
    focusNote.textContent = focus === null ? 'Click a row of the table to highlight its points.' : `Highlighted: ${focus.group} (${formatNumber(focus.rows)} rows); click it again to clear.`;
    redraw();
  };
  const renderStats = () =>
    statsBox.replaceChildren(sortableTable(validationStats(v, include, groupBy), columns, {
      className: 'tw-compact', id: 'tw-val-table', onRowClick: setFocus, rowClass: (r) => (r.group === focus?.group ? 'tw-selected' : undefined),
    }));
  const groupSelect = el('select', { id: 'tw-val-group', 'aria-label': 'group rows by' });
  for (const key of validationGroupKeys(v)) groupSelect.append(el('option', { value: key }, VALIDATION_GROUP_KEYS[key].label));
  groupSelect.addEventListener('change', () => {
    groupBy = groupSelect.value as ValidationGroupKey;
    setFocus(null);
  });
  const groupControl = el('label', { class: 'tw-val-group tw-muted' }, 'rows per device grouped by ', groupSelect);

  const legend = el('div', { class: 'tw-legend' }, el('span', { class: 'tw-muted' }, 'device (click to hide or show):'));
  v.devices.forEach((name, d) => {
    const item = el('button', { type: 'button', class: 'tw-legend-item tw-legend-toggle', 'aria-pressed': 'true', 'data-device': name }, el('span', { class: 'tw-swatch tw-round', style: `background:${color(d)}` }), name);
    item.addEventListener('click', () => {
      if (hidden.has(d)) hidden.delete(d);
      else hidden.add(d);
      item.setAttribute('aria-pressed', String(!hidden.has(d)));
      redraw();
    });
    legend.append(item);
  });

  // Predicted against measured, log-log.
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < rows; i++) {
    lo = Math.min(lo, v.measuredUs[i]!, v.predictedUs[i]!);
    hi = Math.max(hi, v.measuredUs[i]!, v.predictedUs[i]!);
  }
  const axisTicks = (d: NumberValue) => format('~s')(Number(d));
  const sx = scaleLog().domain([lo / 1.2, hi * 1.2]).range([MARGIN.left, WIDTH - MARGIN.right]);
  const sy = scaleLog().domain([lo / 1.2, hi * 1.2]).range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const scatter = plotFrame('tw-val-scatter', 'measured (µs)', 'predicted (µs)', (svg) => {
    svg.append('g').attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`).call(axisBottom(sx).ticks(6, axisTicks));
    svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(sy).ticks(6, axisTicks));
    const [d0, d1] = sx.domain() as [number, number];
    // predicted = f x measured, from where it enters the plot to where it leaves.
    for (const [f, cls] of [[1, 'tw-val-diag'], [1.15, 'tw-val-band'], [1 / 1.15, 'tw-val-band']] as const) {
      const [a, b] = [d0 * Math.max(1, 1 / f), d1 / Math.max(1, f)];
      svg.append('line').attr('class', cls).attr('x1', sx(a)).attr('y1', sy(a * f)).attr('x2', sx(b)).attr('y2', sy(b * f));
    }
  });
  const scatterPlot: Plot = { canvas: scatter.canvas, x: (i) => sx(v.measuredUs[i]!), y: (i) => sy(v.predictedUs[i]!), clampedY: () => false };

  // Signed error against m (log2), or the size the payload gives per row (an all-reduce's bytes).
  const sizeOf = (i: number) => (v.size !== undefined ? v.size[i]! : v.m[i]!);
  let sizeMax = 1;
  let sizeMin = Infinity;
  for (let i = 0; i < rows; i++) if (sizeOf(i) > 0) [sizeMax, sizeMin] = [Math.max(sizeMax, sizeOf(i)), Math.min(sizeMin, sizeOf(i))];
  // m starts at 1; given sizes (bytes) start near their smallest.
  const sizeLo = v.size !== undefined && Number.isFinite(sizeMin) ? sizeMin / 1.3 : 1;
  const ex = scaleLog().base(2).domain([sizeLo, sizeMax * 1.3]).range([MARGIN.left, WIDTH - MARGIN.right]);
  const ey = scaleLinear().domain([-ERROR_CLAMP_PCT, ERROR_CLAMP_PCT]).range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const errors = plotFrame('tw-val-error', v.sizeLabel ?? 'm (rows of A and C)', 'error (%): + model slower', (svg) => {
    const axis = v.size !== undefined ? axisBottom(ex).tickValues(powersOfTwo(sizeLo, sizeMax * 1.3, 8)).tickFormat((d) => binarySize(Number(d))) : axisBottom(ex).ticks(8, ',');
    svg.append('g').attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`).call(axis);
    svg.append('g').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(ey).ticks(8));
    for (const y of [-15, -5, 0, 5, 15]) svg.append('line').attr('class', y === 0 ? 'tw-val-diag' : 'tw-val-band').attr('x1', MARGIN.left).attr('x2', WIDTH - MARGIN.right).attr('y1', ey(y)).attr('y2', ey(y));
  });
  const errorPlot: Plot = {
    canvas: errors.canvas,
    x: (i) => ex(Math.max(sizeLo, sizeOf(i))),
    y: (i) => ey(Math.max(-ERROR_CLAMP_PCT, Math.min(ERROR_CLAMP_PCT, signedErrorPct(v, i)))),
    clampedY: (i) => Math.abs(signedErrorPct(v, i)) > ERROR_CLAMP_PCT,
  };

  const plots = el('div', { class: 'tw-val-plots' }, scatter.box, errors.box);
  container.append(groupControl, statsBox, focusNote, legend, plots, el('p', { class: 'tw-muted' }, `Left: each row's predicted time against its measurement; the diagonal is exact, the dashed lines ±15%. Right: the signed error against ${v.size !== undefined ? (v.sizeLabel ?? 'size') : 'm'} (errors beyond ±${ERROR_CLAMP_PCT}% drawn at the edge as triangles), where steps in the measured times (the kernel the library picks per range of m) show as bands.`));

  const tip = (i: number) => {
    const e = signedErrorPct(v, i);
    const box = el('div', {}, el('div', { class: 'tw-tip-title' }, `${v.devices[v.device[i]!]} ${v.ops[v.op[i]!]} ${v.ops[v.op[i]!] === 'allreduce' && v.size !== undefined ? `${formatNumber(v.size[i]!)} B` : `${v.m[i]}x${v.n[i]}x${v.k[i]}`}`));
    const dl = el('dl', { class: 'tw-kv' });
    const kv: [string, string][] = [['measured', `${formatNumber(v.measuredUs[i]!)} µs`], ['predicted', `${formatNumber(Number(v.predictedUs[i]!.toPrecision(5)))} µs`], ['error', `${e >= 0 ? '+' : ''}${e.toFixed(1)}%`], ['config', v.configs[v.config[i]!] || '—'], ['line', String(v.line[i])]];
    for (const [k, val] of kv) dl.append(el('dt', {}, k), el('dd', {}, val));
    box.append(dl);
    return box;
  };
  for (const plot of [scatterPlot, errorPlot]) {
    plot.canvas.addEventListener('mousemove', (ev) => {
      const r = plot.canvas.getBoundingClientRect();
      const hit = plot.tree?.find(ev.clientX - r.left, ev.clientY - r.top, 8);
      if (hit === undefined) options.hideTooltip?.();
      else options.showTooltip?.(tip(hit), ev.clientX, ev.clientY);
    });
    plot.canvas.addEventListener('mouseleave', () => options.hideTooltip?.());
  }

  function redraw(): void {
    renderStats();
    for (const plot of [scatterPlot, errorPlot]) {
      const ids: number[] = [];
      for (let i = 0; i < rows; i++) if (include(i) && (plot !== errorPlot || sizeOf(i) > 0)) ids.push(i);
      drawPoints(plot, ids, (i) => color(v.device[i]!), focus?.member);
      plot.tree = quadtree<number>().x(plot.x).y(plot.y).addAll(ids);
    }
  }
  setFocus(null);
}

/** An SVG frame (axes, reference lines) with a canvas over its plot area for the points. */
function plotFrame(id: string, xLabel: string, yLabel: string, draw: (svg: ReturnType<typeof select<SVGSVGElement, unknown>>) => void): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const box = el('div', { class: 'tw-val-plot', id });
  const svg = select(box).append('svg').attr('width', WIDTH).attr('height', HEIGHT).attr('class', 'tw-val-svg');
  draw(svg);
  svg.append('text').attr('class', 'tw-axis-title').attr('x', (MARGIN.left + WIDTH - MARGIN.right) / 2).attr('y', HEIGHT - 6).attr('text-anchor', 'middle').text(xLabel);
  svg.append('text').attr('class', 'tw-axis-title').attr('transform', `translate(14,${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(yLabel);
  const canvas = el('canvas', { class: 'tw-val-canvas', role: 'img', 'aria-label': `${yLabel} against ${xLabel}` });
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  canvas.width = WIDTH * ratio;
  canvas.height = HEIGHT * ratio;
  canvas.style.width = `${WIDTH}px`;
  canvas.style.height = `${HEIGHT}px`;
  box.append(canvas);
  return { box, canvas };
}

/**
 * Draw the points of `ids`; with `highlight`, the others dimmed first and its members over them
 * (the canvas's data-highlighted attribute counts the members drawn).
 */
function drawPoints(plot: Plot, ids: number[], color: (i: number) => string, highlight?: (i: number) => boolean): void {
  const ctx = plot.canvas.getContext('2d');
  if (ctx === null) return;
  const ratio = plot.canvas.width / WIDTH;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, WIDTH, HEIGHT);
  const alpha = ids.length > 5000 ? 0.35 : 0.7;
  const radius = ids.length > 500 ? 2.2 : 3.5;
  if (highlight === undefined) {
    plot.canvas.removeAttribute('data-highlighted');
    drawMarks(ctx, plot, ids, color, alpha, radius);
    return;
  }
  const members = ids.filter(highlight);
  drawMarks(ctx, plot, ids.filter((i) => !highlight(i)), () => '#9aa0a6', 0.12, radius);
  drawMarks(ctx, plot, members, color, 0.9, radius + 0.6);
  plot.canvas.setAttribute('data-highlighted', String(members.length));
}

function drawMarks(ctx: CanvasRenderingContext2D, plot: Plot, ids: number[], color: (i: number) => string, alpha: number, radius: number): void {
  ctx.globalAlpha = alpha;
  for (const i of ids) {
    const x = plot.x(i);
    const y = plot.y(i);
    ctx.fillStyle = color(i);
    ctx.beginPath();
    if (plot.clampedY(i)) {
      // A triangle pointing off the plot: the error is beyond the axis.
      const up = y < HEIGHT / 2;
      ctx.moveTo(x, y + (up ? -3 : 3));
      ctx.lineTo(x - 3, y + (up ? 2 : -2));
      ctx.lineTo(x + 3, y + (up ? 2 : -2));
    } else {
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}

/** At most `count` powers of two in [lo, hi], evenly spaced in the exponent. */
function powersOfTwo(lo: number, hi: number, count: number): number[] {
  const first = Math.ceil(Math.log2(lo));
  const last = Math.floor(Math.log2(hi));
  const step = Math.max(1, Math.ceil((last - first + 1) / count));
  const out: number[] = [];
  for (let e = first; e <= last; e += step) out.push(2 ** e);
  return out;
}

/** 2048 -> "2K", 1048576 -> "1M": sizes that are powers of two read as such. */
function binarySize(x: number): string {
  for (const [unit, scale] of [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]] as const) if (x >= scale) return `${Number((x / scale).toPrecision(3))}${unit}`;
  return String(x);
}
