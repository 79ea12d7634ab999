import { FluidChannel, SimEvent, Simulation, TraceRecorder, type ScheduledEvent, type TraceArgs, type Track } from '../../sim/index.ts';
import type { CtaResources, CtaWork, InputGate, Kernel, KernelResult, OutputTrigger, TriggerContext } from './kernel.ts';
import { L2PanelCache, type PanelSpace } from './l2-panel-cache.ts';
import { dramBytesPerSecond, dramPowerShare, type GpuSpec } from './spec.ts';

/** How much the GPU writes to the trace: every CTA, kernels and counters only, or nothing. */
export type TraceDetail = 'cta' | 'kernel' | 'none';

interface SmState {
  index: number;
  blocks: number;
  threads: number;
  sharedMemoryBytes: number;
  registers: number;
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
  /** The kernel's own L2 key space: kernels never share L2 entries by accident. */
  panels: PanelSpace;
  /** Epilogue writes issued by retired CTAs and still draining. */
  storesInFlight: number;
  /** Work the kernel's output triggers (Kernel.outputTrigger), or null. */
  trigger: OutputTrigger | null;
  /** Work delivering the kernel's A rows while it runs (Kernel.inputGate), or null. */
  gate: InputGate | null;
  /** Set once the CTAs are done and the kernel waits for its trigger's and gate's work. */
  awaitingTrigger: boolean;
}

/** One CTA placed on an SM. */
interface Placement {
  active: ActiveKernel;
  index: number;
  sm: SmState;
  work: CtaWork;
  lane: number;
}

/**
 * CTAs of one kernel placed at the same instant with identical per-step work: under the fluid
 * model they progress in lockstep, so they are simulated as one weighted flow per resource.
 */
interface Cohort {
  active: ActiveKernel;
  members: Placement[];
  /** The members' common step structure (taken from the first). */
  work: CtaWork;
  /** Transfer options of the cohort's reads and writes: one SM's pull limit per member. */
  pull: { capBytesPerSecond: number; weight: number };
  /** CTAs on each member's SM when placed, its own included: they split the SM's time. */
  residents: number;
  /** The device's placement epoch when `residentsNow` was counted. */
  residentsEpoch: number;
  /** CTAs on the most crowded member's SM, as of `residentsEpoch`. */
  residentsNow: number;
}

/**
 * Share of what the power limit allows that the SM pool must run at, on average, for the power
 * controller to count the chip as at its limit (efficiency.settleAfterNs): between a
 * weight-streaming GEMV (~0.3 in this model, with its DRAM phases) and a dense GEMM (~0.85).
 */
const HOT_POOL_SHARE = 0.6;
/** Time constant of the utilization average the controller sees, ns: long against a CTA's load/compute alternation. */
const POWER_AVERAGE_NS = 1e6;

/** Work units of the SM compute pool: 1 unit = 1 ns of one SM's time at full rate. */
const SM_WORK_UNITS_PER_SECOND = 1e9;

/**
 * Share of the SM pool (capacity: SM count x powerFraction) a CTA takes per unit of its SM work.
 * The pool then enforces both limits at once for a kernel alone on the chip: at most powerFraction /
 * intensity SMs' worth of work by power, and never more than the SMs themselves (the floor at
 * powerFraction). A dense GEMM (intensity 1) is power-limited; a light kernel is SM-limited.
 */
function poolShareOf(kernel: Kernel, powerFraction: number): number {
  return Math.min(1, Math.max(kernel.powerIntensity ?? 1, powerFraction));
}

/**
 * The GPU model: SMs with CTA slots (limited by threads, registers, shared memory, blocks); SM
 * pipelines as a pool of SM-time in which each CTA runs at most at one SM's rate (co-resident
 * GEMM CTAs split their SM's time and L2 port, Kernel.splitsSm); HBM and L2 as fluid channels
 * with a per-SM pull limit; an L2 panel cache for operand reuse; and a block scheduler that places
 * CTAs breadth-first over SMs (the first wave spreads over all SMs; later CTAs take the slots that
 * free up).
 *
 * CTAs placed at the same instant with the same work form a cohort that moves as one weighted
 * flow: a wave of 132 identical CTAs costs the events of one. Tile and wave quantization still
 * emerge, since cohorts are exactly the sets of CTAs that start and finish together.
 */
export class GpuDevice {
  readonly hbm: FluidChannel;
  readonly l2: FluidChannel;
  readonly link: FluidChannel | null;
  readonly l2Cache: L2PanelCache;
  /** SM time of all SMs; a CTA's flow is capped at one SM's rate. */
  readonly compute: FluidChannel;
  private readonly sms: SmState[];
  private dispatchPending = false;
  /** Latency of the load issueLoads last started: HBM if any bytes came from DRAM, else L2. */
  private lastLoadLatencyNs = 0;
  private readonly dispatchNow = (): void => this.dispatch();
  private readonly queue: ActiveKernel[] = [];
  private readonly smPullBytesPerSecond: number;
  private busySms = 0;
  /** Counts CTA placements and retirements: per-SM occupancy changes only when it does. */
  private placementEpoch = 0;
  private hbmBytes = 0;
  private l2Bytes = 0;
  private readonly deviceName: string;
  private lastHbmSample = { timeNs: -1, value: -1 };
  private lastPowerLeftPct = -1;
  /**
   * Power state (efficiency.settleAfterNs): the share of the SMs' full rate the power limit
   * allows now, and the share of it DRAM traffic leaves to the SMs.
   */
  private powerFractionNow: number;
  private dramLeft = 1;
  /**
   * Whether the SMs run at the power limit now (averaged), the stretch at it, when they last dropped
   * below it; the pool's utilization now, since when, and its running average.
   */
  private hot = false;
  private utilNow = 0;
  private utilSinceNs = 0;
  private avgUtil = 0;
  private stretchStartNs = 0;
  private coolSinceNs = -Infinity;
  private settled = false;
  private settleTimer: ScheduledEvent | null = null;
  /** Power-state switches so far (a switch re-plans the pool, whose rate then differs from the one reported). */
  private powerSwitches = 0;
  /** Trace lanes of the link (concurrent transfers each get one) and when each is free again. */
  private readonly linkLanes: { track: Track; freeNs: number }[] = [];

  constructor(
    private readonly sim: Simulation,
    readonly spec: GpuSpec,
    private readonly trace: TraceRecorder,
    private readonly detail: TraceDetail = 'cta',
    deviceName = 'gpu0',
  ) {
    this.deviceName = deviceName;
    this.powerFractionNow = spec.efficiency.powerFraction;
    const sharePerBytePerSecond = dramPowerShare(spec);
    this.hbm = new FluidChannel(sim, {
      name: `${deviceName}.hbm`,
      bandwidthBytesPerSecond: dramBytesPerSecond(spec),
      // Latency is added per load (chainLoads), not per transfer: see there.
      onThroughputChange:
        detail === 'none' && sharePerBytePerSecond === 0
          ? undefined
          : (bps, t) => {
              if (detail !== 'none') this.sampleHbm(bps, t);
              // DRAM traffic draws its share of the power budget; the SMs get what is left.
              if (sharePerBytePerSecond > 0) {
                const left = 1 - sharePerBytePerSecond * bps;
                this.dramLeft = left;
                this.compute.setBandwidth(this.poolUnitsPerSecond * left);
                if (detail !== 'none') this.samplePowerLeft(left, t);
              }
            },
    });
    this.l2 = new FluidChannel(sim, {
      name: `${deviceName}.l2`,
      bandwidthBytesPerSecond: spec.l2.bandwidthBytesPerSecond,
    });
    // One direction of the device's link (peers of a collective send as much as they receive).
    this.link = spec.interconnect === undefined ? null : new FluidChannel(sim, {
      name: `${deviceName}.link`,
      bandwidthBytesPerSecond: (spec.interconnect.bandwidthBytesPerSecond / 2) * spec.interconnect.achievableFraction,
      latencyNs: spec.interconnect.latencyNs,
    });
    this.l2Cache = new L2PanelCache(spec.l2.sizeBytes * spec.efficiency.l2ReuseFraction);
    this.smPullBytesPerSecond = spec.sm.l2ToSmBytesPerClock * spec.sm.clockHz;
    // The chip sustains only part of its SMs' full rate at once (power limit: clocks drop when
    // every SM computes); a lone CTA still runs at a full SM's rate.
    // With efficiency.dramPicojoulesPerByte, DRAM traffic takes its part of that budget while it flows.
    this.compute = new FluidChannel(sim, {
      name: `${deviceName}.sm`,
      bandwidthBytesPerSecond: this.poolUnitsPerSecond,
      ...(spec.efficiency.settleAfterNs === undefined ? {} : { onThroughputChange: (rate: number) => this.poolRateChanged(rate) }),
    });
    this.sms = Array.from({ length: spec.sm.count }, (_, index) => ({
      index,
      blocks: 0,
      threads: 0,
      sharedMemoryBytes: 0,
      registers: 0,
      freeLanes: [],
      laneTracks: [],
    }));
  }

  /** The SM pool's rate at the power limit of now, before DRAM takes its share. */
  private get poolUnitsPerSecond(): number {
    return SM_WORK_UNITS_PER_SECOND * this.spec.sm.count * this.powerFractionNow;
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
      waves: (kernel.tiles ?? kernel.ctaCount) / (occupancy * this.spec.sm.count),
    };
    const active: ActiveKernel = { kernel, next: 0, running: 0, result, done, opTrack, panels: this.l2Cache.newSpace(), storesInFlight: 0, trigger: null, gate: null, awaitingTrigger: false };
    if (kernel.outputTrigger !== undefined) active.trigger = kernel.outputTrigger(this.triggerContext(result));
    if (kernel.inputGate !== undefined) active.gate = kernel.inputGate(this.triggerContext(result));
    this.sim.schedule(this.spec.efficiency.kernelOverheadNs, () => {
      result.firstCtaNs = this.sim.now;
      if (kernel.ctaCount === 0) {
        this.maybeFinish(active);
        return;
      }
      this.queue.push(active);
      this.requestDispatch();
    });
    return done;
  }

  /** Place CTAs once all retirements of this instant are in (one dispatch per instant). */
  private requestDispatch(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    this.sim.schedule(0, this.dispatchNow);
  }

  /** Breadth-first placement (one CTA per SM per round, until nothing more fits), then cohorts. */
  private dispatch(): void {
    this.dispatchPending = false;
    const placed: Placement[] = [];
    let progress = true;
    while (progress && this.queue.length > 0) {
      progress = false;
      for (const sm of this.sms) {
        if (this.queue.length === 0) break;
        const p = this.placeOne(sm);
        if (p !== null) {
          placed.push(p);
          progress = true;
        }
      }
    }
    if (placed.length === 0) return;
    if (this.detail !== 'none') this.sampleCounter('SMs busy', { SMs: this.busySms });
    // Group by kernel and work, not only runs of neighbours: split-K and edge tiles interleave
    // a few step structures, and each structure should still be one flow.
    const cohorts: Cohort[] = [];
    for (const p of placed) {
      let cohort: Cohort | undefined;
      for (let i = cohorts.length - 1; i >= 0; i--) {
        const c = cohorts[i]!;
        if (c.active === p.active && c.residents === residentsAt(p) && sameWork(c.work, p.work)) {
          cohort = c;
          break;
        }
      }
      if (cohort === undefined) {
        const residents = residentsAt(p);
        cohorts.push({ active: p.active, members: [p], work: p.work, pull: { capBytesPerSecond: this.pullBytesPerSecond(p.active.kernel) / residents, weight: 0 }, residents, residentsEpoch: -1, residentsNow: residents });
      }
      else cohort.members.push(p);
    }
    for (const cohort of cohorts) {
      cohort.pull.weight = cohort.members.length;
      this.sim.process(this.runCohort(cohort));
    }
  }

  /** What one SM pulls from L2 per second for `kernel`'s CTAs (Kernel.smPullBytesPerClock). */
  private pullBytesPerSecond(kernel: Kernel): number {
    const perClock = kernel.smPullBytesPerClock;
    return perClock === undefined ? this.smPullBytesPerSecond : Math.min(this.smPullBytesPerSecond, perClock * this.spec.sm.clockHz);
  }

  /**
   * CTAs on the most crowded SM among a cohort's members, its own included (Kernel.splitsSm).
   * Asked every step: recounted only when some CTA has been placed or retired since.
   */
  private residentsOf(cohort: Cohort): number {
    if (cohort.active.kernel.splitsSm !== true) return 1;
    if (cohort.residentsEpoch !== this.placementEpoch) {
      let residents = 1;
      for (const m of cohort.members) if (m.sm.blocks > residents) residents = m.sm.blocks;
      cohort.residentsNow = residents;
      cohort.residentsEpoch = this.placementEpoch;
    }
    return cohort.residentsNow;
  }

  /** Take the next queued CTA that fits on `sm`; null if none does. */
  private placeOne(sm: SmState): Placement | null {
    for (const active of this.queue) {
      const r = active.kernel.resources;
      if (!this.fits(sm, r)) continue;
      const index = active.next++;
      if (active.next >= active.kernel.ctaCount) this.queue.splice(this.queue.indexOf(active), 1);
      active.running++;
      this.take(sm, r, +1);
      const lane = this.detail === 'cta' ? this.takeLane(sm) : -1;
      return { active, index, sm, work: active.kernel.cta(index), lane };
    }
    return null;
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
    this.placementEpoch++;
    const wasBusy = sm.blocks > 0;
    sm.blocks += sign;
    sm.threads += sign * r.threads;
    sm.registers += sign * r.threads * r.registersPerThread;
    sm.sharedMemoryBytes += sign * r.sharedMemoryBytes;
    if (wasBusy !== sm.blocks > 0) this.busySms += wasBusy ? -1 : 1;
  }

  private *runCohort(cohort: Cohort): Generator<SimEvent<any>, void, any> {
    const { work, active } = cohort;
    const w = cohort.members.length;
    const startNs = this.sim.now;
    let segmentStartNs = startNs;
    // Loads stream ahead of compute (the kernel's multi-stage shared-memory pipeline). A step's
    // compute may start once its operands have begun to arrive (the previous step's load is done;
    // for the first step, its own: the pipeline fill) and cannot end before they have all arrived.
    // A tile whose A rows are still being gathered waits for them before it loads anything.
    if (active.gate !== null) {
      const ready = this.rowsReady(cohort, 0);
      if (ready !== null) yield ready;
    }
    const { loaded, computed, loadNs } = this.chainLoads(cohort);
    const exposed = 1 - this.spec.efficiency.overlapFraction;
    // SM work goes through the power-limited pool in units of power: a CTA at full speed uses
    // `intensity` of it, so a light kernel reaches full speed within the limit.
    const intensity = poolShareOf(active.kernel, this.powerFractionNow);
    const computeCap = { capBytesPerSecond: SM_WORK_UNITS_PER_SECOND * intensity, weight: w };
    const smPull = this.pullBytesPerSecond(active.kernel);
    for (let step = 0; step < work.steps; step++) {
      const gate = loaded[step === 0 ? 0 : step - 1]!;
      if (!gate.triggered) yield gate;
      // A persistent CTA's next tile: its A rows must have arrived before it computes (its
      // operand loads may already be running ahead, as a real kernel's B prefetch does).
      if (active.gate !== null && step > 0) {
        const ready = this.rowsReady(cohort, step);
        if (ready !== null) yield ready;
      }
      // Co-resident GEMM CTAs split their SM's time and L2 port: a member gets one over the CTAs
      // on its SM (re-read every step, since neighbours come and go; the most crowded member's SM
      // sets the pace of the lockstep cohort). The chip-wide pool alone would let two tiles on one
      // SM run at a full SM each whenever other SMs idle, as in a partial last wave.
      const residents = this.residentsOf(cohort);
      computeCap.capBytesPerSecond = (SM_WORK_UNITS_PER_SECOND * intensity) / residents;
      cohort.pull.capBytesPerSecond = smPull / residents;
      const workNs = work.stepWorkNs(step);
      const computeStartNs = this.sim.now;
      if (workNs > 0) yield this.compute.transfer(workNs * w * intensity, computeCap);
      const computeNs = this.sim.now - computeStartNs;
      computed(step);
      const arrived = loaded[step]!;
      if (!arrived.triggered) yield arrived;
      // Imperfect overlap: part of the shorter of this step's math and its loads is exposed.
      if (exposed > 0 && step > 0) {
        const stallNs = exposed * Math.min(computeNs, loadNs(step));
        if (stallNs > 0) yield this.sim.timeout(stallNs);
      }
      // Members share the step structure, so if the first one's segment goes on, all do.
      if (work.segmentEnd !== undefined && this.detail === 'cta') {
        let ended = false;
        for (const m of cohort.members) {
          const seg = m.work.segmentEnd!(step);
          if (seg === null) break;
          ended = true;
          if (m.lane >= 0) {
            this.trace.span(m.sm.laneTracks[m.lane]!, seg.label, segmentStartNs, this.sim.now - segmentStartNs, { kernel: active.kernel.name, ...seg.args }, active.kernel.category);
          }
        }
        if (ended) segmentStartNs = this.sim.now;
      }
      if (work.stepStoreBytes !== undefined) {
        let bytes = 0;
        let output = 0;
        for (const m of cohort.members) bytes += m.work.stepStoreBytes!(step);
        if (active.trigger !== null && work.stepOutputBytes !== undefined) for (const m of cohort.members) output += m.work.stepOutputBytes!(step);
        if (bytes > 0) {
          this.hbmBytes += bytes;
          active.result.dramBytes += bytes;
          this.trackStore(active, this.hbm.transfer(bytes, cohort.pull), output);
        }
      }
      // A collective's step sends over the link while its HBM traffic (posted above) streams.
      if (work.linkBytes !== undefined && this.link !== null) {
        let bytes = 0;
        for (const m of cohort.members) bytes += m.work.linkBytes!(step);
        if (bytes > 0) {
          const sendNs = this.sim.now;
          yield this.link.transfer(bytes);
          this.linkSpan(`${active.kernel.name} step ${step}`, sendNs, { bytes, step, channels: w }, active.kernel.category);
        }
      }
    }
    // The epilogue's stores are posted writes: the CTA retires once they are issued, and its SM
    // slot goes to the next CTA while they drain. The kernel ends when the last write lands.
    const pull = cohort.pull;
    if (work.storeL2Bytes > 0) {
      const bytes = work.storeL2Bytes * w;
      this.l2Bytes += bytes;
      active.result.l2Bytes += bytes;
      this.trackStore(active, this.l2.transfer(bytes, pull));
    }
    if (work.storeBytes > 0) {
      let bytes = 0;
      let output = 0;
      for (const m of cohort.members) bytes += m.work.storeBytes;
      if (active.trigger !== null) for (const m of cohort.members) output += m.work.outputBytes ?? 0;
      this.hbmBytes += bytes;
      active.result.dramBytes += bytes;
      this.trackStore(active, this.hbm.transfer(bytes, pull), output);
    }
    const r = active.kernel.resources;
    for (const m of cohort.members) {
      if (m.lane >= 0) {
        if (work.segmentEnd === undefined) {
          // The kernel's name in every CTA span: with several streams, a tooltip says whose tile it is.
          this.trace.span(m.sm.laneTracks[m.lane]!, m.work.label, startNs, this.sim.now - startNs, { kernel: active.kernel.name, ...m.work.args }, active.kernel.category);
        }
        m.sm.freeLanes.push(m.lane);
      }
      this.take(m.sm, r, -1);
    }
    if (this.detail !== 'none') this.sampleCounter('SMs busy', { SMs: this.busySms });
    active.running -= w;
    this.maybeFinish(active);
    if (this.queue.length > 0) this.requestDispatch();
  }

  /** A posted write: the kernel ends after it lands; `outputBytes` of it are final output (for the trigger). */
  private trackStore(active: ActiveKernel, store: SimEvent<any>, outputBytes = 0): void {
    if (store.triggered) {
      if (outputBytes > 0) active.trigger?.wrote(outputBytes);
      return;
    }
    active.storesInFlight++;
    store.onTrigger(() => {
      active.storesInFlight--;
      if (outputBytes > 0) active.trigger?.wrote(outputBytes);
      this.maybeFinish(active);
    });
  }

  private maybeFinish(active: ActiveKernel): void {
    if (!(active.running === 0 && active.storesInFlight === 0 && active.next >= active.kernel.ctaCount)) return;
    const { trigger, gate } = active;
    if (trigger === null && gate === null) {
      this.finishKernel(active);
      return;
    }
    // The output is complete; the kernel ends when what it triggered (and what fed it) has ended too.
    if (active.awaitingTrigger) return;
    active.awaitingTrigger = true;
    trigger?.outputComplete();
    const pending = [trigger?.done, gate?.done].filter((e): e is SimEvent<void> => e !== undefined && !e.triggered);
    if (pending.length === 0) {
      this.finishKernel(active);
      return;
    }
    let left = pending.length;
    for (const e of pending) e.onTrigger(() => {
      if (--left === 0) this.finishKernel(active);
    });
  }

  /**
   * The event a cohort waits on before computing the tiles that start at `step`: the arrival of
   * the A rows its members read (the latest of them: members move in lockstep), or null.
   */
  private rowsReady(cohort: Cohort, step: number): SimEvent<void> | null {
    const gate = cohort.active.gate!;
    if (cohort.work.tileRowsEndAt === undefined) return null;
    // Members share their step structure: if no tile starts here for the first, none does.
    let rowsEnd = cohort.work.tileRowsEndAt(step);
    if (rowsEnd < 0) return null;
    for (const m of cohort.members) rowsEnd = Math.max(rowsEnd, m.work.tileRowsEndAt!(step));
    return rowsEnd < 0 ? null : gate.rowsReady(rowsEnd);
  }

  /**
   * A span on the link's trace track, from `startNs` to now: transfers of concurrent collectives
   * overlap, so each goes on the first lane (`link`, `link #2`, ...) free since `startNs`.
   */
  private linkSpan(name: string, startNs: number, args: TraceArgs, category: string): void {
    if (this.detail === 'none') return;
    let lane = this.linkLanes.find((l) => l.freeNs <= startNs);
    if (lane === undefined) {
      const n = this.linkLanes.length;
      lane = { track: this.trace.track(this.deviceName, n === 0 ? 'link' : `link #${n + 1}`, 'link'), freeNs: 0 };
      this.linkLanes.push(lane);
    }
    lane.freeNs = this.sim.now;
    this.trace.span(lane.track, name, startNs, this.sim.now - startNs, args, category);
  }

  /** What a kernel's output trigger or input gate may use: this device's channels, SM pool and trace. */
  private triggerContext(result: KernelResult): TriggerContext {
    return {
      sim: this.sim,
      spec: this.spec,
      hbm: this.hbm,
      link: this.link,
      compute: this.compute,
      linkSpan: (name, startNs, args, category) => this.linkSpan(name, startNs, args, category),
      countDram: (bytes) => {
        this.hbmBytes += bytes;
        result.dramBytes += bytes;
      },
    };
  }


  /**
   * Issue the steps' loads one after another; loaded[s] triggers when step s's operands are in.
   * The next step's load is issued as soon as this one has streamed, while this one's data is
   * still in flight (a multi-stage pipeline keeps several loads outstanding), so the memory
   * latency is paid once per pipeline, at the fill, not once per step. Shared memory holds a few
   * stages only: load s + 1 also waits until step s - 1 has been computed (`computed(s - 1)`),
   * so loads never run more than two steps ahead of the math.
   */
  private chainLoads(cohort: Cohort): { loaded: SimEvent<void>[]; computed: (step: number) => void; loadNs: (step: number) => number } {
    const steps = cohort.work.steps;
    const loaded: SimEvent<void>[] = new Array(steps);
    // Issue-to-arrival time of each step's loads (for the overlap model).
    const issuedNs: number[] = new Array(steps).fill(0);
    const arrivedNs: number[] = new Array(steps).fill(0);
    for (let i = 0; i < steps; i++) loaded[i] = new SimEvent<void>(this.sim);
    let next = 0; // next load to issue
    let inFlight = false;
    let lastComputed = -1;
    const tryIssue = (): void => {
      while (!inFlight && next < steps && lastComputed >= next - 2) {
        const step = next++;
        issuedNs[step] = this.sim.now;
        const load = this.issueLoads(cohort, step);
        const latencyNs = this.lastLoadLatencyNs;
        const streamed = (): void => {
          const event = loaded[step]!;
          arrivedNs[step] = this.sim.now + latencyNs;
          if (latencyNs > 0) this.sim.schedule(latencyNs, () => event.succeedNow());
          else event.succeedNow();
        };
        if (load === null) {
          streamed();
          continue;
        }
        inFlight = true;
        load.onTrigger(() => {
          inFlight = false;
          streamed();
          tryIssue();
        });
      }
    };
    tryIssue();
    return {
      loaded,
      computed: (step: number) => {
        lastComputed = step;
        tryIssue();
      },
      loadNs: (step: number) => arrivedNs[step]! - issuedNs[step]!,
    };
  }

  /** Issue one step's operand reads of every member through the L2 panel cache. */
  private issueLoads(cohort: Cohort, step: number): SimEvent<any> | null {
    const { active } = cohort;
    const result = active.result;
    let dramBytes = 0;
    let l2Bytes = 0;
    for (const member of cohort.members) {
      const loads = member.work.loads(step);
      for (let i = 0; i < loads.length; i++) {
        const load = loads[i]!;
        if (load.key < 0) {
          dramBytes += load.bytes;
          continue;
        }
        const fromDram = this.l2Cache.access(active.panels, load.key, load.fetchBytes ?? load.bytes, load.sharers);
        dramBytes += fromDram;
        if (load.bytes > fromDram) l2Bytes += load.bytes - fromDram;
      }
    }
    const pull = cohort.pull;
    let dram: SimEvent<any> | null = null;
    let l2: SimEvent<any> | null = null;
    if (dramBytes > 0) {
      this.hbmBytes += dramBytes;
      result.dramBytes += dramBytes;
      dram = this.hbm.transfer(dramBytes, pull);
    }
    if (l2Bytes > 0) {
      this.l2Bytes += l2Bytes;
      result.l2Bytes += l2Bytes;
      l2 = this.l2.transfer(l2Bytes, pull);
    }
    this.lastLoadLatencyNs = dram !== null ? this.spec.memory.latencyNs : l2 !== null ? this.spec.l2.latencyNs : 0;
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
    if (active.trigger !== null || active.gate !== null) active.result.details = { ...active.gate?.details(), ...active.trigger?.details() };
    active.done.succeed(active.result);
  }

  /**
   * The SM pool's rate changed. The power controller answers power, not residency: the SMs are at
   * the limit ("hot") while the pool's utilization, averaged over POWER_AVERAGE_NS, is at least
   * HOT_POOL_SHARE of what the limit allows. A memory-bound or collective phase, whose CTAs compute
   * in short bursts between loads, is below it, as idle is (data/measured/power-recovery-h200.csv:
   * 80 ms of device-to-device copies give the clock back as 100 ms of idle does).
   */
  private poolRateChanged(rate: number): void {
    const switches = this.powerSwitches;
    this.advancePower();
    // A cool spell of settleResetIdleNs has given the clock back by the time work arrives.
    if (!this.hot && this.settled && this.sim.now - this.coolSinceNs >= this.spec.efficiency.settleResetIdleNs!) this.setPowerState(false);
    // A switch re-planned the pool: its rate is the channel's now, not the one reported.
    const now = this.powerSwitches === switches ? rate : this.compute.throughputBytesPerSecond;
    this.utilNow = now / this.compute.bandwidthBytesPerSecond;
    this.armSettle();
  }

  /**
   * Bring the averaged utilization up to now (the rate held since the last change); where it
   * crossed HOT_POOL_SHARE in between, the chip turned hot or cool at the crossing.
   */
  private advancePower(): void {
    const now = this.sim.now;
    const dt = now - this.utilSinceNs;
    if (!(dt > 0)) return;
    const r = this.utilNow;
    const a0 = this.avgUtil;
    const a1 = r + (a0 - r) * Math.exp(-dt / POWER_AVERAGE_NS);
    const since = this.utilSinceNs;
    this.avgUtil = a1;
    this.utilSinceNs = now;
    if (this.hot !== a1 >= HOT_POOL_SHARE) {
      const crossNs = since + POWER_AVERAGE_NS * Math.log((a0 - r) / (HOT_POOL_SHARE - r));
      this.setHot(a1 >= HOT_POOL_SHARE, Math.min(now, Math.max(since, crossNs)));
    }
  }

  /**
   * The chip turns hot or cool at `atNs`. After settleResetIdleNs or more cool (or the first time) a
   * hot spell starts a new stretch, unsettled.
   */
  private setHot(hot: boolean, atNs: number): void {
    this.hot = hot;
    if (!hot) {
      this.coolSinceNs = atNs;
      return;
    }
    if (atNs - this.coolSinceNs >= this.spec.efficiency.settleResetIdleNs!) {
      this.stretchStartNs = atNs;
      if (this.settled) this.setPowerState(false);
    }
  }

  /**
   * Keep a settle event pending exactly while the chip is hot, unsettled and busy: settleAfterNs into
   * the stretch it settles, if it is still hot then. An empty pool has none, so a finished run
   * leaves no event behind to stretch its simulated time.
   */
  private armSettle(): void {
    const want = this.hot && !this.settled && this.utilNow > 0;
    if (want && this.settleTimer === null) {
      this.settleTimer = this.sim.scheduleAt(Math.max(this.sim.now, this.stretchStartNs + this.spec.efficiency.settleAfterNs!), () => {
        this.settleTimer = null;
        this.advancePower();
        if (this.hot) this.setPowerState(true);
        else this.armSettle();
      });
    } else if (!want && this.settleTimer !== null) {
      this.sim.cancel(this.settleTimer);
      this.settleTimer = null;
    }
  }

  /** Switch the power limit between its unsettled and settled share of the SMs' full rate. */
  private setPowerState(settled: boolean): void {
    const e = this.spec.efficiency;
    this.settled = settled;
    this.powerSwitches++;
    this.powerFractionNow = settled ? e.settledPowerFraction! : e.powerFraction;
    this.compute.setBandwidth(this.poolUnitsPerSecond * this.dramLeft);
    if (this.detail !== 'none') this.trace.counter(this.deviceName, 'power limit (% of full SM rate)', this.sim.now, { '%': Math.round(this.powerFractionNow * 10000) / 100 });
  }

  /** Share of the power budget DRAM leaves to the SMs, % with 1 decimal (stable output). */
  private samplePowerLeft(share: number, timeNs: number): void {
    const pct = Math.round(share * 1000) / 10;
    if (pct === this.lastPowerLeftPct) return;
    this.lastPowerLeftPct = pct;
    this.trace.counter(this.deviceName, 'SM power left (%)', timeNs, { '%': pct });
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

/** The CTAs a placed CTA shares its SM with, itself included; 1 unless its kernel splits SMs. */
function residentsAt(p: Placement): number {
  return p.active.kernel.splitsSm === true ? p.sm.blocks : 1;
}

/** Same step structure and per-step SM work: the CTAs run in lockstep (their bytes are summed). */
function sameWork(a: CtaWork, b: CtaWork): boolean {
  if (a === b) return true;
  if (a.steps !== b.steps || a.storeL2Bytes !== b.storeL2Bytes) return false;
  if (a.structure !== undefined && a.structure === b.structure) return true;
  for (let s = 0; s < a.steps; s++) if (a.stepWorkNs(s) !== b.stepWorkNs(s)) return false;
  return true;
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
