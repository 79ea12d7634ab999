/** A small sortable table: click a column header to sort by it, click again to reverse. */
import { el, type Child } from './dom.ts';

export interface Column<T> {
  key: string;
  label: string;
  /** The value sorted on (numbers sort numerically; undefined sorts last). */
  value: (row: T) => number | string | undefined;
  /** What the cell shows (default: the value). */
  render?: (row: T) => Child;
  numeric?: boolean;
  title?: string;
  cellClass?: (row: T) => string | undefined;
  cellStyle?: (row: T) => string | undefined;
}

export interface TableOptions<T> {
  id?: string;
  className?: string;
  sort?: { key: string; descending: boolean };
  onRowClick?: (row: T) => void;
  rowTitle?: (row: T) => string | undefined;
  rowClass?: (row: T) => string | undefined;
  footer?: Child[];
}

export function compareValues(a: number | string | undefined, b: number | string | undefined): number {
  if (a === undefined || (typeof a === 'number' && Number.isNaN(a))) return b === undefined ? 0 : 1;
  if (b === undefined || (typeof b === 'number' && Number.isNaN(b))) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export function sortableTable<T>(rows: T[], columns: Column<T>[], options: TableOptions<T> = {}): HTMLTableElement {
  const table = el('table', { class: `tw-table ${options.className ?? ''}`.trim(), id: options.id });
  const thead = el('thead');
  const tbody = el('tbody');
  let sort = options.sort ?? null;
  const headerCells = columns.map((c) => {
    const th = el('th', { class: c.numeric ? 'tw-num' : undefined, title: c.title ?? `sort by ${c.label}`, 'data-key': c.key, scope: 'col' }, c.label, el('span', { class: 'tw-sort-mark' }));
    th.addEventListener('click', () => {
      sort = sort && sort.key === c.key ? { key: c.key, descending: !sort.descending } : { key: c.key, descending: c.numeric === true };
      draw();
    });
    return th;
  });
  thead.append(el('tr', {}, ...headerCells));
  const draw = () => {
    const ordered = rows.slice();
    if (sort) {
      const col = columns.find((c) => c.key === sort!.key);
      if (col) {
        const dir = sort.descending ? -1 : 1;
        ordered.sort((a, b) => {
          const va = col.value(a);
          const vb = col.value(b);
          // Missing values stay last whichever way the column sorts.
          if (va === undefined || vb === undefined) return compareValues(va, vb);
          return dir * compareValues(va, vb);
        });
      }
    }
    headerCells.forEach((th, i) => {
      const active = sort?.key === columns[i]!.key;
      th.setAttribute('aria-sort', active ? (sort!.descending ? 'descending' : 'ascending') : 'none');
      th.querySelector('.tw-sort-mark')!.textContent = active ? (sort!.descending ? ' ▼' : ' ▲') : '';
    });
    const frag = document.createDocumentFragment();
    for (const row of ordered) {
      const tr = el('tr', { title: options.rowTitle?.(row), class: options.rowClass?.(row) });
      for (const c of columns) {
        const content = c.render ? c.render(row) : c.value(row);
        const cls = [c.numeric ? 'tw-num' : '', c.cellClass?.(row) ?? ''].join(' ').trim();
        tr.append(el('td', { class: cls || undefined, style: c.cellStyle?.(row) }, content === undefined ? '–' : (content as Child)));
      }
      if (options.onRowClick) {
        tr.classList.add('tw-clickable');
        tr.addEventListener('click', () => options.onRowClick!(row));
      }
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
  };
  table.append(thead, tbody);
  if (options.footer) table.append(el('tfoot', {}, el('tr', {}, ...options.footer)));
  draw();
  return table;
}
