import { EventQueue, type ScheduledEvent } from './event-queue.ts';
import { SimEvent } from './event.ts';
import type { TimeNs } from './units.ts';

/** A process body: a generator that yields the events it waits for and may return a value. */
export type ProcessBody<R = unknown> = Generator<SimEvent<any>, R, any>;

/**
 * The simulation environment (SimPy's Environment): the clock, the future-event list, and the
 * process runner. It knows nothing of devices.
 */
export class Simulation {
  private readonly queue = new EventQueue();
  private _now: TimeNs = 0;
  private _eventCount = 0;

  get now(): TimeNs {
    return this._now;
  }

  /** Events processed so far (cancelled events are not counted). */
  get eventCount(): number {
    return this._eventCount;
  }

  /** Events still scheduled. */
  get pending(): number {
    return this.queue.size;
  }

  /** Run `callback` after `delayNs` (>= 0). Returns a handle for `cancel`. */
  schedule(delayNs: TimeNs, callback: () => void): ScheduledEvent {
    if (!(delayNs >= 0) || !Number.isFinite(delayNs)) {
      throw new RangeError(`schedule: delay must be a finite number >= 0 ns, got ${delayNs}`);
    }
    return this.queue.push(this._now + delayNs, callback);
  }

  /** Run `callback` at absolute time `timeNs` (>= now). */
  scheduleAt(timeNs: TimeNs, callback: () => void): ScheduledEvent {
    if (!(timeNs >= this._now) || !Number.isFinite(timeNs)) {
      throw new RangeError(`scheduleAt: time must be finite and >= now (${this._now} ns), got ${timeNs}`);
    }
    return this.queue.push(timeNs, callback);
  }

  cancel(handle: ScheduledEvent): void {
    this.queue.cancel(handle);
  }

  /** An event triggered `delayNs` from now, with `value`. */
  timeout<T = void>(delayNs: TimeNs, value?: T): SimEvent<T> {
    const event = new SimEvent<T>(this);
    this.schedule(delayNs, () => event.succeedNow(value as T));
    return event;
  }

  /** A fresh, untriggered event (trigger it with `succeed`). */
  event<T = void>(): SimEvent<T> {
    return new SimEvent<T>(this);
  }

  /**
   * Start a process: the generator runs now (at the current time, through the queue) and is
   * resumed with each yielded event's value. The returned event triggers with its return value.
   */
  process<R>(body: ProcessBody<R>): SimEvent<R> {
    const done = new SimEvent<R>(this);
    const step = (input: unknown): void => {
      const result = body.next(input);
      if (result.done) {
        done.succeedNow(result.value);
        return;
      }
      const awaited = result.value;
      if (!(awaited instanceof SimEvent)) {
        throw new TypeError(`a process yielded ${String(awaited)}; processes must yield SimEvents (e.g. sim.timeout(ns))`);
      }
      awaited.onTrigger(step);
    };
    this.schedule(0, () => step(undefined));
    return done;
  }

  /**
   * Process events until the queue is empty, or until the next event would be later than
   * `untilNs` (the clock then stops at `untilNs`). Returns the final time.
   */
  run(untilNs: TimeNs = Infinity): TimeNs {
    if (Number.isNaN(untilNs) || untilNs < this._now) {
      throw new RangeError(`run: until must be >= now (${this._now} ns), got ${untilNs}`);
    }
    const queue = this.queue;
    for (;;) {
      const next = queue.peek();
      if (next === undefined) break;
      if (next.time > untilNs) {
        this._now = untilNs;
        return this._now;
      }
      queue.pop();
      this._now = next.time;
      this._eventCount++;
      next.callback();
    }
    if (untilNs !== Infinity) this._now = Math.max(this._now, untilNs);
    return this._now;
  }
}
