import { SimEvent } from './event.ts';
import type { Simulation } from './simulation.ts';
import type { TimeNs } from './units.ts';

export interface ServerOptions {
  name: string;
  /** Number of units that can be held at once (e.g. CTA slots of an SM). */
  capacity: number;
  /** Called whenever the number of units in use changes (for trace counters). */
  onChange?: (inUse: number, timeNs: TimeNs) => void;
}

/**
 * A pool of identical units (SimPy's Resource): `acquire()` returns an event that triggers when a
 * unit is granted; waiters are served first-come first-served. Tracks busy unit-time so that
 * utilization over any run is exact.
 */
export class Server {
  readonly name: string;
  readonly capacity: number;
  private _inUse = 0;
  private readonly waiters: SimEvent<void>[] = [];
  private waiterHead = 0;
  private busyUnitNs = 0;
  private lastChangeNs: TimeNs = 0;
  private readonly onChange: ServerOptions['onChange'];

  constructor(private readonly sim: Simulation, options: ServerOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`Server ${options.name}: capacity must be an integer >= 1, got ${options.capacity}`);
    }
    this.name = options.name;
    this.capacity = options.capacity;
    this.onChange = options.onChange;
    this.lastChangeNs = sim.now;
  }

  get inUse(): number {
    return this._inUse;
  }

  get queueLength(): number {
    return this.waiters.length - this.waiterHead;
  }

  /** An event that triggers once a unit is held by the caller. */
  acquire(): SimEvent<void> {
    const grant = new SimEvent<void>(this.sim);
    if (this._inUse < this.capacity && this.queueLength === 0) {
      this.setInUse(this._inUse + 1);
      grant.succeed();
    } else {
      this.waiters.push(grant);
    }
    return grant;
  }

  /** Take a unit now if one is free (no event, no queueing). */
  tryAcquire(): boolean {
    if (this._inUse < this.capacity && this.queueLength === 0) {
      this.setInUse(this._inUse + 1);
      return true;
    }
    return false;
  }

  /** Give a unit back; the longest waiter, if any, gets it at the current time. */
  release(): void {
    if (this._inUse <= 0) throw new Error(`Server ${this.name}: release() without a held unit`);
    if (this.queueLength > 0) {
      const next = this.waiters[this.waiterHead++]!;
      if (this.waiterHead > 1024 && this.waiterHead * 2 > this.waiters.length) {
        this.waiters.splice(0, this.waiterHead);
        this.waiterHead = 0;
      }
      next.succeed(); // the unit passes straight to the waiter: in-use count unchanged
    } else {
      this.setInUse(this._inUse - 1);
    }
  }

  /** Busy unit-ns divided by capacity x elapsed time, from time 0 to `untilNs` (default now). */
  utilization(untilNs: TimeNs = this.sim.now): number {
    if (untilNs <= 0) return 0;
    const busy = this.busyUnitNs + this._inUse * (untilNs - this.lastChangeNs);
    return busy / (this.capacity * untilNs);
  }

  /** Total unit-ns held up to now. */
  busyUnitTimeNs(untilNs: TimeNs = this.sim.now): number {
    return this.busyUnitNs + this._inUse * (untilNs - this.lastChangeNs);
  }

  private setInUse(value: number): void {
    const now = this.sim.now;
    this.busyUnitNs += this._inUse * (now - this.lastChangeNs);
    this.lastChangeNs = now;
    this._inUse = value;
    this.onChange?.(value, now);
  }
}
