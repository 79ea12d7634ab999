import { Heap } from 'heap-js';
import type { ScheduledEvent } from './event-queue.ts';
import { SimEvent } from './event.ts';
import type { Simulation } from './simulation.ts';
import { NS_PER_SECOND, type Bytes, type BytesPerSecond, type TimeNs } from './units.ts';

export interface FluidChannelOptions {
  name: string;
  bandwidthBytesPerSecond: BytesPerSecond;
  /** Fixed latency added to every transfer after its last byte has streamed through. */
  latencyNs?: TimeNs;
  /** Called with the aggregate throughput whenever it changes (for trace counters). */
  onThroughputChange?: (bytesPerSecond: BytesPerSecond, timeNs: TimeNs) => void;
}

export interface TransferOptions {
  /** The flow's own rate limit (e.g. what one SM can pull), bytes/s. Default: none. */
  capBytesPerSecond?: BytesPerSecond;
  /**
   * How many identical flows this transfer stands for (default 1): it gets `weight` fair shares,
   * each limited by the cap, and its bytes are their total. A model moves a cohort of symmetric
   * requesters (e.g. the CTAs of one wave) as one flow, for the cost of one.
   */
  weight?: number;
}

export interface TransferResult {
  bytes: Bytes;
  startNs: TimeNs;
  endNs: TimeNs;
}

interface Flow {
  readonly bytes: Bytes;
  readonly weight: number;
  readonly startNs: TimeNs;
  /** Value of the class's per-flow service counter at which this flow has streamed all bytes. */
  readonly finishService: number;
  readonly done: SimEvent<TransferResult>;
}

/**
 * Flows with the same cap always get the same rate under max-min fairness, so they share one
 * per-flow "service" counter (bytes delivered to each member since the class was created, like the
 * virtual time of processor sharing). A flow finishes when the counter reaches its finishService,
 * so only the class's earliest finisher needs a scheduled event.
 */
class RateClass {
  readonly flows = new Heap<Flow>((a, b) => a.finishService - b.finishService);
  /** Sum of the member flows' weights: how many fair shares the class holds. */
  weight = 0;
  service = 0;
  /** Current per-flow rate, bytes/ns. */
  rate = 0;
  wakeup: ScheduledEvent | null = null;
  /** Created once per class: scheduling a wake-up allocates no closure. */
  readonly onWake: () => void;
  constructor(readonly capBytesPerNs: number, channel: FluidChannel) {
    this.onWake = () => channel.onClassHeadDone(this);
  }
}

function checkBandwidth(name: string, bytesPerSecond: BytesPerSecond): void {
  if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
    throw new RangeError(`FluidChannel ${name}: bandwidthBytesPerSecond must be a finite number > 0, got ${bytesPerSecond}`);
  }
}

/**
 * A shared bandwidth with a fixed latency (the SimGrid fluid model). Concurrent transfers share the
 * bandwidth max-min fairly (each flow limited by its own cap, the rest split equally); whenever a
 * transfer starts or ends, all rates and finish times are re-planned.
 *
 * Cost per start/end: O(K log K + log n) for n flows in K distinct caps (K is usually 1 or 2), not
 * O(n): flows of one cap are advanced together through a shared service counter.
 */
export class FluidChannel {
  readonly name: string;
  readonly latencyNs: TimeNs;
  private capacityBytesPerNs: number;
  private readonly classes = new Map<number, RateClass>();
  /** Non-empty classes sorted by cap, ascending (water-filling order). */
  private active: RateClass[] = [];
  private lastUpdateNs: TimeNs;
  private _activeFlows = 0;
  private _bytesDelivered = 0;
  private _busyNs = 0;
  private _throughputBytesPerNs = 0;
  private readonly onThroughputChange: FluidChannelOptions['onThroughputChange'];

  constructor(private readonly sim: Simulation, options: FluidChannelOptions) {
    checkBandwidth(options.name, options.bandwidthBytesPerSecond);
    const latency = options.latencyNs ?? 0;
    if (!(latency >= 0) || !Number.isFinite(latency)) {
      throw new RangeError(`FluidChannel ${options.name}: latencyNs must be a finite number >= 0, got ${latency}`);
    }
    this.name = options.name;
    this.capacityBytesPerNs = options.bandwidthBytesPerSecond / NS_PER_SECOND;
    this.latencyNs = latency;
    this.lastUpdateNs = sim.now;
    this.onThroughputChange = options.onThroughputChange;
  }

  /** The channel's capacity now, bytes/s. */
  get bandwidthBytesPerSecond(): BytesPerSecond {
    return this.capacityBytesPerNs * NS_PER_SECOND;
  }

  /**
   * Change the capacity from now on (e.g. SM time under a power budget that other traffic shares):
   * bytes streamed so far keep their old rates, the rest are re-planned at the new one.
   */
  setBandwidth(bytesPerSecond: BytesPerSecond): void {
    checkBandwidth(this.name, bytesPerSecond);
    const capacity = bytesPerSecond / NS_PER_SECOND;
    if (capacity === this.capacityBytesPerNs) return;
    this.advance();
    this.capacityBytesPerNs = capacity;
    if (this.active.length > 0) this.replan();
  }

  get activeFlows(): number {
    return this._activeFlows;
  }

  /** Bytes fully streamed so far (flows still in flight count when they finish). */
  get bytesDelivered(): Bytes {
    return this._bytesDelivered;
  }

  /** Aggregate rate right now, bytes/s. */
  get throughputBytesPerSecond(): BytesPerSecond {
    return this._throughputBytesPerNs * NS_PER_SECOND;
  }

  /** Time with at least one flow streaming, up to `untilNs` (default now). */
  busyTimeNs(untilNs: TimeNs = this.sim.now): TimeNs {
    return this._busyNs + (this._activeFlows > 0 ? untilNs - this.lastUpdateNs : 0);
  }

  /** Move `bytes` through the channel; the event triggers when the last byte has arrived. */
  transfer(bytes: Bytes, options: TransferOptions = {}): SimEvent<TransferResult> {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) {
      throw new RangeError(`FluidChannel ${this.name}: transfer bytes must be a finite number >= 0, got ${bytes}`);
    }
    const cap = options.capBytesPerSecond ?? Infinity;
    if (!(cap > 0)) {
      throw new RangeError(`FluidChannel ${this.name}: capBytesPerSecond must be > 0, got ${cap}`);
    }
    const weight = options.weight ?? 1;
    if (!(weight > 0) || !Number.isFinite(weight)) {
      throw new RangeError(`FluidChannel ${this.name}: weight must be a finite number > 0, got ${weight}`);
    }
    const done = new SimEvent<TransferResult>(this.sim);
    const startNs = this.sim.now;
    if (bytes === 0) {
      this.finish(done, 0, startNs);
      return done;
    }
    this.advance();
    const capPerNs = cap / NS_PER_SECOND;
    let cls = this.classes.get(capPerNs);
    if (cls === undefined) {
      cls = new RateClass(capPerNs, this);
      this.classes.set(capPerNs, cls);
    }
    if (cls.flows.length === 0) this.insertActive(cls);
    cls.flows.push({ bytes, weight, startNs, finishService: cls.service + bytes / weight, done });
    cls.weight += weight;
    this._activeFlows += weight;
    this.replan();
    return done;
  }

  /** Bring every class's service counter up to now at the rates in force since the last update. */
  private advance(): void {
    const now = this.sim.now;
    const dt = now - this.lastUpdateNs;
    if (dt > 0) {
      for (const cls of this.active) cls.service += cls.rate * dt;
      if (this._activeFlows > 0) this._busyNs += dt;
    }
    this.lastUpdateNs = now;
  }

  /** Max-min fair rates by water-filling over cap classes, then one wake-up per class. */
  private replan(): void {
    let remainingCapacity = this.capacityBytesPerNs;
    let remainingFlows = this._activeFlows;
    let throughput = 0;
    for (const cls of this.active) {
      const n = cls.weight;
      const fairShare = remainingCapacity / remainingFlows;
      cls.rate = cls.capBytesPerNs < fairShare ? cls.capBytesPerNs : fairShare;
      remainingCapacity -= cls.rate * n;
      remainingFlows -= n;
      throughput += cls.rate * n;
      this.scheduleWakeup(cls);
    }
    if (throughput !== this._throughputBytesPerNs) {
      this._throughputBytesPerNs = throughput;
      this.onThroughputChange?.(throughput * NS_PER_SECOND, this.sim.now);
    }
  }

  private scheduleWakeup(cls: RateClass): void {
    if (cls.wakeup !== null) this.sim.cancel(cls.wakeup);
    const head = cls.flows.peek()!;
    const delay = Math.max(0, (head.finishService - cls.service) / cls.rate);
    cls.wakeup = this.sim.schedule(delay, cls.onWake);
  }

  /** @internal the class's earliest flow has streamed its last byte. */
  onClassHeadDone(cls: RateClass): void {
    cls.wakeup = null;
    this.advance();
    const head = cls.flows.peek()!;
    // Snap the counter to the finisher's mark so rounding never leaves a sliver of bytes behind.
    if (cls.service < head.finishService) cls.service = head.finishService;
    const tolerance = cls.service * 1e-12;
    const finished: Flow[] = [];
    while (cls.flows.length > 0 && cls.flows.peek()!.finishService <= cls.service + tolerance) {
      const flow = cls.flows.pop()!;
      cls.weight -= flow.weight;
      this._activeFlows -= flow.weight;
      this._bytesDelivered += flow.bytes;
      finished.push(flow);
    }
    if (cls.flows.length === 0) {
      cls.weight = 0; // exact zero despite float sums of fractional weights
      this.removeActive(cls);
    }
    if (this.active.length === 0) this._activeFlows = 0;
    this.replan();
    // Completions run last: a waiter may start a new transfer, and the channel is consistent now.
    for (const flow of finished) this.finish(flow.done, flow.bytes, flow.startNs);
  }

  private finish(done: SimEvent<TransferResult>, bytes: Bytes, startNs: TimeNs): void {
    if (this.latencyNs === 0) {
      done.succeedNow({ bytes, startNs, endNs: this.sim.now });
    } else {
      this.sim.schedule(this.latencyNs, () => done.succeedNow({ bytes, startNs, endNs: this.sim.now }));
    }
  }

  private insertActive(cls: RateClass): void {
    let i = this.active.length;
    while (i > 0 && this.active[i - 1]!.capBytesPerNs > cls.capBytesPerNs) i--;
    this.active.splice(i, 0, cls);
  }

  private removeActive(cls: RateClass): void {
    const i = this.active.indexOf(cls);
    if (i >= 0) this.active.splice(i, 1);
    // The class object stays in `classes` for reuse: channels see few distinct caps.
    if (cls.wakeup !== null) {
      this.sim.cancel(cls.wakeup);
      cls.wakeup = null;
    }
  }
}
