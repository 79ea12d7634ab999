import { FluidChannel, SimEvent, Simulation, TraceRecorder, type Track } from '../../sim/index.ts';
import type { CtaResources, CtaWork, Kernel, KernelResult } from './kernel.ts';
import { L2PanelCache } from './l2-panel-cache.ts';
import type { GpuSpec } from './spec.ts';

/** How much the GPU writes to the trace: every CTA, kernels and counters only, or nothing. */
export type TraceDetail = 'cta' | 'kernel' | 'none';

interface SmState {
  index: number;
  blocks: number;
  threads: number;
  sharedMemoryBytes: number;
  registers: number;
  /** Shared SM pipelines: co-resident CTAs split its time max-min fairly. */
  compute: FluidChannel;
  /** Free trace lanes (one per co-resident CTA, so spans on a lane never overlap). */
  freeLanes: number[];
  laneTracks: Track[];
}

interface ActiveKernel {
  kernel: Kernel;
  next: number;
  running: number;
  result: KernelResult;
  done: SimEvent<KernelResult>;
  opTrack: Track | null;
  /** Added to the kernel's operand keys so that kernels never share L2 entries by accident. */
  keyBase: number;
}

/** Work units of the SM compute channel: 1 unit = 1 ns of SM time at full rate. */
const SM_WORK_UNITS_PER_SECOND = 1e9;

/**
 * The GPU model: SMs with CTA slots (limited by threads, registers, shared memory, blocks), each
 * SM's pipelines as a fluid channel of SM-time, HBM and L2 as fluid channels with a per-SM pull
 * limit, an L2 panel cache for operand reuse, and a block scheduler that places CTAs breadth-first
 * over SMs (the first wave spreads over all SMs; later CTAs take the slot that frees up).
 */
export class GpuDevice {
  readonly hbm: FluidChannel;
  readonly l2: FluidChannel;
  readonly l2Cache: L2PanelCache;
  private readonly sms: SmState[];
  private readonly queue: ActiveKernel[] = [];
  private readonly smPullBytesPerSecond: number;
  /** Transfer options of every SM read: one SM pulls at most this from L2/HBM. */
  private readonly smPull: { capBytesPerSecond: number };
  private kernelsLaunched = 0;
  private busySms = 0;
  private hbmBytes = 0;
  private l2Bytes = 0;
  private readonly deviceName: string;
  private lastHbmSample = { timeNs: -1, value: -1 };

  constructor(
    private readonly sim: Simulation,
    readonly spec: GpuSpec,
    private readonly trace: TraceRecorder,
    private readonly detail: TraceDetail = 'cta',
    deviceName = 'gpu0',
  ) {
    this.deviceName = deviceName;
    this.hbm = new FluidChannel(sim, {
      name: `${deviceName}.hbm`,
      bandwidthBytesPerSecond: spec.memory.bandwidthBytesPerSecond * spec.efficiency.dramFraction,
      latencyNs: spec.memory.latencyNs,
      onThroughputChange: detail === 'none' ? undefined : (bps, t) => this.sampleHbm(bps, t),
    });
    this.l2 = new FluidChannel(sim, {
      name: `${deviceName}.l2`,
      bandwidthBytesPerSecond: spec.l2.bandwidthBytesPerSecond,
      latencyNs: spec.l2.latencyNs,
    });
    this.l2Cache = new L2PanelCache(spec.l2.sizeBytes * spec.efficiency.l2ReuseFraction);
    this.smPullBytesPerSecond = spec.sm.l2ToSmBytesPerClock * spec.sm.clockHz;
    this.smPull = { capBytesPerSecond: this.smPullBytesPerSecond };
    this.sms = Array.from({ length: spec.sm.count }, (_, index) => ({
      index,
      blocks: 0,
      threads: 0,
      sharedMemoryBytes: 0,
      registers: 0,
      compute: new FluidChannel(sim, { name: `${deviceName}.sm${index}`, bandwidthBytesPerSecond: SM_WORK_UNITS_PER_SECOND }),
      freeLanes: [],
      laneTracks: [],
    }));
  }

  /** Per-SM tensor FLOP/s for a dtype, at the achievable fraction of peak. */
  smTensorFlopsPerSecond(dtype: string): number {
    const peak = this.spec.tensor.flopsPerSecond[dtype as keyof GpuSpec['tensor']['flopsPerSecond']];
    if (peak === undefined) {
      throw new Error(`device ${this.spec.id} has no tensor rate for dtype ${dtype}`);
    }
    return (peak * this.spec.efficiency.tensorFraction) / this.spec.sm.count;
  }

  /** CTAs of this shape that fit on one empty SM. */
  occupancy(r: CtaResources): number {
    const sm = this.spec.sm;
    return Math.min(
      sm.maxBlocksPerSm,
      Math.floor(sm.maxThreadsPerSm / r.threads),
      Math.floor(sm.registersPerSm / (r.threads * r.registersPerThread)),
      r.sharedMemoryBytes > 0 ? Math.floor(sm.sharedMemoryBytesPerSm / r.sharedMemoryBytes) : Infinity,
    );
  }

  /** HBM bytes moved so far. */
  get dramBytesMoved(): number {
    return this.hbmBytes;
  }

  /**
   * Launch a kernel now: the launch overhead passes, then its CTAs join the block scheduler's
   * queue (behind kernels launched earlier on other streams). Triggers when the last CTA retires.
   */
  launch(kernel: Kernel, opTrack: Track | null = null): SimEvent<KernelResult> {
    const occupancy = this.occupancy(kernel.resources);
    if (occupancy < 1) {
      throw new Error(`kernel ${kernel.name}: one CTA (${kernel.resources.threads} threads, ${kernel.resources.sharedMemoryBytes} B shared memory) does not fit on an SM of ${this.spec.id}`);
    }
    const done = new SimEvent<KernelResult>(this.sim);
    const startNs = this.sim.now;
    const result: KernelResult = {
      name: kernel.name, category: kernel.category, startNs, firstCtaNs: startNs, endNs: startNs,
      dramBytes: 0, l2Bytes: 0, ctaCount: kernel.ctaCount, ctasPerSm: occupancy,
      waves: kernel.ctaCount / (occupancy * this.spec.sm.count),
    };
    const active: ActiveKernel = { kernel, next: 0, running: 0, result, done, opTrack, keyBase: this.kernelsLaunched++ * 2 ** 32 };
    this.sim.schedule(this.spec.efficiency.kernelOverheadNs, () => {
      result.firstCtaNs = this.sim.now;
      if (kernel.ctaCount === 0) {
        this.finishKernel(active);
        return;
      }
      this.queue.push(active);
      this.fillAll();
    });
    return done;
  }

  /** Breadth-first placement: one CTA per SM per round, until nothing more fits. */
  private fillAll(): void {
    let placed = true;
    while (placed && this.queue.length > 0) {
      placed = false;
      for (const sm of this.sms) {
        if (this.queue.length === 0) break;
        if (this.placeOne(sm)) placed = true;
      }
    }
  }

  /** Start the next queued CTA that fits on `sm`; false if none does. */
  private placeOne(sm: SmState): boolean {
    for (const active of this.queue) {
      const r = active.kernel.resources;
      if (!this.fits(sm, r)) continue;
      const index = active.next++;
      if (active.next >= active.kernel.ctaCount) this.queue.splice(this.queue.indexOf(active), 1);
      active.running++;
      this.take(sm, r, +1);
      this.sim.process(this.runCta(active, index, sm));
      return true;
    }
    return false;
  }

  private fits(sm: SmState, r: CtaResources): boolean {
    const spec = this.spec.sm;
    return (
      sm.blocks + 1 <= spec.maxBlocksPerSm &&
      sm.threads + r.threads <= spec.maxThreadsPerSm &&
      sm.registers + r.threads * r.registersPerThread <= spec.registersPerSm &&
      sm.sharedMemoryBytes + r.sharedMemoryBytes <= spec.sharedMemoryBytesPerSm
    );
  }

  private take(sm: SmState, r: CtaResources, sign: 1 | -1): void {
    const wasBusy = sm.blocks > 0;
    sm.blocks += sign;
    sm.threads += sign * r.threads;
    sm.registers += sign * r.threads * r.registersPerThread;
    sm.sharedMemoryBytes += sign * r.sharedMemoryBytes;
    const isBusy = sm.blocks > 0;
    if (wasBusy !== isBusy) {
      this.busySms += isBusy ? 1 : -1;
      if (this.detail !== 'none') this.sampleCounter('SMs busy', { SMs: this.busySms });
    }
  }

  private *runCta(active: ActiveKernel, index: number, sm: SmState): Generator<SimEvent<any>, void, any> {
    const work: CtaWork = active.kernel.cta(index);
    const startNs = this.sim.now;
    const lane = this.detail === 'cta' ? this.takeLane(sm) : -1;
    // Loads stream ahead of compute (the kernel's multi-stage shared-memory pipeline). A step's
    // compute may start once its operands have begun to arrive (the previous step's load is done;
    // for the first step, its own: the pipeline fill) and cannot end before they have all arrived.
    const loaded = this.chainLoads(active, work);
    for (let step = 0; step < work.steps; step++) {
      const gate = loaded[step === 0 ? 0 : step - 1]!;
      if (!gate.triggered) yield gate;
      const workNs = work.stepWorkNs(step);
      if (workNs > 0) yield sm.compute.transfer(workNs);
      const arrived = loaded[step]!;
      if (!arrived.triggered) yield arrived;
    }
    if (work.storeL2Bytes > 0) {
      this.l2Bytes += work.storeL2Bytes;
      active.result.l2Bytes += work.storeL2Bytes;
      yield this.l2.transfer(work.storeL2Bytes, this.smPull);
    }
    if (work.storeBytes > 0) {
      this.hbmBytes += work.storeBytes;
      active.result.dramBytes += work.storeBytes;
      yield this.hbm.transfer(work.storeBytes, this.smPull);
    }
    if (lane >= 0) {
      this.trace.span(sm.laneTracks[lane]!, work.label, startNs, this.sim.now - startNs, work.args, active.kernel.category);
      sm.freeLanes.push(lane);
    }
    this.take(sm, active.kernel.resources, -1);
    active.running--;
    if (active.running === 0 && active.next >= active.kernel.ctaCount) this.finishKernel(active);
    if (this.queue.length > 0) this.placeOne(sm);
  }

  /** Issue the steps' loads one after another; event s triggers when step s's operands are in. */
  private chainLoads(active: ActiveKernel, work: CtaWork): SimEvent<void>[] {
    const loaded: SimEvent<void>[] = new Array(work.steps);
    for (let i = 0; i < work.steps; i++) loaded[i] = new SimEvent<void>(this.sim);
    let step = 0;
    const arrived = (): void => {
      for (;;) {
        loaded[step]!.succeedNow();
        if (++step >= work.steps) return;
        const next = this.issueLoads(active, work, step);
        if (next !== null) {
          next.onTrigger(arrived);
          return;
        }
      }
    };
    const first = this.issueLoads(active, work, 0);
    if (first === null) arrived();
    else first.onTrigger(arrived);
    return loaded;
  }

  /** Issue one step's operand reads through the L2 panel cache; returns what to wait for. */
  private issueLoads(active: ActiveKernel, work: CtaWork, step: number): SimEvent<any> | null {
    const loads = work.loads(step);
    const result = active.result;
    let dramBytes = 0;
    let l2Bytes = 0;
    for (let i = 0; i < loads.length; i++) {
      const load = loads[i]!;
      if (load.key < 0) {
        dramBytes += load.bytes;
        continue;
      }
      const fromDram = this.l2Cache.access(active.keyBase + load.key, load.bytes, load.sharers);
      dramBytes += fromDram;
      l2Bytes += load.bytes - fromDram;
    }
    let dram: SimEvent<any> | null = null;
    let l2: SimEvent<any> | null = null;
    if (dramBytes > 0) {
      this.hbmBytes += dramBytes;
      result.dramBytes += dramBytes;
      dram = this.hbm.transfer(dramBytes, this.smPull);
    }
    if (l2Bytes > 0) {
      this.l2Bytes += l2Bytes;
      result.l2Bytes += l2Bytes;
      l2 = this.l2.transfer(l2Bytes, this.smPull);
    }
    if (dram === null) return l2;
    if (l2 === null) return dram;
    return allOfEvents(this.sim, [dram, l2]);
  }

  private takeLane(sm: SmState): number {
    if (sm.freeLanes.length > 0) return sm.freeLanes.pop()!;
    const lane = sm.laneTracks.length;
    const unit = lane === 0 ? `SM ${sm.index}` : `SM ${sm.index} #${lane + 1}`;
    sm.laneTracks.push(this.trace.track(this.deviceName, unit, 'SM'));
    return lane;
  }

  private finishKernel(active: ActiveKernel): void {
    active.result.endNs = this.sim.now;
    active.done.succeed(active.result);
  }

  private sampleHbm(bytesPerSecond: number, timeNs: number): void {
    const gbps = Math.round(bytesPerSecond / 1e7) / 100; // GB/s with 2 decimals: stable output
    if (gbps === this.lastHbmSample.value) return;
    this.lastHbmSample = { timeNs, value: gbps };
    this.trace.counter(this.deviceName, 'HBM bandwidth (GB/s)', timeNs, { 'GB/s': gbps });
  }

  private sampleCounter(name: string, values: Record<string, number>): void {
    this.trace.counter(this.deviceName, name, this.sim.now, values);
  }
}

function allOfEvents(sim: Simulation, events: SimEvent<any>[]): SimEvent<void> {
  const done = new SimEvent<void>(sim);
  let remaining = events.length;
  for (const e of events) {
    e.onTrigger(() => {
      if (--remaining === 0) done.succeedNow();
    });
  }
  return done;
}
