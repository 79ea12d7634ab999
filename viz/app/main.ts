/**
 * Entry point of the report page: read the embedded data (#tw-data), decode it, build the views.
 * Any failure ends in #tw-error with a message, never in a blank page.
 */
import { renderCompare, type OpDelta } from './compare.ts';
import { Tooltip, spanPanel, spanTooltip } from './details.ts';
import { el, showError } from './dom.ts';
import { formatDuration, formatNumber } from './format.ts';
import { ReportDataError, checkPayload, decodeReport, spanInfo, type ReportModel, type RunModel, type SpanInfo } from './model.ts';
import { renderRoofline, type RooflinePoint } from './roofline.ts';
import { summaryParts, type OpRow } from './summary.ts';
import { renderSweep } from './sweep.ts';
import { renderValidation } from './validation.ts';
import { Timeline } from './timeline.ts';

interface TestApi {
  ready: boolean;
  loadMs: number;
  spanCount: number;
  trackCount: number;
  visibleRange(): [number, number];
  zoomTo(t0Ns: number, t1Ns: number): void;
  spanScreenPosition(trackIndex: number, spanIndex: number): { x: number; y: number; visible: boolean } | null;
  renderStats(): { lastFrameMs: number; frames: number; meanFrameMs: number };
  tracks(): { index: number; run: string; device: string; unit: string; group: string; spans: number; lanes: number }[];
  spanInfo(trackIndex: number, spanIndex: number): { name: string; cat: string; startNs: number; durNs: number; args: Record<string, unknown> } | null;
  revealTrack(trackIndex: number): boolean;
  search(text: string): number;
  select(trackIndex: number, spanIndex: number): void;
}

declare global {
  interface Window {
    __tilewave?: TestApi;
    __tilewaveStarted?: boolean;
  }
}

function readPayload(): unknown {
  const node = document.getElementById('tw-data');
  if (!node) throw new ReportDataError('this report has no embedded data (the file is incomplete: was it cut off while being written?)');
  const text = node.textContent ?? '';
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ReportDataError(`the report's embedded data is truncated or damaged (${(error as Error).message}); regenerate the report from its trace`);
  }
}

function header(title: string, model: ReportModel | null): HTMLElement {
  const chips: HTMLElement[] = [];
  if (model) {
    for (const run of model.runs) {
      const dev = run.device ?? run.summary?.device;
      const parts = [
        dev?.name ?? dev?.id ?? '',
        run.kind === 'sweep' ? `sweep of ${run.sweep?.points.length ?? 0} points` : run.kind === 'validation' ? `validation of ${formatNumber(run.validation?.measuredUs.length ?? 0)} rows` : `${formatNumber(run.spanCount)} spans · ${formatDuration(run.summary?.simulatedTimeNs ?? run.endNs - run.startNs)}`,
        run.source ? run.source : '',
      ].filter(Boolean);
      chips.push(el('span', { class: 'tw-chip tw-chip-head', title: run.source }, run.label ? el('strong', {}, `${run.label}: `) : null, parts.join('  ·  ')));
    }
  }
  return el(
    'header',
    { class: 'tw-header' },
    el('div', { class: 'tw-brand' }, el('span', { class: 'tw-logo', 'aria-hidden': 'true' }), 'tilewave'),
    el('div', { class: 'tw-head-main' }, el('h1', { class: 'tw-title' }, title), el('div', { class: 'tw-head-chips' }, ...chips)),
  );
}

function section(id: string, title: string | null, ...children: (Node | null)[]): HTMLElement {
  const s = el('section', { id, class: 'tw-panel' });
  if (title) s.append(el('h2', {}, title));
  for (const c of children) if (c) s.append(c);
  return s;
}

function start(): void {
  window.__tilewaveStarted = true;
  const t0 = performance.now();
  const root = document.getElementById('tw-root') ?? document.body;
  const payload = checkPayload(readPayload());
  document.title = `${payload.title} · tilewave`;
  if (payload.error) {
    root.append(header(payload.title, null));
    showError(payload.error);
    return;
  }
  if (payload.runs.length === 0) throw new ReportDataError('the report holds no runs');
  const model = decodeReport(payload);
  root.append(header(payload.title, model));

  const warnings = model.runs.flatMap((r) => r.warnings.map((w) => `${r.label ? `${r.label}: ` : ''}${w}`));
  if (warnings.length > 0) root.append(el('div', { class: 'tw-warning', id: 'tw-warnings' }, el('strong', {}, 'Note: '), warnings.join(' · ')));

  const tooltip = new Tooltip();
  const showTip = (content: Node, x: number, y: number) => tooltip.show(content, x, y);
  const hideTip = () => tooltip.hide();

  // Sweep.
  for (const run of model.runs) {
    if (run.kind === 'sweep' && run.sweep) {
      const s = section(model.runs.length > 1 ? `tw-sweep-${run.label}` : 'tw-sweep', null);
      if (model.runs.length > 1 || run.index > 0) s.id = run.index === 0 ? 'tw-sweep' : `tw-sweep-${run.index}`;
      root.append(s);
      renderSweep(s, run, { showTooltip: showTip, hideTooltip: hideTip });
    }
    if (run.kind === 'validation' && run.validation) {
      const s = section(run.index === 0 ? 'tw-validation' : `tw-validation-${run.index}`, null);
      root.append(s);
      renderValidation(s, run, { showTooltip: showTip, hideTooltip: hideTip });
    }
  }

  // Comparison headline and deltas come first: they are why a comparison is opened.
  let timeline: Timeline | null = null;
  const focusOp = (run: RunModel, startNs: number | undefined, durNs: number, name: string) => {
    if (!timeline || startNs === undefined) return;
    const pad = durNs * 0.05 + 1;
    timeline.zoomTo(startNs - pad, startNs + durNs + pad);
    const opsTrack = run.tracks.find((t) => t.group === 'ops');
    if (opsTrack) {
      for (let i = 0; i < opsTrack.n; i++) {
        if (Math.abs(opsTrack.start[i]! - startNs) < 1e-3 * Math.max(1, durNs) && opsTrack.run.styleName[opsTrack.style[i]!] === name) {
          timeline.select(spanInfo(opsTrack, i));
          break;
        }
      }
    }
    document.getElementById('tw-timeline')?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };
  if (model.runs.length === 2) {
    const c = section('tw-compare', null);
    root.append(c);
    renderCompare(c, model.runs[0]!, model.runs[1]!, (d: OpDelta) => {
      const op = d.a ?? d.b;
      if (op) focusOp(d.a ? model.runs[0]! : model.runs[1]!, op.startNs, op.durationNs, op.name);
    });
  }

  // Timeline.
  const hasTimeline = model.runs.some((r) => r.tracks.length > 0 || r.counters.length > 0);
  if (hasTimeline) {
    const search = el('input', { id: 'tw-search', type: 'search', placeholder: 'Filter spans by name or category…', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'filter spans by name' }) as HTMLInputElement;
    const count = el('span', { class: 'tw-search-count' });
    const reset = el('button', { type: 'button', class: 'tw-btn', title: 'show the whole trace (0)' }, 'Reset zoom');
    const expand = el('button', { type: 'button', class: 'tw-btn tw-btn-quiet', title: 'expand every group' }, 'Expand all');
    const collapse = el('button', { type: 'button', class: 'tw-btn tw-btn-quiet', title: 'collapse every group' }, 'Collapse all');
    const details = el('div', { class: 'tw-details-inner' });
    const aside = el('aside', { id: 'tw-details', class: 'tw-details', 'aria-label': 'span details' }, details);
    const placeholder = () =>
      details.replaceChildren(
        el('div', { class: 'tw-details-h' }, 'Details'),
        el('p', { class: 'tw-muted' }, 'Hover a span to see what it did; click it to pin its details here.'),
        el(
          'dl',
          { class: 'tw-keys' },
          ...[['wheel / W S', 'zoom'], ['drag / A D', 'pan'], ['shift+wheel', 'scroll tracks'], ['0', 'reset zoom'], ['F', 'zoom to pinned span'], ['Enter in filter', 'next match']].flatMap(([k, v]) => [el('dt', {}, el('kbd', {}, k!)), el('dd', {}, v!)]),
        ),
      );
    placeholder();
    const stage = el('div', { class: 'tw-tl-stage' });
    const toolbar = el('div', { class: 'tw-tl-toolbar' }, search, count, el('span', { class: 'tw-spacer' }), reset, expand, collapse);
    const s = section('tw-timeline', null, toolbar, el('div', { class: 'tw-tl-main' }, stage, aside));
    s.classList.add('tw-timeline');
    root.append(s);
    const tl = new Timeline(stage, model, {
      onSelect: (span: SpanInfo | null) => {
        if (!span) placeholder();
        else details.replaceChildren(spanPanel(span, { zoom: () => tl.focusSpan(span), clear: () => tl.select(null) }));
      },
      onHover: (hit, x, y) => {
        if (!hit) hideTip();
        else if (hit.span) showTip(spanTooltip(hit.span), x, y);
        else if (hit.text) tooltip.show(hit.text, x, y);
      },
    });
    timeline = tl;
    toolbar.insertBefore(tl.toolbarRange, reset);
    reset.addEventListener('click', () => tl.resetZoom());
    expand.addEventListener('click', () => tl.setAllCollapsed(false));
    collapse.addEventListener('click', () => tl.setAllCollapsed(true));
    let debounce = 0;
    search.addEventListener('input', () => {
      window.clearTimeout(debounce);
      debounce = window.setTimeout(() => {
        const n = tl.setSearch(search.value);
        count.textContent = search.value.trim() ? `${formatNumber(n)} match${n === 1 ? '' : 'es'}` : '';
      }, 60);
    });
    search.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        tl.setSearch(search.value);
        const next = tl.nextMatch(tl.selection);
        if (next) tl.focusSpan(next);
      } else if (ev.key === 'Escape') {
        search.value = '';
        tl.setSearch('');
        count.textContent = '';
        search.blur();
      }
    });
  }

  // Summary and roofline.
  const runsWithSummary = model.runs.filter((r) => r.kind === 'run' || r.summary);
  if (runsWithSummary.length > 0) {
    const summary = section('tw-summary', model.runs.length > 1 ? 'Summaries' : 'Summary');
    const overview = el('div', { class: 'tw-summary-left' });
    const opTables: HTMLElement[] = [];
    for (const run of runsWithSummary) {
      const parts = summaryParts(run, (row: OpRow) => focusOp(run, row.op.startNs, row.op.durationNs, row.op.name));
      overview.append(parts.overview);
      if (parts.ops) opTables.push(parts.ops);
    }
    const roof = el('section', { id: 'tw-roofline', class: 'tw-roofline-box' }, el('h4', {}, 'Roofline'));
    renderRoofline(roof, runsWithSummary, {
      showTooltip: showTip,
      hideTooltip: hideTip,
      onPointClick: (p: RooflinePoint) => focusOp(p.run, p.op.startNs, p.op.durationNs, p.op.name),
    });
    summary.append(el('div', { class: 'tw-summary-top' }, overview, roof), ...opTables);
    root.append(summary);
  }

  root.append(el('footer', { class: 'tw-footer' }, 'tilewave report · trace format 1 · opens offline; the data is embedded in this file'));

  const api: TestApi = {
    ready: true,
    loadMs: 0,
    spanCount: model.spanCount,
    trackCount: model.tracks.length,
    visibleRange: () => (timeline ? timeline.visibleRange() : [0, 0]),
    zoomTo: (a, b) => timeline?.zoomTo(a, b),
    spanScreenPosition: (ti, si) => (timeline ? timeline.spanScreenPosition(ti, si) : null),
    renderStats: () => (timeline ? timeline.renderStats() : { lastFrameMs: 0, frames: 0, meanFrameMs: 0 }),
    tracks: () => model.tracks.map((t) => ({ index: t.index, run: t.run.label, device: t.device, unit: t.unit, group: t.group, spans: t.n, lanes: t.lanes })),
    spanInfo: (ti, si) => {
      const t = model.tracks[ti];
      if (!t || si < 0 || si >= t.n) return null;
      const s = spanInfo(t, si);
      return { name: s.name, cat: s.cat, startNs: s.startNs, durNs: s.durNs, args: s.args };
    },
    revealTrack: (ti) => (timeline ? timeline.revealTrack(ti) : false),
    search: (text) => {
      const input = document.getElementById('tw-search') as HTMLInputElement | null;
      if (input) input.value = text;
      return timeline ? timeline.setSearch(text) : 0;
    },
    select: (ti, si) => {
      const t = model.tracks[ti];
      if (timeline && t) timeline.select(spanInfo(t, si));
    },
  };
  api.loadMs = performance.now();
  window.__tilewave = api;
  document.documentElement.dataset.twReady = 'true';
  void t0;
}

function boot(): void {
  try {
    start();
  } catch (error) {
    window.__tilewaveStarted = true;
    const message = error instanceof ReportDataError ? error.message : `the viewer failed: ${(error as Error)?.stack ?? String(error)}`;
    showError(message);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
