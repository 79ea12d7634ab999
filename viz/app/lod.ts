/**
 * Level of detail for span rows. A lane's spans are sorted by start and never overlap, so the
 * visible ones are found by binary search; spans narrower than a pixel are merged into boxes of
 * at least one pixel column, so a million spans draw as at most a few thousand rectangles.
 */

/** First index i in [lo, hi) with a[i] > value (hi if none); `a` ascending. */
export function upperBound(a: ArrayLike<number>, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index i in [lo, hi) with a[i] >= value (hi if none); `a` ascending. */
export function lowerBound(a: ArrayLike<number>, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The spans of one lane [lo, hi) that intersect [t0, t1]: [i0, i1). Within a lane spans do not
 * overlap, so ends are sorted like starts.
 */
export function visibleSpans(start: ArrayLike<number>, end: ArrayLike<number>, lo: number, hi: number, t0: number, t1: number): [number, number] {
  const i0 = upperBound(end, lo, hi, t0);
  const i1 = lowerBound(start, i0, hi, t1);
  return [i0, Math.max(i0, i1)];
}

/** Output of lodBoxes: box k spans pixels [x0[k], x1[k]) and covers spans first[k] .. first[k]+count[k]-1. */
export interface BoxBuffer {
  n: number;
  x0: Float64Array;
  x1: Float64Array;
  /** Colour key of the box, or -1 when it merges spans of different colours. */
  color: Int32Array;
  first: Int32Array;
  count: Int32Array;
}

export function createBoxBuffer(capacity = 1024): BoxBuffer {
  return { n: 0, x0: new Float64Array(capacity), x1: new Float64Array(capacity), color: new Int32Array(capacity), first: new Int32Array(capacity), count: new Int32Array(capacity) };
}

function grow(out: BoxBuffer): void {
  const cap = out.x0.length * 2;
  const next = createBoxBuffer(cap);
  next.x0.set(out.x0);
  next.x1.set(out.x1);
  next.color.set(out.color);
  next.first.set(out.first);
  next.count.set(out.count);
  out.x0 = next.x0;
  out.x1 = next.x1;
  out.color = next.color;
  out.first = next.first;
  out.count = next.count;
}

/**
 * Turn spans [i0, i1) of one lane into boxes in pixel space (x = (t - t0) / nsPerPx).
 * A span at least `minPx` wide is its own box. Narrower spans merge with the box before them when
 * the gap between is under `minPx`: same colour merges freely (a busy stretch of tiny tiles is one
 * bar), a different colour merges only while the box is still under a pixel wide (and then marks
 * it mixed, -1); otherwise a new box starts. Boxes never overlap and come out in time order.
 */
export function lodBoxes(
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  colorOfSpan: (i: number) => number,
  i0: number,
  i1: number,
  t0: number,
  nsPerPx: number,
  out: BoxBuffer,
  minPx = 1,
): number {
  let n = 0;
  let pending = false;
  let px0 = 0;
  let px1 = 0;
  let pc = 0;
  let pf = 0;
  let pn = 0;
  const emit = (a: number, b: number, c: number, f: number, k: number) => {
    if (n >= out.x0.length) grow(out);
    out.x0[n] = a;
    out.x1[n] = b;
    out.color[n] = c;
    out.first[n] = f;
    out.count[n] = k;
    n++;
  };
  const inv = 1 / nsPerPx;
  for (let i = i0; i < i1; i++) {
    const x0 = (start[i]! - t0) * inv;
    const x1 = (end[i]! - t0) * inv;
    const c = colorOfSpan(i);
    if (x1 - x0 >= minPx) {
      if (pending) {
        emit(px0, Math.min(Math.max(px1, px0 + minPx), Math.max(x0, px1)), pc, pf, pn);
        pending = false;
      }
      emit(x0, x1, c, i, 1);
      continue;
    }
    if (pending && x0 - px1 < minPx) {
      if (c === pc || (px1 - px0 < minPx && x0 - px0 < minPx)) {
        if (c !== pc) pc = -1;
        if (x1 > px1) px1 = x1;
        pn++;
        continue;
      }
      // Different colour and the box already fills its pixel: close it here.
      emit(px0, Math.max(px1, px0 + minPx), pc, pf, pn);
      pending = false;
    } else if (pending) {
      emit(px0, Math.max(px1, px0 + minPx), pc, pf, pn);
      pending = false;
    }
    pending = true;
    px0 = x0;
    px1 = x1;
    pc = c;
    pf = i;
    pn = 1;
  }
  if (pending) emit(px0, Math.max(px1, px0 + minPx), pc, pf, pn);
  out.n = n;
  return n;
}

/**
 * Step points of a counter (value holds from one sample to the next) for the window [d0, d1],
 * at most about two per pixel column: a column holding several samples shows their maximum, then
 * the column's last value carries on. Writes px positions to outX and values to outV (value k
 * holds from outX[k] to outX[k+1]); returns the count. outX/outV need 2 * width + 8 entries.
 */
export function counterSteps(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  d0: number,
  d1: number,
  nsPerPx: number,
  outX: Float64Array,
  outV: Float64Array,
): number {
  const N = t.length;
  if (N === 0) return 0;
  let i = upperBound(t, 0, N, d0) - 1;
  if (i < 0) i = 0;
  const cap = outX.length - 2;
  let n = 0;
  let lastCol = -Infinity;
  let colMax = 0;
  let after = 0;
  let multi = false;
  for (; i < N && t[i]! <= d1; i++) {
    let px = (t[i]! - d0) / nsPerPx;
    if (px < 0) px = 0;
    const col = Math.floor(px);
    const val = v[i]!;
    if (n > 0 && col === lastCol) {
      if (val > colMax) {
        colMax = val;
        outV[n - 1] = colMax;
      }
      after = val;
      multi = true;
      continue;
    }
    if (multi && after !== outV[n - 1]) {
      outX[n] = lastCol + 1;
      outV[n] = after;
      n++;
    }
    if (n >= cap) return n;
    outX[n] = px;
    outV[n] = val;
    n++;
    lastCol = col;
    colMax = val;
    after = val;
    multi = false;
  }
  if (multi && n > 0 && after !== outV[n - 1]) {
    outX[n] = lastCol + 1;
    outV[n] = after;
    n++;
  }
  return n;
}
