/**
 * Stable span colours. A span's colour comes from its name with numbers removed ("tile 3,7" and
 * "tile 0,0" share one), hashed into a fixed palette, so the same kind of work has the same colour
 * in every report and in both runs of a comparison.
 */

/** Tableau 20, reordered so neighbours in the hash space contrast. */
export const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#499894',
  '#a0cbe8', '#ffbe7d', '#8cd17d', '#d37295', '#86bcb6', '#b6992d', '#d4a6c8', '#f1ce63', '#bab0ac', '#79706e',
];

/** Colour of a merged box whose spans have different colours. */
export const MIXED_COLOR = '#8d96a6';

export function colorKeyOfName(name: string): string {
  const stripped = name.replace(/\d+/g, '').replace(/[\s,.:;x×#_/()[\]-]+$/g, '').trim();
  return stripped.length > 0 ? stripped : name;
}

/** FNV-1a, 32 bit. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function paletteIndexOf(name: string): number {
  return hashString(colorKeyOfName(name)) % PALETTE.length;
}

function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** `hex` mixed with white: what a span looks like when a search dims it. */
export function dimmed(hex: string, amount = 0.78): string {
  const [r, g, b] = hexToRgb(hex);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

/** Dark or light text, whichever reads on `hex`. */
export function textColorOn(hex: string): string {
  const [r, g, b] = hexToRgb(hex);
  const luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  return luminance > 0.6 ? '#1f2328' : '#ffffff';
}
