/**
 * Occupancy of a group of tracks (e.g. 132 SMs collapsed into one row): per pixel column, the
 * fraction of the group's tracks busy. A cumulative busy-time table over fixed bins answers
 * zoomed-out views in O(pixels); zoomed in beyond the bins, the visible spans are summed exactly.
 */
import { visibleSpans } from './lod.ts';

/** Spans [lo, hi) of one lane: non-overlapping and sorted, so their union is their sum. */
export interface LaneRef {
  start: Float64Array;
  end: Float64Array;
  lo: number;
  hi: number;
}

/** Add the busy time of spans [i0, i1) to bins of width binNs starting at t0. */
export function addCoverage(start: ArrayLike<number>, end: ArrayLike<number>, i0: number, i1: number, t0: number, binNs: number, bins: Float64Array): void {
  const nb = bins.length;
  const inv = 1 / binNs;
  for (let i = i0; i < i1; i++) {
    let a = (start[i]! - t0) * inv;
    let b = (end[i]! - t0) * inv;
    if (a < 0) a = 0;
    if (b > nb) b = nb;
    if (!(b > a)) continue;
    const ka = Math.floor(a);
    const kb = Math.floor(b);
    if (ka === kb) {
      bins[ka]! += (b - a) * binNs;
      continue;
    }
    bins[ka]! += (ka + 1 - a) * binNs;
    for (let k = ka + 1; k < kb; k++) bins[k]! += binNs;
    if (kb < nb) bins[kb]! += (b - kb) * binNs;
  }
}

export class Occupancy {
  readonly lanes: LaneRef[];
  readonly trackCount: number;
  private readonly t0: number;
  private readonly binNs: number;
  private readonly binCount: number;
  private cum: Float64Array | undefined;
  private exact: Float64Array = new Float64Array(0);

  constructor(lanes: LaneRef[], trackCount: number, t0: number, t1: number, binCount = 65536) {
    this.lanes = lanes;
    this.trackCount = Math.max(1, trackCount);
    this.t0 = t0;
    this.binCount = binCount;
    this.binNs = Math.max((t1 - t0) / binCount, 1e-9);
  }

  /** Cumulative busy time at bin boundaries, built on first use. */
  private table(): Float64Array {
    if (this.cum === undefined) {
      const bins = new Float64Array(this.binCount);
      for (const l of this.lanes) addCoverage(l.start, l.end, l.lo, l.hi, this.t0, this.binNs, bins);
      const cum = new Float64Array(this.binCount + 1);
      for (let k = 0; k < this.binCount; k++) cum[k + 1] = cum[k]! + bins[k]!;
      this.cum = cum;
    }
    return this.cum;
  }

  /** Busy time (summed over tracks) in [t0, t), linear within a bin. */
  private busyBefore(cum: Float64Array, t: number): number {
    const x = (t - this.t0) / this.binNs;
    if (x <= 0) return 0;
    if (x >= this.binCount) return cum[this.binCount]!;
    const k = Math.floor(x);
    return cum[k]! + (x - k) * (cum[k + 1]! - cum[k]!);
  }

  /**
   * Fraction of the group busy in each of `width` pixel columns starting at time `t0`, written
   * into `out` (0..1).
   */
  fractions(t0: number, nsPerPx: number, width: number, out: Float32Array): Float32Array {
    const norm = 1 / (nsPerPx * this.trackCount);
    if (nsPerPx >= this.binNs) {
      const cum = this.table();
      let prev = this.busyBefore(cum, t0);
      for (let px = 0; px < width; px++) {
        const next = this.busyBefore(cum, t0 + (px + 1) * nsPerPx);
        out[px] = (next - prev) * norm;
        prev = next;
      }
      return out;
    }
    if (this.exact.length < width) this.exact = new Float64Array(width);
    const bins = this.exact.subarray(0, width);
    bins.fill(0);
    const t1 = t0 + width * nsPerPx;
    for (const l of this.lanes) {
      const [i0, i1] = visibleSpans(l.start, l.end, l.lo, l.hi, t0, t1);
      addCoverage(l.start, l.end, i0, i1, t0, nsPerPx, bins);
    }
    for (let px = 0; px < width; px++) out[px] = bins[px]! * norm;
    return out;
  }

  /** Fraction busy over [a, b). */
  fractionBetween(a: number, b: number): number {
    if (!(b > a)) return 0;
    const out = new Float32Array(1);
    return this.fractions(a, b - a, 1, out)[0]!;
  }
}
