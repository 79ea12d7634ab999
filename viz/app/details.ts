/** Span details: the hover tooltip (#tw-tooltip) and the pinned side panel (#tw-details). */
import { PALETTE } from './colors.ts';
import { el } from './dom.ts';
import { formatArg, formatDuration } from './format.ts';
import type { SpanInfo } from './model.ts';

function swatch(span: SpanInfo): HTMLElement {
  const color = PALETTE[span.track.run.styleColor[span.track.style[span.index]!]!]!;
  return el('span', { class: 'tw-swatch', style: `background:${color}` });
}

function rows(pairs: [string, string][]): HTMLElement {
  const dl = el('dl', { class: 'tw-kv' });
  for (const [k, v] of pairs) dl.append(el('dt', {}, k), el('dd', {}, v));
  return dl;
}

function trackName(span: SpanInfo): string {
  const t = span.track;
  return `${t.run.label ? `${t.run.label} · ` : ''}${t.device} / ${t.unit}`;
}

export function argPairs(span: SpanInfo): [string, string][] {
  return Object.entries(span.args).map(([k, v]) => [k, formatArg(k, v)]);
}

/** Tooltip content for a span. */
export function spanTooltip(span: SpanInfo): HTMLElement {
  const box = el('div', { class: 'tw-tip-span' });
  box.append(
    el('div', { class: 'tw-tip-title' }, swatch(span), el('span', {}, span.name)),
    el('div', { class: 'tw-tip-sub' }, `${formatDuration(span.durNs)}${span.cat ? ` · ${span.cat}` : ''} · ${trackName(span)}`),
    rows([['start', formatDuration(span.startNs)], ...argPairs(span)]),
  );
  return box;
}

/** The pinned panel's content for a span. */
export function spanPanel(span: SpanInfo, actions: { zoom: () => void; clear: () => void }): HTMLElement {
  const zoom = el('button', { type: 'button', class: 'tw-btn' }, 'Zoom to span');
  zoom.addEventListener('click', actions.zoom);
  const clear = el('button', { type: 'button', class: 'tw-btn tw-btn-quiet' }, 'Unpin');
  clear.addEventListener('click', actions.clear);
  const args = argPairs(span);
  return el(
    'div',
    { class: 'tw-panel-span' },
    el('div', { class: 'tw-details-title' }, swatch(span), el('span', {}, span.name)),
    rows([
      ['category', span.cat || '–'],
      ['track', trackName(span)],
      ['group', span.track.group],
      ['start', formatDuration(span.startNs)],
      ['end', formatDuration(span.startNs + span.durNs)],
      ['duration', formatDuration(span.durNs)],
      ['depth', String(span.lane)],
    ]),
    args.length > 0 ? el('div', { class: 'tw-details-h' }, 'Arguments') : null,
    args.length > 0 ? rows(args) : null,
    el('div', { class: 'tw-details-actions' }, zoom, clear),
  );
}

export class Tooltip {
  readonly node: HTMLElement;
  constructor() {
    this.node = el('div', { id: 'tw-tooltip', class: 'tw-tooltip', role: 'tooltip' });
    this.node.hidden = true;
    document.body.append(this.node);
  }

  show(content: Node | string, clientX: number, clientY: number): void {
    if (typeof content === 'string') {
      this.node.replaceChildren(...content.split('\n').map((line, i) => el('div', { class: i === 0 ? 'tw-tip-title' : undefined }, line)));
    } else {
      this.node.replaceChildren(content);
    }
    this.node.hidden = false;
    const pad = 14;
    const w = this.node.offsetWidth;
    const h = this.node.offsetHeight;
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const x = clientX + pad + w > vw ? Math.max(4, clientX - pad - w) : clientX + pad;
    const y = clientY + pad + h > vh ? Math.max(4, clientY - pad - h) : clientY + pad;
    this.node.style.left = `${x}px`;
    this.node.style.top = `${y}px`;
  }

  hide(): void {
    this.node.hidden = true;
  }
}
