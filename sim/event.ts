import type { Simulation } from './simulation.ts';

type Callback<T> = (value: T) => void;

/**
 * Something a process can wait for (SimPy's Event). It is triggered once, with a value; callbacks
 * added before or after the trigger run at the simulated time of the trigger, in the order they
 * were added, through the event queue (never re-entrantly), so ordering is deterministic.
 */
export class SimEvent<T = void> {
  private callbacks: Callback<T>[] | null = [];
  private _triggered = false;
  private _value: T | undefined;

  constructor(readonly sim: Simulation) {}

  get triggered(): boolean {
    return this._triggered;
  }

  get value(): T {
    if (!this._triggered) throw new Error('SimEvent.value read before the event was triggered');
    return this._value as T;
  }

  /** Trigger now: callbacks run at the current time, after events already scheduled for it. */
  succeed(value: T): this {
    if (this._triggered) throw new Error('SimEvent triggered twice');
    this._triggered = true;
    this._value = value;
    if (this.callbacks !== null && this.callbacks.length > 0) {
      this.sim.schedule(0, () => this.fire());
    } else {
      this.callbacks = null;
    }
    return this;
  }

  /** Trigger from inside an event callback whose time is already this event's time (no extra hop). */
  succeedNow(value: T): this {
    if (this._triggered) throw new Error('SimEvent triggered twice');
    this._triggered = true;
    this._value = value;
    this.fire();
    return this;
  }

  onTrigger(callback: Callback<T>): void {
    if (this.callbacks === null) {
      const value = this._value as T;
      this.sim.schedule(0, () => callback(value));
    } else {
      this.callbacks.push(callback);
    }
  }

  private fire(): void {
    const callbacks = this.callbacks;
    this.callbacks = null;
    if (callbacks === null) return;
    const value = this._value as T;
    for (let i = 0; i < callbacks.length; i++) callbacks[i]!(value);
  }
}

/** Triggered when every one of `events` has been (value: their values, in order). */
export function allOf<T>(sim: Simulation, events: readonly SimEvent<T>[]): SimEvent<T[]> {
  const done = new SimEvent<T[]>(sim);
  let remaining = events.length;
  const values: T[] = new Array(events.length);
  if (remaining === 0) return done.succeed(values);
  events.forEach((event, i) => {
    event.onTrigger((value) => {
      values[i] = value;
      if (--remaining === 0) done.succeedNow(values);
    });
  });
  return done;
}

/** Triggered when the first of `events` is (value: its index and value). */
export function anyOf<T>(sim: Simulation, events: readonly SimEvent<T>[]): SimEvent<{ index: number; value: T }> {
  const done = new SimEvent<{ index: number; value: T }>(sim);
  if (events.length === 0) throw new Error('anyOf needs at least one event');
  events.forEach((event, index) => {
    event.onTrigger((value) => {
      if (!done.triggered) done.succeedNow({ index, value });
    });
  });
  return done;
}
