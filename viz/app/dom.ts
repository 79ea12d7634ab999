/** A few DOM helpers (no framework: the page is static apart from the views it draws). */

export type Child = Node | string | number | null | undefined | false;

/** Create an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Show a message in #tw-error (the page's error banner). */
export function showError(message: string): void {
  const hook = (window as unknown as { __twShowError?: (m: string) => void }).__twShowError;
  if (hook) {
    hook(message);
    return;
  }
  const box = document.getElementById('tw-error');
  const text = document.getElementById('tw-error-message');
  if (box && text) {
    box.hidden = false;
    text.textContent = message;
  }
}
