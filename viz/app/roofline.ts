/**
 * The roofline (#tw-roofline): each op at (arithmetic intensity = FLOPs / DRAM bytes, achieved
 * FLOP/s), log-log, under the device's compute roofs (one per dtype; equal peaks share a line) and
 * its DRAM bandwidth roof.
 */
import { axisBottom, axisLeft, format, max as d3max, min as d3min, scaleLog, select, type NumberValue } from 'd3';
import { PALETTE, paletteIndexOf } from './colors.ts';
import { el } from './dom.ts';
import { formatByteRate, formatFlopRate, formatNumber, formatPercent, formatDuration } from './format.ts';
import type { RunModel } from './model.ts';
import type { DeviceRoofs, OpSummaryLike } from '../payload.ts';

export interface RooflinePoint {
  run: RunModel;
  op: OpSummaryLike;
  index: number;
  intensity: number;
  flopsPerSecond: number;
}

export function rooflinePoints(runs: RunModel[]): { points: RooflinePoint[]; skipped: number } {
  const points: RooflinePoint[] = [];
  let skipped = 0;
  for (const run of runs) {
    (run.summary?.ops ?? []).forEach((op, index) => {
      const rate = op.achievedFlopsPerSecond ?? (op.flops && op.durationNs > 0 ? op.flops / (op.durationNs / 1e9) : 0);
      if (!op.flops || !op.dramBytes || !(rate > 0)) {
        skipped++;
        return;
      }
      points.push({ run, op, index, intensity: op.flops / op.dramBytes, flopsPerSecond: rate });
    });
  }
  return { points, skipped };
}

/** Roof lines: dtypes with equal peaks merged ("fp16/bf16"), highest first. */
export function computeRoofs(device: DeviceRoofs | undefined): { label: string; peak: number; dtypes: string[] }[] {
  const peaks = device?.peakFlopsPerSecond ?? {};
  const byPeak = new Map<number, string[]>();
  for (const [dtype, peak] of Object.entries(peaks)) {
    if (!(peak > 0)) continue;
    const list = byPeak.get(peak);
    if (list) list.push(dtype);
    else byPeak.set(peak, [dtype]);
  }
  return [...byPeak].sort((a, b) => b[0] - a[0]).map(([peak, dtypes]) => ({ label: dtypes.join('/'), peak, dtypes }));
}

export interface RooflineOptions {
  onPointClick?: (p: RooflinePoint) => void;
  showTooltip?: (content: Node, x: number, y: number) => void;
  hideTooltip?: () => void;
}

export function renderRoofline(container: HTMLElement, runs: RunModel[], options: RooflineOptions = {}): void {
  const device = runs.map((r) => r.device ?? r.summary?.device).find((d) => d !== undefined);
  const { points, skipped } = rooflinePoints(runs);
  const roofs = computeRoofs(device);
  const bw = device?.memoryBandwidthBytesPerSecond;
  if (points.length === 0 && roofs.length === 0) {
    container.append(el('p', { class: 'tw-muted' }, 'No ops with FLOPs and DRAM bytes, and no device roofs: nothing to place on a roofline.'));
    return;
  }
  const usedDtypes = new Set(points.map((p) => p.op.dtype).filter(Boolean));
  const width = 520;
  const height = 340;
  const m = { top: 14, right: 14, bottom: 42, left: 64 };
  const ridge = roofs.length > 0 && bw ? roofs.map((r) => r.peak / bw) : [];
  const xs = [...points.map((p) => p.intensity), ...ridge];
  const xMin = Math.max(1e-3, (d3min(xs) ?? 1) / 8);
  const xMax = Math.max(xMin * 100, (d3max(xs) ?? 100) * 8);
  const ys = [...points.map((p) => p.flopsPerSecond), ...roofs.map((r) => r.peak)];
  const yMax = (d3max(ys) ?? 1e12) * 2.5;
  const yMinCandidates = [...points.map((p) => p.flopsPerSecond / 4), bw ? bw * xMin : yMax / 1e4];
  const yMin = Math.max(yMax / 1e7, d3min(yMinCandidates) ?? yMax / 1e4);
  const x = scaleLog().domain([xMin, xMax]).range([m.left, width - m.right]).clamp(true);
  const y = scaleLog().domain([yMin, yMax]).range([height - m.bottom, m.top]).clamp(true);

  const svg = select(container)
    .append('svg')
    .attr('class', 'tw-roofline-svg')
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', 'roofline: achieved FLOP/s against arithmetic intensity');

  // Decades only; below 1 plain decimals (0.1, not SI "100m").
  const siTick = (unit: string) => (d: NumberValue) => {
    const v = Number(d);
    const exp = Math.log10(v);
    if (Math.abs(exp - Math.round(exp)) >= 1e-6) return '';
    return `${v < 1 ? format('~g')(v) : format('~s')(v)}${unit}`;
  };
  svg.append('g').attr('class', 'tw-grid').selectAll('line').data(y.ticks(6).filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-6))
    .join('line').attr('x1', m.left).attr('x2', width - m.right).attr('y1', (d) => y(d)).attr('y2', (d) => y(d));
  svg.append('g').attr('class', 'tw-grid').selectAll('line').data(x.ticks(6).filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-6))
    .join('line').attr('y1', m.top).attr('y2', height - m.bottom).attr('x1', (d) => x(d)).attr('x2', (d) => x(d));
  svg.append('g').attr('class', 'tw-axis-x').attr('transform', `translate(0,${height - m.bottom})`).call(axisBottom(x).ticks(6).tickFormat(siTick('')));
  svg.append('g').attr('class', 'tw-axis-y').attr('transform', `translate(${m.left},0)`).call(axisLeft(y).ticks(6).tickFormat(siTick('')));
  svg.append('text').attr('class', 'tw-axis-title').attr('x', (m.left + width - m.right) / 2).attr('y', height - 6).attr('text-anchor', 'middle').text('arithmetic intensity (FLOP / DRAM byte)');
  svg.append('text').attr('class', 'tw-axis-title').attr('transform', `translate(14,${(m.top + height - m.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text('achieved FLOP/s');

  // Roofs.
  const roofG = svg.append('g').attr('class', 'tw-roofs');
  roofs.forEach((r, i) => {
    const used = r.dtypes.some((d) => usedDtypes.has(d)) || (usedDtypes.size === 0 && i === 0);
    const knee = bw ? r.peak / bw : xMin;
    const pts: [number, number][] = bw ? [[xMin, bw * xMin], [Math.min(Math.max(knee, xMin), xMax), r.peak], [xMax, r.peak]] : [[xMin, r.peak], [xMax, r.peak]];
    roofG.append('path')
      .attr('class', `tw-roof${used ? ' tw-roof-used' : ''}`)
      .attr('d', `M${pts.map(([a, b]) => `${x(a)},${y(b)}`).join('L')}`);
    roofG.append('text')
      .attr('class', `tw-roof-label${used ? ' tw-roof-used' : ''}`)
      .attr('x', width - m.right - 4)
      .attr('y', y(r.peak) - 4)
      .attr('text-anchor', 'end')
      .text(`${r.label} ${formatFlopRate(r.peak)}`)
      .append('title').text(`${r.label} peak: ${formatFlopRate(r.peak)}; ridge at ${formatNumber(Number((r.peak / (bw ?? 1)).toPrecision(3)))} FLOP/B`);
  });
  if (bw) {
    const xa = xMin * 2;
    const angle = (Math.atan2(y(bw * xa * 10) - y(bw * xa), x(xa * 10) - x(xa)) * 180) / Math.PI;
    const ya = bw * xa;
    if (ya > yMin) {
      roofG.append('text').attr('class', 'tw-roof-label tw-roof-bw').attr('transform', `translate(${x(xa)},${y(ya) - 6}) rotate(${angle})`).text(`DRAM ${formatByteRate(bw)}`);
    }
  }

  // Points.
  const multi = runs.length > 1;
  const symbolPath = (run: RunModel, r: number) =>
    multi && run.index === 1 ? `M0,${-r * 1.2}L${r * 1.1},${r * 0.8}L${-r * 1.1},${r * 0.8}Z` : `M${-r},0a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
  const pointG = svg.append('g').attr('class', 'tw-points');
  const sel = pointG
    .selectAll<SVGPathElement, RooflinePoint>('path')
    .data(points)
    .join('path')
    .attr('class', 'tw-point')
    .attr('transform', (p) => `translate(${x(p.intensity)},${y(p.flopsPerSecond)})`)
    .attr('d', (p) => symbolPath(p.run, 5))
    .attr('fill', (p) => PALETTE[paletteIndexOf(p.op.type ?? p.op.name)]!)
    .attr('data-op', (p) => p.op.name);
  const tip = (p: RooflinePoint): HTMLElement => {
    const peak = p.op.dtype ? device?.peakFlopsPerSecond?.[p.op.dtype] : undefined;
    const roof = peak !== undefined ? Math.min(peak, bw ? bw * p.intensity : peak) : undefined;
    return el(
      'div',
      {},
      el('div', { class: 'tw-tip-title' }, `${p.run.label ? `${p.run.label} · ` : ''}${p.op.name}`),
      el('div', { class: 'tw-tip-sub' }, `${p.op.type ?? ''}${p.op.dtype ? ` · ${p.op.dtype}` : ''} · ${formatDuration(p.op.durationNs)}`),
      el('div', {}, `${formatFlopRate(p.flopsPerSecond)} at ${formatNumber(Number(p.intensity.toPrecision(4)))} FLOP/B`),
      roof !== undefined ? el('div', {}, `${formatPercent(p.flopsPerSecond / roof)} of the roof here (${formatFlopRate(roof)}), ${bw && p.intensity < (peak ?? 0) / bw ? 'memory-bound' : 'compute-bound'}`) : null,
    );
  };
  sel
    .on('mousemove', (ev: MouseEvent, p) => options.showTooltip?.(tip(p), ev.clientX, ev.clientY))
    .on('mouseleave', () => options.hideTooltip?.())
    .on('click', (_ev, p) => options.onPointClick?.(p));

  // Legend: op types and runs.
  const types = [...new Set(points.map((p) => p.op.type ?? p.op.name))];
  const legend = el('div', { class: 'tw-legend' });
  for (const t of types.slice(0, 12)) legend.append(el('span', { class: 'tw-legend-item' }, el('span', { class: 'tw-swatch tw-round', style: `background:${PALETTE[paletteIndexOf(t)]}` }), t));
  if (multi) legend.append(el('span', { class: 'tw-legend-item' }, '● A  ▲ B'));
  if (points.length === 0) legend.append(el('span', { class: 'tw-muted' }, 'No per-op summary with FLOPs and DRAM bytes in this trace: only the device roofs are shown.'));
  if (skipped > 0) legend.append(el('span', { class: 'tw-muted' }, `${skipped} op${skipped === 1 ? '' : 's'} without FLOPs or DRAM bytes not shown`));
  container.append(legend);
}
