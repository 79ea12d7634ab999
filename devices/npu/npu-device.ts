/**
 * The systolic NPU as events: each array is a unit that works through its share of a matrix
 * phase's weight tiles in a few pipelined steps (the next step's DRAM bytes stream while this
 * step's tiles compute), the vector unit is a fluid rate shared by concurrent vector phases, and
 * DRAM is one fluid channel all of them share (max-min fair).
 */
import { FluidChannel, Server, type SimEvent, type Simulation, type TraceRecorder, type Track } from '../../sim/index.ts';
import type { FoldClass, LinkPhase, MatrixPhase, NpuPhase, PimPhase, PimSequence, VectorPhase } from './lower.ts';
import { MemoryModeGate, type MemoryMode } from './memory-gate.ts';
import { npuDramBytesPerSecond, type NpuSpec } from './spec.ts';

/** An event whose value is not read (SimEvent is invariant in its value type: transfers, timeouts, processes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvent = SimEvent<any>;

/** Pipelined steps an array's share of a phase is simulated in (each a run of its tiles). */
export const MAX_STEPS_PER_ARRAY = 16;

/** What one phase did. */
export interface PhaseResult {
  startNs: number;
  endNs: number;
  dramBytes: number;
  /** Array-clocks the phase kept its arrays busy (summed over arrays), for utilization. */
  arrayCycles: number;
}

/**
 * Clocks of one tile streaming `rows` rows on an array: a row a clock, and at least the `rows`
 * clocks it takes to shift the next tile's weights in when the cells double-buffer them (else the
 * shift-in comes on top).
 */
export function tileClocks(spec: NpuSpec, streamRows: number): number {
  const R = spec.systolic.rows;
  return spec.systolic.doubleBufferedWeights ? Math.max(streamRows, R) : streamRows + R;
}

/** Clocks to fill and drain the array once per run of tiles (the first result leaves after rows + cols - 1). */
export function fillDrainClocks(spec: NpuSpec): number {
  return spec.systolic.rows + spec.systolic.cols - 2;
}

/** One step of an array: its tiles' clocks and its share of the phase's DRAM bytes. */
interface Step {
  tiles: number;
  clocks: number;
  bytes: number;
}

export class NpuDevice {
  readonly dram: FluidChannel;
  private readonly vectorRate: FluidChannel;
  private readonly arrays: Server[];
  private readonly arrayTracks: Track[] | null;
  private readonly vectorTrack: Track | null;
  /** With single row buffers: PIM and the NPU's DRAM traffic take turns (blocked PIM). */
  private readonly gate: MemoryModeGate | null;
  /** Made on the first PIM span (a run without decode attention has none). */
  private pimTrack: Track | null = null;
  private readonly traced: boolean;
  private readonly link: FluidChannel | null;
  private readonly linkTrack: Track | null;
  readonly deviceName = 'npu0';

  constructor(
    private readonly sim: Simulation,
    readonly spec: NpuSpec,
    private readonly trace: TraceRecorder,
    traced: boolean,
  ) {
    this.dram = new FluidChannel(sim, {
      name: 'DRAM',
      bandwidthBytesPerSecond: npuDramBytesPerSecond(spec),
      // Latency is paid once per run of loads (`transfer` withLatency): a prefetching unit keeps many requests
      // in flight, so later loads' latency hides behind the ones before.
      onThroughputChange: traced ? (bps, t) => trace.counter(this.deviceName, 'DRAM bandwidth (GB/s)', t, { 'GB/s': Math.round(bps / 1e6) / 1e3 }) : undefined,
    });
    // Lane operations per second; phases share it as bytes share a channel.
    this.vectorRate = new FluidChannel(sim, { name: 'vector', bandwidthBytesPerSecond: spec.vector.lanes * spec.vector.clockHz });
    this.arrays = Array.from({ length: spec.systolic.arrays }, (_, i) => new Server(sim, { name: `array ${i}`, capacity: 1 }));
    this.arrayTracks = traced ? this.arrays.map((_, i) => trace.track(this.deviceName, `array ${i}`, 'arrays')) : null;
    this.vectorTrack = traced ? trace.track(this.deviceName, 'vector unit', 'vector') : null;
    this.gate = spec.pim?.rowBuffers === 'single' ? new MemoryModeGate(sim) : null;
    this.link = spec.interconnect === undefined ? null : new FluidChannel(sim, { name: 'link', bandwidthBytesPerSecond: spec.interconnect.bandwidthBytesPerSecond });
    this.linkTrack = traced && spec.interconnect !== undefined ? trace.track(this.deviceName, 'link', 'link') : null;
    this.traced = traced;
  }

  /** Run one phase; the returned event triggers with what it did. */
  run(phase: NpuPhase, opName: string): SimEvent<PhaseResult> {
    if (phase.kind === 'matrix') return this.runMatrix(phase, opName);
    if (phase.kind === 'pim') return this.runPim(phase, opName);
    if (phase.kind === 'link') return this.runLink(phase, opName);
    return this.runVector(phase, opName);
  }

  /** A ring collective: its link bytes and step latencies, beside its DRAM traffic and adds. */
  private runLink(phase: LinkPhase, opName: string): SimEvent<PhaseResult> {
    const sim = this.sim;
    const self = this;
    const link = this.link!;
    return sim.process(
      (function* () {
        const startNs = sim.now;
        const work: AnyEvent[] = [
          sim.process(
            (function* () {
              yield link.transfer(phase.linkBytes);
              yield sim.timeout(phase.steps * self.spec.interconnect!.latencyNs);
            })(),
          ),
        ];
        if (phase.dramBytes > 0) work.push(self.transfer(phase.dramBytes));
        if (phase.laneOps > 0) work.push(self.vectorRate.transfer(phase.laneOps));
        for (const w of work) yield w;
        if (self.linkTrack !== null) self.trace.span(self.linkTrack, `${opName}.${phase.label}`, startNs, sim.now - startNs, { linkBytes: phase.linkBytes, steps: phase.steps }, 'collective');
        return { startNs, endNs: sim.now, dramBytes: phase.dramBytes, arrayCycles: 0 };
      })(),
    );
  }

  /**
   * DRAM traffic in `mode`: with single row buffers it waits for the memory to be in that mode
   * (PIM computing blocks the NPU's reads, and the other way round), else it streams at once.
   */
  private transfer(bytes: number, mode: MemoryMode = 'npu', withLatency = false): AnyEvent {
    const sim = this.sim;
    const self = this;
    if (this.gate === null && !withLatency) return this.dram.transfer(bytes);
    return sim.process(
      (function* () {
        if (self.gate !== null) yield self.gate.acquire(mode);
        if (bytes > 0) yield self.dram.transfer(bytes);
        if (self.gate !== null) self.gate.release();
        if (withLatency) yield sim.timeout(self.spec.memory.latencyNs);
      })(),
    );
  }

  /**
   * A GEMV in the DRAM: each channel reads its sequences' rows, all banks in lockstep (a row costs
   * its activation, the multipliers' pass over it once per query vector, and its precharge),
   * between its inputs coming in and its results going out over the channel bus. Channels with
   * the same work are one process.
   */
  private runPim(phase: PimPhase, opName: string): SimEvent<PhaseResult> {
    const sim = this.sim;
    const self = this;
    const pim = this.spec.pim!;
    const columnNs = Math.max(1e9 / pim.clockHz, pim.columnAccessNs);
    const rowNs = pim.rowActivateNs + pim.rowPrechargeNs + phase.queriesPerRow * (pim.rowBytes / phase.elementBytes / pim.multipliersPerBank) * columnNs;
    const channels = placeSequences(pim, phase.sequences);
    const dramBytes = phase.sequences.reduce((a, q) => a + q.inBytes + q.outBytes, 0);
    const busiest = Math.max(...channels.map((c) => c.rows));
    const classes = new Map<string, { channels: number; rows: number; inBytes: number; outBytes: number; sequences: number }>();
    for (const c of channels) {
      if (c.sequences === 0) continue;
      const key = `${c.rows}/${c.inBytes}/${c.outBytes}`;
      const cls = classes.get(key) ?? { channels: 0, rows: c.rows, inBytes: c.inBytes, outBytes: c.outBytes, sequences: c.sequences };
      cls.channels++;
      classes.set(key, cls);
    }
    return sim.process(
      (function* () {
        const startNs = sim.now;
        // The banks' work, first start to last end over the channels (one span: the channels
        // start and end at different times, and a track's spans must nest).
        let banksStart = Infinity;
        let banksEnd = 0;
        const runs = [...classes.values()].map((load) =>
          sim.process(
            (function* () {
              if (load.inBytes > 0) yield self.transfer(load.channels * load.inBytes);
              const computeStart = sim.now;
              if (self.gate !== null) yield self.gate.acquire('pim');
              const steps = Math.ceil(load.rows / pim.banksPerChannel);
              yield sim.timeout(steps * rowNs);
              if (self.gate !== null) self.gate.release();
              banksStart = Math.min(banksStart, computeStart);
              banksEnd = Math.max(banksEnd, sim.now);
              if (load.outBytes > 0) yield self.transfer(load.channels * load.outBytes);
            })(),
          ),
        );
        for (const r of runs) yield r;
        if (self.traced && banksEnd >= banksStart) {
          self.pimTrack ??= self.trace.track(self.deviceName, 'PIM channels', 'pim');
          const used = channels.filter((c) => c.sequences > 0);
          self.trace.span(self.pimTrack, `${opName}.${phase.label}`, banksStart, banksEnd - banksStart, {
            channels: used.length, sequences: phase.sequences.length, busiestRows: busiest, meanRows: Math.round(used.reduce((a, c) => a + c.rows, 0) / used.length), rowNs,
          }, 'pim');
        }
        return { startNs, endNs: sim.now, dramBytes, arrayCycles: 0 };
      })(),
    );
  }

  private runVector(phase: VectorPhase, opName: string): SimEvent<PhaseResult> {
    const sim = this.sim;
    const self = this;
    return sim.process(
      (function* () {
        const startNs = sim.now;
        const work: AnyEvent[] = [self.vectorRate.transfer(phase.laneOps)];
        if (phase.dramBytes > 0) work.push(self.transfer(phase.dramBytes, 'npu', true));
        for (const w of work) yield w;
        if (self.vectorTrack !== null) self.trace.span(self.vectorTrack, `${opName}.${phase.label}`, startNs, sim.now - startNs, { laneOps: phase.laneOps, dramBytes: phase.dramBytes }, 'vector');
        return { startNs, endNs: sim.now, dramBytes: phase.dramBytes, arrayCycles: 0 };
      })(),
    );
  }


  private runMatrix(phase: MatrixPhase, opName: string): SimEvent<PhaseResult> {
    const sim = this.sim;
    const self = this;
    const perArray = arrayShares(this.spec, phase.folds);
    const totalTiles = phase.folds.reduce((a, f) => a + f.count, 0);
    const bytesPerTile = totalTiles > 0 ? phase.dramBytes / totalTiles : 0;
    return sim.process(
      (function* () {
        const startNs = sim.now;
        const runs: SimEvent<number>[] = [];
        perArray.forEach((classes, a) => {
          if (classes.length > 0) runs.push(self.runArray(a, stepsOf(self.spec, classes, bytesPerTile), `${opName}.${phase.label}`));
        });
        let arrayCycles = 0;
        for (const r of runs) arrayCycles += (yield r) as number;
        return { startNs, endNs: sim.now, dramBytes: phase.dramBytes, arrayCycles };
      })(),
    );
  }

  /**
   * One array's share of a phase: steps in order, each computing once its bytes have arrived,
   * while the following steps' bytes stream from DRAM. Returns the array-clocks it computed.
   */
  private runArray(index: number, steps: Step[], label: string): SimEvent<number> {
    const sim = this.sim;
    const self = this;
    const clockNs = 1e9 / this.spec.systolic.clockHz;
    return sim.process(
      (function* () {
        yield self.arrays[index]!.acquire();
        // Each step's bytes stream as two loads: its first tile's, then the rest. The array
        // starts a step once its first tile has arrived and finishes no earlier than one tile
        // after its last byte: tiles stream through the weight FIFO one by one, so a step is a
        // pipe, not a block (the exact fluid pipeline for tiles arriving at an even rate).
        const first = steps.map(() => sim.event<AnyEvent>());
        const rest = steps.map(() => sim.event<AnyEvent>());
        const started = steps.map(() => sim.event<void>());
        sim.process(
          (function* () {
            // Loads run one step ahead of the array (its weight FIFO and input buffers): step s
            // streams once step s - 1 has started, back to back with the loads before it, so a
            // bandwidth-bound phase keeps DRAM busy throughout and a compute-bound one waits
            // only for its first tile, while its DRAM traffic spreads over the phase.
            for (let s = 0; s < steps.length; s++) {
              if (s > 0 && !started[s - 1]!.triggered) yield started[s - 1]!;
              const step = steps[s]!;
              const head = step.bytes / step.tiles;
              const a = s === 0 ? self.transfer(head, 'npu', true) : head > 0 ? self.transfer(head) : sim.timeout(0);
              first[s]!.succeed(a);
              yield a;
              const b = step.tiles > 1 && step.bytes > head ? self.transfer(step.bytes - head) : sim.timeout(0);
              rest[s]!.succeed(b);
              yield b;
            }
          })(),
        );
        let clocks = fillDrainClocks(self.spec);
        for (let s = 0; s < steps.length; s++) {
          const step = steps[s]!;
          const head = first[s]!.triggered ? first[s]!.value : ((yield first[s]!) as AnyEvent);
          if (!head.triggered) yield head;
          started[s]!.succeed();
          const startNs = sim.now;
          // The first step also fills the array (and the drain of the last is folded in with it).
          const stepClocks = step.clocks + (s === 0 ? fillDrainClocks(self.spec) : 0);
          yield sim.timeout(stepClocks * clockNs);
          const tail = rest[s]!.triggered ? rest[s]!.value : ((yield rest[s]!) as AnyEvent);
          if (!tail.triggered) {
            yield tail;
            yield sim.timeout((step.clocks / step.tiles) * clockNs);
          }
          if (self.arrayTracks !== null) self.trace.span(self.arrayTracks[index]!, label, startNs, sim.now - startNs, { tiles: step.tiles, clocks: stepClocks, dramBytes: step.bytes }, 'matrix');
          clocks += step.clocks;
        }
        self.arrays[index]!.release();
        return clocks;
      })(),
    );
  }
}

/**
 * The tiles of each array: tiles are dealt out round-robin in class order, so every array gets
 * its share of every class (one more for the first arrays where the count does not divide).
 */
export function arrayShares(spec: NpuSpec, folds: FoldClass[]): FoldClass[][] {
  const n = spec.systolic.arrays;
  const out: FoldClass[][] = Array.from({ length: n }, () => []);
  let next = 0;
  for (const f of folds) {
    const base = Math.floor(f.count / n);
    const extra = f.count % n;
    for (let i = 0; i < n; i++) {
      const a = (next + i) % n;
      const count = base + (i < extra ? 1 : 0);
      if (count > 0) out[a]!.push({ count, streamRows: f.streamRows });
    }
    next = (next + extra) % n;
  }
  return out;
}

/**
 * An array's tiles in at most MAX_STEPS_PER_ARRAY steps whose sizes grow geometrically from one
 * tile and shrink back to one: a step's bytes stream while the step before computes, so a
 * compute-bound phase waits only for its first tile's bytes and a bandwidth-bound one computes
 * only its last tile after its last byte, as an array prefetching tile by tile does.
 */
function stepsOf(spec: NpuSpec, classes: FoldClass[], bytesPerTile: number): Step[] {
  const total = classes.reduce((a, c) => a + c.count, 0);
  const steps = Math.min(MAX_STEPS_PER_ARRAY, total);
  const up = Math.ceil(steps / 2);
  const upTiles = Math.max(up, Math.ceil(total / 2));
  const sizes = [...geometricSizes(upTiles, up), ...(steps > up ? geometricSizes(total - upTiles, steps - up).reverse() : [])];
  const out: Step[] = [];
  let classIndex = 0;
  let leftInClass = classes[0]?.count ?? 0;
  for (const size of sizes) {
    const step: Step = { tiles: 0, clocks: 0, bytes: 0 };
    let need = size;
    while (need > 0) {
      while (leftInClass === 0) leftInClass = classes[++classIndex]!.count;
      const take = Math.min(need, leftInClass);
      step.tiles += take;
      step.clocks += take * tileClocks(spec, classes[classIndex]!.streamRows);
      step.bytes += take * bytesPerTile;
      leftInClass -= take;
      need -= take;
    }
    out.push(step);
  }
  return out;
}

/** `steps` positive integer sizes summing to `total`, growing by a constant ratio from 1. */
export function geometricSizes(total: number, steps: number): number[] {
  if (steps <= 1) return [total];
  // The ratio whose series 1 + r + ... + r^(steps-1) reaches total (bisection; r = 1 when steps = total).
  let lo = 1;
  let hi = Math.max(2, total);
  for (let i = 0; i < 60; i++) {
    const r = (lo + hi) / 2;
    const sum = (r ** steps - 1) / (r - 1 || 1e-12);
    if (sum > total) hi = r;
    else lo = r;
  }
  const sizes: number[] = [];
  let used = 0;
  for (let i = 0; i < steps; i++) {
    const left = steps - i - 1;
    // At least 1, and leave at least one tile for each step still to come.
    const size = i === steps - 1 ? total - used : Math.max(1, Math.min(Math.round(lo ** i), total - used - left));
    sizes.push(size);
    used += size;
  }
  return sizes;
}

/** What one PIM channel holds: its sequences' cached rows and their bus traffic. */
export interface ChannelLoad {
  sequences: number;
  rows: number;
  inBytes: number;
  outBytes: number;
}

/**
 * Sequences to channels by the preset's placement: round-robin (sequence i in channel i mod
 * channels), or min-load (each in turn to the channel with the fewest cached rows so far, the
 * lowest-numbered on a tie: NeuPIMs' greedy balancing).
 */
export function placeSequences(pim: NonNullable<NpuSpec['pim']>, sequences: PimSequence[]): ChannelLoad[] {
  const out: ChannelLoad[] = Array.from({ length: pim.channels }, () => ({ sequences: 0, rows: 0, inBytes: 0, outBytes: 0 }));
  sequences.forEach((q, i) => {
    let c = i % pim.channels;
    if (pim.placement === 'min-load') {
      c = 0;
      for (let j = 1; j < out.length; j++) if (out[j]!.rows < out[c]!.rows) c = j;
    }
    const ch = out[c]!;
    ch.sequences++;
    ch.rows += Math.ceil(q.bytes / pim.rowBytes);
    ch.inBytes += q.inBytes;
    ch.outBytes += q.outBytes;
  });
  return out;
}
