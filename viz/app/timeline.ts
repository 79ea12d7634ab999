/**
 * The timeline: tracks grouped by run, device (pid) and group (SM / memory / link / ops), drawn on
 * a canvas. Span rows use binary search and level-of-detail merging (lod.ts); collapsed groups
 * draw their occupancy (occupancy.ts); counters draw as step areas. d3-zoom drives zoom and pan on
 * the time axis only.
 */
import { scaleLinear, select, zoom as d3zoom, zoomIdentity, type ScaleLinear, type Selection, type ZoomBehavior, type ZoomTransform } from 'd3';
import { MIXED_COLOR, PALETTE, dimmed, paletteIndexOf, textColorOn } from './colors.ts';
import { el } from './dom.ts';
import { formatDuration, formatNumber, formatPercent, formatSi } from './format.ts';
import { createBoxBuffer, counterSteps, lodBoxes, upperBound, visibleSpans } from './lod.ts';
import { spanInfo, type CounterTrack, type ReportModel, type RunModel, type SpanInfo, type SpanTrack } from './model.ts';
import { Occupancy, type LaneRef } from './occupancy.ts';
import { axisTicks } from './time-axis.ts';

const LABEL_W = 230;
const LANE_H = 18;
const HEADER_H = 22;
const AGG_H = 28;
const COUNTER_H = 36;
/** Groups with more tracks than this start collapsed into one occupancy row. */
export const COLLAPSE_THRESHOLD = 16;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const FILLS = [...PALETTE, ...PALETTE.map((c) => dimmed(c))];
const TEXT_COLORS = PALETTE.map(textColorOn);
const P = PALETTE.length;

interface BaseNode {
  id: string;
  label: string;
  depth: number;
}
interface ContainerNode extends BaseNode {
  kind: 'run' | 'device' | 'group';
  run: RunModel;
  children: Node[];
  collapsed: boolean;
  occupancy: Occupancy;
  trackCount: number;
  color: string;
  meta: string;
}
interface TrackNode extends BaseNode {
  kind: 'track';
  track: SpanTrack;
  meta: string;
}
interface CounterNode extends BaseNode {
  kind: 'counter';
  counter: CounterTrack;
  color: string;
}
type Node = ContainerNode | TrackNode | CounterNode;

interface Row {
  node: Node;
  y: number;
  h: number;
}

export interface Hit {
  kind: 'span' | 'counter' | 'group';
  row: Row;
  span?: SpanInfo;
  text?: string;
  timeNs: number;
}

export interface TimelineOptions {
  onSelect?: (span: SpanInfo | null) => void;
  onHover?: (hit: Hit | null, clientX: number, clientY: number) => void;
  onRangeChange?: (t0: number, t1: number) => void;
}

function spanLanes(tracks: SpanTrack[]): LaneRef[] {
  return tracks.filter((t) => t.n > 0).map((t) => ({ start: t.start, end: t.end, lo: t.laneStart[0]!, hi: t.laneStart[1]! }));
}

function dominantColor(tracks: SpanTrack[]): string {
  for (const t of tracks) {
    if (t.n > 0) {
      const lane0 = t.laneStart[0]!;
      return PALETTE[t.run.styleColor[t.style[lane0]!]!]!;
    }
  }
  return PALETTE[0]!;
}

export class Timeline {
  readonly root: HTMLElement;
  private readonly model: ReportModel;
  private readonly options: TimelineOptions;
  private readonly nodes: ContainerNode[] = [];
  private rows: Row[] = [];
  private totalH = 0;
  private viewH = 0;
  private width = 600;
  private dpr = 1;

  private readonly area: HTMLElement;
  private readonly body: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly labels: HTMLElement;
  private readonly sticky: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly octx: CanvasRenderingContext2D;
  private readonly axisSvg: SVGSVGElement;
  private readonly axisBase: HTMLElement;
  private readonly rangeLabel: HTMLElement;
  private readonly cursorLabel: HTMLElement;

  private readonly domain: [number, number];
  private base: ScaleLinear<number, number>;
  private transform: ZoomTransform = zoomIdentity;
  private readonly zoom: ZoomBehavior<HTMLCanvasElement, unknown>;
  private readonly canvasSel: Selection<HTMLCanvasElement, unknown, null, undefined>;

  private readonly boxes = createBoxBuffer(4096);
  private fracBuf = new Float32Array(1024);
  private stepX = new Float64Array(4096);
  private stepV = new Float64Array(4096);
  private readonly textWidth = new Map<string, number>();

  private searchMatch: Uint8Array[] | null = null;
  private selected: SpanInfo | null = null;
  private hovered: Hit | null = null;
  private mouse: { x: number; y: number } | null = null;
  private frameRequested = false;
  private renderCount = 0;
  lastFrameMs = 0;
  private readonly frameTimes: number[] = [];

  constructor(parent: HTMLElement, model: ReportModel, options: TimelineOptions = {}) {
    this.model = model;
    this.options = options;
    const starts = model.runs.map((r) => r.startNs);
    const ends = model.runs.map((r) => r.endNs);
    this.domain = [Math.min(...starts), Math.max(...ends)];
    this.base = scaleLinear().domain(this.domain).range([0, this.width]);

    this.root = parent;
    this.axisBase = el('div', { class: 'tw-tl-corner' });
    this.axisSvg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.axisSvg.setAttribute('class', 'tw-axis');
    this.rangeLabel = el('span', { class: 'tw-range' });
    this.cursorLabel = el('div', { class: 'tw-cursor-label' });
    this.labels = el('div', { class: 'tw-tl-labels' });
    this.canvas = el('canvas', { class: 'tw-tl-canvas' }) as HTMLCanvasElement;
    this.overlay = el('canvas', { class: 'tw-tl-overlay' }) as HTMLCanvasElement;
    this.sticky = el('div', { class: 'tw-tl-sticky' }, this.canvas, this.overlay);
    this.inner = el('div', { class: 'tw-tl-inner' }, this.labels, el('div', { class: 'tw-tl-canvas-col' }, this.sticky));
    this.body = el('div', { class: 'tw-tl-body' }, this.inner);
    this.area = el(
      'div',
      { class: 'tw-tl-area' },
      el('div', { class: 'tw-tl-axis-row' }, this.axisBase, el('div', { class: 'tw-axis-wrap' }, this.axisSvg, this.cursorLabel)),
      this.body,
    );
    parent.append(this.area);
    this.ctx = this.canvas.getContext('2d', { alpha: false })!;
    this.octx = this.overlay.getContext('2d')!;

    this.buildTree();
    this.layout();

    this.canvasSel = select(this.canvas);
    this.zoom = d3zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1, this.maxScale()])
      .filter((ev: Event) => {
        const e = ev as MouseEvent & WheelEvent;
        if (e.type === 'wheel') return !e.shiftKey && Math.abs(e.deltaY) >= Math.abs(e.deltaX);
        return !e.ctrlKey && !e.button;
      })
      .wheelDelta((ev: WheelEvent) => -ev.deltaY * (ev.deltaMode === 1 ? 0.05 : ev.deltaMode ? 1 : 0.002) * (ev.ctrlKey ? 4 : 1))
      .on('zoom', (ev: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        const dy = ev.transform.y - this.transform.y;
        this.transform = ev.transform;
        if (ev.sourceEvent && ev.sourceEvent.type === 'mousemove' && dy !== 0) this.body.scrollTop -= dy;
        this.hideHover();
        this.requestRender();
      });
    this.canvasSel.call(this.zoom).on('dblclick.zoom', null);
    this.installEvents();

    const resize = () => this.resize();
    if (typeof ResizeObserver !== 'undefined') new ResizeObserver(resize).observe(this.area);
    // The body's height follows the window's.
    window.addEventListener('resize', () => {
      this.layout();
      this.resize();
    });
    this.resize();
  }

  get toolbarRange(): HTMLElement {
    return this.rangeLabel;
  }

  private maxScale(): number {
    // Zoom in until about 2 ns fill the view.
    return Math.max(1, (this.domain[1] - this.domain[0]) / 2);
  }

  // ---- tree and layout -------------------------------------------------------------------

  private container(kind: ContainerNode['kind'], id: string, label: string, depth: number, run: RunModel, tracks: SpanTrack[], collapsed: boolean): ContainerNode {
    return {
      kind, id, label, depth, run, children: [], collapsed,
      occupancy: new Occupancy(spanLanes(tracks), tracks.length, this.domain[0], this.domain[1]),
      trackCount: tracks.length,
      color: dominantColor(tracks),
      meta: '',
    };
  }

  private buildTree(): void {
    const multi = this.model.runs.length > 1;
    for (const run of this.model.runs) {
      const runNode = multi ? this.container('run', `run${run.index}`, `${run.label} · ${run.title}`, 0, run, run.tracks, false) : null;
      const unitUtil = new Map<string, number>();
      for (const u of run.summary?.units ?? []) unitUtil.set(`${u.device}\u0000${u.unit}`, u.utilization);
      const deviceDepth = multi ? 1 : 0;
      for (const dev of run.devices) {
        const tracks = run.tracks.filter((t) => t.pid === dev.pid);
        const counters = run.counters.filter((c) => c.pid === dev.pid);
        const devNode = this.container('device', `run${run.index}/pid${dev.pid}`, dev.name, deviceDepth, run, tracks, false);
        devNode.meta = `${tracks.length} track${tracks.length === 1 ? '' : 's'}`;
        const groups = new Map<string, SpanTrack[]>();
        for (const t of tracks) {
          let g = groups.get(t.group);
          if (g === undefined) groups.set(t.group, (g = []));
          g.push(t);
        }
        const groupNodes = (which: (name: string) => boolean): Node[] => {
          const out: Node[] = [];
          for (const [name, list] of groups) {
            if (!which(name)) continue;
            if (list.length === 1) {
              out.push(this.trackNode(list[0]!, deviceDepth + 1, unitUtil));
              continue;
            }
            const g = this.container('group', `${devNode.id}/g:${name}`, name, deviceDepth + 1, run, list, list.length > COLLAPSE_THRESHOLD);
            const busy = g.occupancy.fractionBetween(run.startNs, run.endNs);
            g.meta = `×${list.length} · ${formatPercent(busy, 0)} busy`;
            g.children = list.map((t) => this.trackNode(t, deviceDepth + 2, unitUtil));
            out.push(g);
          }
          return out;
        };
        devNode.children = [
          ...groupNodes((n) => n === 'ops'),
          ...counters.map((c, i): CounterNode => ({
            kind: 'counter', id: `${devNode.id}/c${i}`, label: c.name, depth: deviceDepth + 1, counter: c,
            color: ['#3b7dd8', '#2a9d8f', '#c2185b', '#7b61ff', '#e07a1f'][paletteIndexOf(c.name) % 5]!,
          })),
          ...groupNodes((n) => n !== 'ops'),
        ];
        if (runNode) runNode.children.push(devNode);
        else this.nodes.push(devNode);
      }
      if (runNode) this.nodes.push(runNode);
    }
  }

  private trackNode(track: SpanTrack, depth: number, util: Map<string, number>): TrackNode {
    const u = util.get(`${track.device}\u0000${track.unit}`);
    return {
      kind: 'track', id: `t${track.index}`, label: track.unit, depth, track,
      meta: u !== undefined ? formatPercent(u, 0) : `${formatNumber(track.n)}`,
    };
  }

  private rowHeight(node: Node): number {
    if (node.kind === 'track') return node.track.lanes * LANE_H + 4;
    if (node.kind === 'counter') return COUNTER_H;
    if (node.kind === 'group') return AGG_H;
    return node.collapsed ? AGG_H : HEADER_H;
  }

  private layout(): void {
    const rows: Row[] = [];
    let y = 0;
    const visit = (node: Node) => {
      const h = this.rowHeight(node);
      rows.push({ node, y, h });
      y += h;
      if (node.kind !== 'track' && node.kind !== 'counter' && !node.collapsed) node.children.forEach(visit);
    };
    this.nodes.forEach(visit);
    this.rows = rows;
    this.totalH = Math.max(y, 40);
    this.inner.style.height = `${this.totalH}px`;
    const maxBody = Math.max(260, Math.round((window.innerHeight || 800) * 0.66));
    this.viewH = Math.max(Math.min(this.totalH, maxBody), Math.min(maxBody, 220));
    this.body.style.height = `${this.viewH}px`;
    this.renderLabels();
  }

  private renderLabels(): void {
    const frag = document.createDocumentFragment();
    for (const row of this.rows) {
      const n = row.node;
      const isContainer = n.kind === 'run' || n.kind === 'device' || n.kind === 'group';
      const label = el('div', {
        class: `tw-row-label tw-kind-${n.kind}${isContainer && (n as ContainerNode).collapsed ? ' tw-collapsed' : ''}`,
        style: `top:${row.y}px;height:${row.h}px;padding-left:${6 + n.depth * 14}px`,
        title: n.kind === 'track' ? `${n.track.device} / ${n.track.unit} (${n.track.group}) · ${n.track.n} spans` : n.label,
      });
      if (n.kind === 'track') label.dataset.trackIndex = String(n.track.index);
      if (isContainer) {
        const c = n as ContainerNode;
        label.append(el('span', { class: 'tw-chevron' }, c.collapsed ? '▸' : '▾'));
        label.dataset.node = c.id;
        label.addEventListener('click', () => this.toggle(c));
      } else if (n.kind === 'counter') {
        label.append(el('span', { class: 'tw-swatch', style: `background:${n.color}` }));
      }
      label.append(el('span', { class: 'tw-name' }, n.label));
      const meta = n.kind === 'counter' ? '' : n.meta;
      if (meta) label.append(el('span', { class: 'tw-meta' }, meta));
      frag.append(label);
    }
    this.labels.replaceChildren(frag);
  }

  private toggle(node: ContainerNode, collapsed = !node.collapsed): void {
    node.collapsed = collapsed;
    this.layout();
    this.resize();
  }

  /** Expand or collapse every group and device. */
  setAllCollapsed(collapsed: boolean): void {
    const visit = (n: Node) => {
      if (n.kind === 'group') n.collapsed = collapsed;
      if (n.kind === 'run' || n.kind === 'device' || n.kind === 'group') n.children.forEach(visit);
    };
    this.nodes.forEach(visit);
    this.layout();
    this.resize();
  }

  /** Expand the containers of a track and scroll its row into view. */
  revealTrack(trackIndex: number): boolean {
    const path: ContainerNode[] = [];
    const find = (n: Node, trail: ContainerNode[]): boolean => {
      if (n.kind === 'track') {
        if (n.track.index === trackIndex) {
          path.push(...trail);
          return true;
        }
        return false;
      }
      if (n.kind === 'counter') return false;
      return n.children.some((c) => find(c, [...trail, n]));
    };
    if (!this.nodes.some((n) => find(n, []))) return false;
    if (path.some((p) => p.collapsed)) {
      path.forEach((p) => (p.collapsed = false));
      this.layout();
      this.resize();
    }
    const row = this.rows.find((r) => r.node.kind === 'track' && r.node.track.index === trackIndex);
    if (!row) return false;
    if (row.y < this.body.scrollTop || row.y + row.h > this.body.scrollTop + this.viewH) {
      this.body.scrollTop = Math.max(0, row.y - this.viewH / 3);
    }
    this.renderNow();
    return true;
  }

  private resize(): void {
    const w = Math.max(200, Math.floor(this.area.clientWidth - LABEL_W));
    const domainBefore = this.visibleRange();
    this.width = w;
    this.dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.overlay]) {
      c.width = Math.round(w * this.dpr);
      c.height = Math.round(this.viewH * this.dpr);
      c.style.width = `${w}px`;
      c.style.height = `${this.viewH}px`;
    }
    this.sticky.style.height = `${this.viewH}px`;
    this.axisSvg.setAttribute('width', String(w));
    this.axisSvg.setAttribute('height', '24');
    this.base = scaleLinear().domain(this.domain).range([0, w]);
    this.zoom.extent([[0, 0], [w, this.viewH]]).translateExtent([[0, -Infinity], [w, Infinity]]);
    if (this.fracBuf.length < w + 2) this.fracBuf = new Float32Array(w + 2);
    if (this.stepX.length < 2 * w + 8) {
      this.stepX = new Float64Array(2 * w + 8);
      this.stepV = new Float64Array(2 * w + 8);
    }
    this.setVisible(domainBefore[0], domainBefore[1], false);
    this.renderNow();
  }

  // ---- view range ------------------------------------------------------------------------

  private x(): ScaleLinear<number, number> {
    return this.transform.rescaleX(this.base);
  }

  visibleRange(): [number, number] {
    const [a, b] = this.x().domain() as [number, number];
    return [a, b];
  }

  private transformFor(t0: number, t1: number): ZoomTransform {
    const span = Math.max(t1 - t0, 1e-6);
    const k = Math.min(this.maxScale(), Math.max(1, (this.domain[1] - this.domain[0]) / span));
    return zoomIdentity.translate(-this.base(t0) * k, 0).scale(k);
  }

  private setVisible(t0: number, t1: number, render = true): void {
    // zoom.transform does not clamp; keep programmatic views inside the trace like gestures are.
    const extent: [[number, number], [number, number]] = [[0, 0], [this.width, this.viewH]];
    const clamped = this.zoom.constrain()(this.transformFor(t0, t1), extent, [[0, -Infinity], [this.width, Infinity]]);
    this.canvasSel.call(this.zoom.transform, clamped);
    if (render) this.renderNow();
  }

  /** Show [t0, t1] (ns) and draw at once. */
  zoomTo(t0: number, t1: number): void {
    const a = Number.isFinite(t0) ? t0 : this.domain[0];
    const b = Number.isFinite(t1) ? t1 : this.domain[1];
    this.setVisible(Math.min(a, b), Math.max(a, b), true);
  }

  resetZoom(): void {
    this.canvasSel.call(this.zoom.transform, zoomIdentity);
    this.renderNow();
  }

  /** Zoom by `factor` (>1 = in) around pixel x of the canvas (default: its centre). */
  zoomBy(factor: number, px = this.width / 2): void {
    this.canvasSel.call(this.zoom.scaleBy, factor, [px, 0]);
    this.renderNow();
  }

  /** Pan by a fraction of the visible width (positive = later). */
  panBy(fraction: number): void {
    this.canvasSel.call(this.zoom.translateBy, (-fraction * this.width) / this.transform.k, 0);
    this.renderNow();
  }

  // ---- search and selection --------------------------------------------------------------

  /** Dim spans whose name and category do not contain `text`; returns the number of matches. */
  setSearch(text: string): number {
    const q = text.trim().toLowerCase();
    if (q === '') {
      this.searchMatch = null;
      this.requestRender();
      return 0;
    }
    this.searchMatch = this.model.runs.map((run) => Uint8Array.from(run.styleName, (name, i) => (name.toLowerCase().includes(q) || run.styleCat[i]!.toLowerCase().includes(q) ? 1 : 0)));
    let count = 0;
    for (const t of this.model.tracks) {
      const m = this.searchMatch[t.run.index]!;
      for (let i = 0; i < t.n; i++) count += m[t.style[i]!]!;
    }
    this.requestRender();
    return count;
  }

  /** The next span matching the search after `after` (track order, then start); wraps around. */
  nextMatch(after: SpanInfo | null): SpanInfo | null {
    if (!this.searchMatch) return null;
    const tracks = this.model.tracks;
    const startTrack = after ? after.track.index : 0;
    for (let step = 0; step <= tracks.length; step++) {
      const t = tracks[(startTrack + step) % tracks.length]!;
      const m = this.searchMatch[t.run.index]!;
      let best = -1;
      for (let i = 0; i < t.n; i++) {
        if (!m[t.style[i]!]) continue;
        if (step === 0 && after && (t.start[i]! < after.startNs || (t.start[i] === after.startNs && i <= after.index))) continue;
        if (best < 0 || t.start[i]! < t.start[best]!) best = i;
      }
      if (best >= 0) return spanInfo(t, best);
    }
    return null;
  }

  select(span: SpanInfo | null): void {
    this.selected = span;
    this.options.onSelect?.(span);
    this.drawOverlay();
  }

  get selection(): SpanInfo | null {
    return this.selected;
  }

  /** Zoom so the span fills the middle third of the view, and select it. */
  focusSpan(span: SpanInfo): void {
    this.revealTrack(span.track.index);
    const pad = Math.max(span.durNs, 10);
    this.zoomTo(span.startNs - pad, span.startNs + span.durNs + pad);
    this.select(span);
  }

  // ---- hit testing -----------------------------------------------------------------------

  private rowAt(y: number): Row | undefined {
    const yy = y + this.body.scrollTop;
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.y + this.rows[mid]!.h <= yy) lo = mid + 1;
      else hi = mid;
    }
    const row = this.rows[lo];
    return row && row.y <= yy ? row : undefined;
  }

  /** What is under canvas pixel (x, y). */
  hitTest(x: number, y: number): Hit | null {
    const row = this.rowAt(y);
    if (!row) return null;
    const sc = this.x();
    const t = sc.invert(x);
    const nsPerPx = (sc.domain()[1]! - sc.domain()[0]!) / this.width;
    const n = row.node;
    if (n.kind === 'track') {
      const track = n.track;
      const lane = Math.floor((y + this.body.scrollTop - row.y - 2) / LANE_H);
      if (lane < 0 || lane >= track.lanes) return null;
      const lo = track.laneStart[lane]!;
      const hi = track.laneStart[lane + 1]!;
      const tol = 3 * nsPerPx;
      let i = upperBound(track.end, lo, hi, t - tol);
      let best = -1;
      let bestDist = Infinity;
      for (let k = 0; i < hi && k < 64 && track.start[i]! <= t + tol; i++, k++) {
        const d = t < track.start[i]! ? track.start[i]! - t : t > track.end[i]! ? t - track.end[i]! : 0;
        if (d < bestDist) {
          bestDist = d;
          best = i;
          if (d === 0) break;
        }
      }
      if (best < 0) return null;
      return { kind: 'span', row, span: spanInfo(track, best), timeNs: t };
    }
    if (n.kind === 'counter') {
      const c = n.counter;
      const i = upperBound(c.t, 0, c.t.length, t) - 1;
      const parts = c.series.map((s, k) => `${c.series.length > 1 ? `${s}: ` : ''}${formatNumber(i >= 0 ? c.values[k]![i]! : 0)}`);
      return { kind: 'counter', row, text: `${c.name}\n${parts.join('\n')}`, timeNs: t };
    }
    const frac = n.occupancy.fractionBetween(t - nsPerPx / 2, t + nsPerPx / 2);
    return { kind: 'group', row, text: `${n.label}: ${n.trackCount} tracks\n${formatPercent(frac)} busy here`, timeNs: t };
  }

  private hideHover(): void {
    if (this.hovered) {
      this.hovered = null;
      this.options.onHover?.(null, 0, 0);
    }
  }

  private installEvents(): void {
    const c = this.canvas;
    c.addEventListener('mousemove', (ev) => {
      const r = c.getBoundingClientRect();
      const x = ev.clientX - r.left;
      const y = ev.clientY - r.top;
      this.mouse = { x, y };
      if (ev.buttons !== 0) {
        this.hideHover();
        this.drawOverlay();
        return;
      }
      this.hovered = this.hitTest(x, y);
      this.options.onHover?.(this.hovered, ev.clientX, ev.clientY);
      this.drawOverlay();
    });
    c.addEventListener('mouseleave', () => {
      this.mouse = null;
      this.hideHover();
      this.drawOverlay();
    });
    c.addEventListener('click', (ev) => {
      const r = c.getBoundingClientRect();
      const hit = this.hitTest(ev.clientX - r.left, ev.clientY - r.top);
      if (hit && hit.kind === 'span') this.select(hit.span!);
      else if (hit && hit.kind === 'group' && hit.row.node.kind === 'group') this.toggle(hit.row.node, false);
      else this.select(null);
    });
    c.addEventListener(
      'wheel',
      (ev) => {
        if (ev.shiftKey) {
          this.body.scrollTop += ev.deltaY || ev.deltaX;
          ev.preventDefault();
        } else if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
          this.canvasSel.call(this.zoom.translateBy, -ev.deltaX / this.transform.k, 0);
          ev.preventDefault();
        }
      },
      { passive: false },
    );
    let lastScrollTop = this.body.scrollTop;
    this.body.addEventListener('scroll', () => {
      // Programmatic scrolls (revealTrack) report late; only a real move invalidates the hover.
      if (this.body.scrollTop !== lastScrollTop) {
        lastScrollTop = this.body.scrollTop;
        this.hideHover();
      }
      this.requestRender();
    });
    window.addEventListener('keydown', (ev) => {
      const target = ev.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable)) return;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const px = this.mouse ? this.mouse.x : this.width / 2;
      switch (ev.key) {
        case 'w': case 'W': case '+': case '=':
          this.zoomBy(ev.shiftKey ? 2 : 1.3, px);
          break;
        case 's': case 'S': case '-': case '_':
          this.zoomBy(1 / (ev.shiftKey ? 2 : 1.3), px);
          break;
        case 'a': case 'A': case 'ArrowLeft':
          this.panBy(ev.shiftKey ? -0.5 : -0.15);
          break;
        case 'd': case 'D': case 'ArrowRight':
          this.panBy(ev.shiftKey ? 0.5 : 0.15);
          break;
        case '0':
          this.resetZoom();
          break;
        case 'f': case 'F':
          if (this.selected) this.focusSpan(this.selected);
          break;
        case 'Escape':
          this.select(null);
          break;
        default:
          return;
      }
      ev.preventDefault();
    });
  }

  // ---- drawing ---------------------------------------------------------------------------

  requestRender(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.renderNow();
    });
  }

  renderStats(): { lastFrameMs: number; frames: number; meanFrameMs: number } {
    const recent = this.frameTimes.slice(-20);
    return { lastFrameMs: this.lastFrameMs, frames: this.renderCount, meanFrameMs: recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length) };
  }

  renderNow(): void {
    const began = performance.now();
    const ctx = this.ctx;
    const W = this.width;
    const H = this.viewH;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    const sc = this.x();
    const [d0, d1] = sc.domain() as [number, number];
    const nsPerPx = (d1 - d0) / W;
    const ticks = axisTicks(d0, d1, Math.max(2, Math.round(W / 120)));

    // Outside the traced time: light hatch-free shading.
    ctx.fillStyle = '#f6f7f9';
    const xs = sc(this.domain[0]);
    const xe = sc(this.domain[1]);
    if (xs > 0) ctx.fillRect(0, 0, xs, H);
    if (xe < W) ctx.fillRect(xe, 0, W - xe, H);

    ctx.strokeStyle = '#eceff3';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const t of ticks.ticks) {
      const x = Math.round(sc(t.ns)) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, H);
    }
    ctx.stroke();

    const top = this.body.scrollTop;
    let first = 0;
    {
      let lo = 0;
      let hi = this.rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.rows[mid]!.y + this.rows[mid]!.h <= top) lo = mid + 1;
        else hi = mid;
      }
      first = lo;
    }
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    for (let r = first; r < this.rows.length; r++) {
      const row = this.rows[r]!;
      const y = row.y - top;
      if (y >= H) break;
      const n = row.node;
      if (n.kind === 'track') this.drawTrack(n.track, y, d0, d1, nsPerPx);
      else if (n.kind === 'counter') this.drawCounter(n, y, row.h, d0, d1, nsPerPx);
      else this.drawContainer(n, y, row.h, d0, nsPerPx);
      ctx.fillStyle = n.kind === 'track' || n.kind === 'counter' ? '#f0f2f5' : '#e1e5ea';
      ctx.fillRect(0, y + row.h - 1, W, 1);
    }

    this.drawAxis(ticks, sc);
    this.drawOverlay();
    const ms = performance.now() - began;
    this.lastFrameMs = ms;
    this.frameTimes.push(ms);
    if (this.frameTimes.length > 100) this.frameTimes.splice(0, 50);
    this.renderCount++;
    this.rangeLabel.textContent = `${formatDuration(d0)} – ${formatDuration(d1)}  (${formatDuration(d1 - d0)} visible)`;
    this.options.onRangeChange?.(d0, d1);
  }

  private drawTrack(track: SpanTrack, y: number, d0: number, d1: number, nsPerPx: number): void {
    const ctx = this.ctx;
    const W = this.width;
    const run = track.run;
    const styleColor = run.styleColor;
    const style = track.style;
    const match = this.searchMatch ? this.searchMatch[run.index]! : null;
    const colorOf = match ? (i: number) => styleColor[style[i]!]! + (match[style[i]!] ? 0 : P) : (i: number) => styleColor[style[i]!]!;
    const b = this.boxes;
    for (let l = 0; l < track.lanes; l++) {
      const lo = track.laneStart[l]!;
      const hi = track.laneStart[l + 1]!;
      const [i0, i1] = visibleSpans(track.start, track.end, lo, hi, d0, d1);
      if (i1 <= i0) continue;
      const n = lodBoxes(track.start, track.end, colorOf, i0, i1, d0, nsPerPx, b);
      const ly = y + 2 + l * LANE_H;
      const lh = LANE_H - 2;
      let lastFill = -2;
      for (let k = 0; k < n; k++) {
        let x0 = b.x0[k]!;
        let x1 = b.x1[k]!;
        if (x0 < -2) x0 = -2;
        if (x1 > W + 2) x1 = W + 2;
        const c = b.color[k]!;
        if (c !== lastFill) {
          ctx.fillStyle = c < 0 ? MIXED_COLOR : FILLS[c]!;
          lastFill = c;
        }
        const w = x1 - x0;
        // A hairline gap between wide neighbours keeps back-to-back spans distinguishable.
        ctx.fillRect(x0, ly, w >= 4 && b.count[k] === 1 ? w - 1 : Math.max(w, 1), lh);
      }
      // Labels on spans wide enough to read.
      for (let k = 0; k < n; k++) {
        if (b.count[k] !== 1) continue;
        const x0 = Math.max(b.x0[k]!, 0);
        const x1 = Math.min(b.x1[k]!, W);
        const w = x1 - x0;
        if (w < 28) continue;
        const i = b.first[k]!;
        const c = b.color[k]!;
        const name = run.styleName[style[i]!]!;
        const label = this.fitText(name, w - 8);
        if (!label) continue;
        ctx.fillStyle = c >= P ? '#8b949e' : TEXT_COLORS[c] ?? '#fff';
        ctx.fillText(label, x0 + 4, ly + lh / 2 + 0.5);
      }
    }
    if (track.instants) {
      ctx.fillStyle = '#24292f';
      const { t } = track.instants;
      for (let i = upperBound(t, 0, t.length, d0 - 4 * nsPerPx); i < t.length && t[i]! <= d1; i++) {
        const x = (t[i]! - d0) / nsPerPx;
        ctx.beginPath();
        ctx.moveTo(x - 4, y + 1);
        ctx.lineTo(x + 4, y + 1);
        ctx.lineTo(x, y + 8);
        ctx.fill();
      }
    }
  }

  private fitText(text: string, avail: number): string {
    let w = this.textWidth.get(text);
    if (w === undefined) {
      w = this.ctx.measureText(text).width;
      if (this.textWidth.size > 5000) this.textWidth.clear();
      this.textWidth.set(text, w);
    }
    if (w <= avail) return text;
    const chars = Math.floor((text.length * avail) / w) - 1;
    return chars >= 2 ? `${text.slice(0, chars)}…` : '';
  }

  private drawCounter(node: CounterNode, y: number, h: number, d0: number, d1: number, nsPerPx: number): void {
    const ctx = this.ctx;
    const c = node.counter;
    const W = this.width;
    const pad = 4;
    const range = c.max - c.min || 1;
    const yOf = (v: number) => y + h - pad - ((v - c.min) / range) * (h - 2 * pad);
    for (let s = c.stacked.length - 1; s >= 0; s--) {
      const n = counterSteps(c.t, c.stacked[s]!, d0, d1, nsPerPx, this.stepX, this.stepV);
      if (n === 0) continue;
      ctx.beginPath();
      const baseY = yOf(Math.max(0, c.min));
      let x = Math.max(0, this.stepX[0]!);
      ctx.moveTo(x, baseY);
      let prevY = baseY;
      for (let k = 0; k < n; k++) {
        x = Math.min(W, Math.max(0, this.stepX[k]!));
        ctx.lineTo(x, prevY);
        prevY = yOf(this.stepV[k]!);
        ctx.lineTo(x, prevY);
      }
      const lastT = c.t[c.t.length - 1]!;
      const xEnd = lastT > d1 ? W : Math.min(W, Math.max(x, (this.domain[1] - d0) / nsPerPx));
      ctx.lineTo(xEnd, prevY);
      ctx.lineTo(xEnd, baseY);
      ctx.closePath();
      ctx.globalAlpha = s === c.stacked.length - 1 ? 0.35 : 0.55;
      ctx.fillStyle = node.color;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = node.color;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    // Scale note, as Perfetto does: the row's full height is this value.
    ctx.fillStyle = '#6e7781';
    ctx.fillText(`max ${formatSi(c.max)}`, 4, y + 8);
  }

  private drawContainer(node: ContainerNode, y: number, h: number, d0: number, nsPerPx: number): void {
    const ctx = this.ctx;
    const W = this.width;
    ctx.fillStyle = node.kind === 'run' ? '#f3f5f8' : '#fafbfc';
    ctx.fillRect(0, y, W, h);
    // Expanded devices and runs only head their children; groups always show their occupancy.
    if (node.kind !== 'group' && !node.collapsed) return;
    if (node.trackCount === 0) return;
    const fr = node.occupancy.fractions(d0, nsPerPx, W, this.fracBuf);
    const base = y + h - 2;
    const span = h - 5;
    ctx.beginPath();
    ctx.moveTo(0, base);
    for (let px = 0; px < W; px++) {
      const v = fr[px]!;
      const yy = base - Math.min(1, v) * span;
      ctx.lineTo(px, yy);
      ctx.lineTo(px + 1, yy);
    }
    ctx.lineTo(W, base);
    ctx.closePath();
    ctx.fillStyle = node.color;
    ctx.globalAlpha = 0.75;
    ctx.fill();
    ctx.globalAlpha = 1;
  }

  private drawAxis(ticks: ReturnType<typeof axisTicks>, sc: ScaleLinear<number, number>): void {
    const svg = this.axisSvg;
    const ns = 'http://www.w3.org/2000/svg';
    const frag = document.createDocumentFragment();
    for (const t of ticks.ticks) {
      const x = Math.round(sc(t.ns)) + 0.5;
      const g = document.createElementNS(ns, 'g');
      g.setAttribute('class', 'tw-tick');
      g.setAttribute('transform', `translate(${x},0)`);
      const line = document.createElementNS(ns, 'line');
      line.setAttribute('y1', '17');
      line.setAttribute('y2', '24');
      const text = document.createElementNS(ns, 'text');
      text.setAttribute('x', '3');
      text.setAttribute('y', '13');
      text.textContent = t.label;
      g.append(line, text);
      frag.append(g);
    }
    svg.replaceChildren(frag);
    this.axisBase.textContent = ticks.base ? `${ticks.base.label} +` : '';
    this.axisBase.title = ticks.base ? `tick labels are offsets from ${ticks.base.label}` : '';
  }

  private rowOfTrack(trackIndex: number): Row | undefined {
    return this.rows.find((r) => r.node.kind === 'track' && r.node.track.index === trackIndex);
  }

  private spanRect(span: SpanInfo): { x0: number; x1: number; y: number; h: number } | null {
    const row = this.rowOfTrack(span.track.index);
    if (!row) return null;
    const sc = this.x();
    return { x0: sc(span.startNs), x1: sc(span.startNs + span.durNs), y: row.y - this.body.scrollTop + 2 + span.lane * LANE_H, h: LANE_H - 2 };
  }

  private drawOverlay(): void {
    const ctx = this.octx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.viewH);
    const outline = (span: SpanInfo, color: string, width: number) => {
      const r = this.spanRect(span);
      if (!r) return;
      const x0 = Math.max(-3, r.x0);
      const x1 = Math.min(this.width + 3, Math.max(r.x1, r.x0 + 1));
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.strokeRect(x0 - width / 2, r.y - width / 2, x1 - x0 + width, r.h + width);
    };
    if (this.hovered?.span) outline(this.hovered.span, 'rgba(31,35,40,0.55)', 1);
    if (this.selected) outline(this.selected, '#0b1f3a', 2);
    if (this.mouse) {
      ctx.fillStyle = 'rgba(9,105,218,0.7)';
      ctx.fillRect(Math.round(this.mouse.x), 0, 1, this.viewH);
      const t = this.x().invert(this.mouse.x);
      this.cursorLabel.textContent = formatDuration(t);
      this.cursorLabel.style.left = `${Math.round(this.mouse.x)}px`;
      this.cursorLabel.hidden = false;
    } else {
      this.cursorLabel.hidden = true;
    }
  }

  /** Client (page viewport) coordinates of the middle of a span's visible part. */
  spanScreenPosition(trackIndex: number, spanIndex: number): { x: number; y: number; visible: boolean } | null {
    const track = this.model.tracks[trackIndex];
    if (!track || spanIndex < 0 || spanIndex >= track.n) return null;
    const span = spanInfo(track, spanIndex);
    const rect = this.canvas.getBoundingClientRect();
    const r = this.spanRect(span);
    if (!r) {
      return null;
    }
    const x0 = Math.max(0, r.x0);
    const x1 = Math.min(this.width, r.x1);
    const visible = x1 >= x0 && r.y >= 0 && r.y + r.h <= this.viewH;
    return { x: rect.left + (x0 + Math.max(x1, x0 + 1)) / 2, y: rect.top + r.y + r.h / 2, visible };
  }
}
