/**
 * Units. The simulator's clock counts nanoseconds in a float64; bandwidths are bytes per second
 * and compute rates FLOP per second, as datasheets quote them. Type aliases document intent; the
 * helpers below are the only place where the factors of 1e9 live.
 */
export type TimeNs = number;
export type Bytes = number;
export type BytesPerSecond = number;
export type Flops = number;
export type FlopsPerSecond = number;

export const NS_PER_SECOND = 1e9;
export const NS_PER_US = 1e3;

/** Time to move `bytes` at `bytesPerSecond`, in ns. */
export function transferTimeNs(bytes: Bytes, bytesPerSecond: BytesPerSecond): TimeNs {
  return (bytes / bytesPerSecond) * NS_PER_SECOND;
}

/** Time to execute `flops` at `flopsPerSecond`, in ns. */
export function computeTimeNs(flops: Flops, flopsPerSecond: FlopsPerSecond): TimeNs {
  return (flops / flopsPerSecond) * NS_PER_SECOND;
}

/** Bytes per ns from bytes per second (the fluid channel's internal rate unit). */
export function bytesPerNs(bytesPerSecond: BytesPerSecond): number {
  return bytesPerSecond / NS_PER_SECOND;
}

export function nsToUs(ns: TimeNs): number {
  return ns / NS_PER_US;
}
