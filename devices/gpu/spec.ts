import { z } from 'zod';
import { DTYPE_BYTES } from '../../workloads/ops.ts';

/** Data types with a tensor-core (or SIMT, for fp32) rate in the spec. */
export const DTYPES = ['fp16', 'bf16', 'fp8', 'tf32', 'fp32'] as const;
export type Dtype = (typeof DTYPES)[number];

export const BYTES_PER_ELEMENT: Record<Dtype, number> = DTYPE_BYTES;

const positive = (what: string) => z.number({ error: `expected a number (${what})` }).positive({ error: `expected a number > 0 (${what})` }).finite();
const positiveInt = (what: string) => z.number({ error: `expected an integer (${what})` }).int({ error: `expected an integer (${what})` }).positive({ error: `expected an integer > 0 (${what})` });
const fraction = (what: string) => z.number({ error: `expected a number in (0, 1] (${what})` }).gt(0, { error: `expected a number in (0, 1] (${what})` }).lte(1, { error: `expected a number in (0, 1] (${what})` });

/**
 * A GPU's datasheet numbers plus a handful of fitted efficiency parameters. Every field name
 * carries its unit. Rates are dense (no sparsity), whole chip.
 */
export const GpuSpecSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a lower-case id like "h100-80gb"' }),
  name: z.string().min(1),
  family: z.literal('gpu'),
  /** Where the datasheet numbers come from. */
  sources: z.array(z.string()).min(1, { error: 'expected at least one source citation' }),
  /** Board power (TDP) the chip's clocks are managed to, W: the budget DRAM traffic draws from. */
  powerWatts: positive('board power (TDP), W').optional(),
  sm: z.strictObject({
    count: positiveInt('streaming multiprocessors'),
    clockHz: positive('boost clock, Hz'),
    maxThreadsPerSm: positiveInt('threads per SM'),
    maxBlocksPerSm: positiveInt('thread blocks per SM'),
    registersPerSm: positiveInt('32-bit registers per SM'),
    sharedMemoryBytesPerSm: positiveInt('shared memory per SM, bytes'),
    maxSharedMemoryBytesPerBlock: positiveInt('shared memory per block, bytes'),
    /** Shared-memory bandwidth per SM per clock: tensor-core operands are read from it. */
    sharedMemoryBytesPerClock: positive('shared memory bytes per clock per SM'),
    /** What one SM can pull from L2 per clock. */
    l2ToSmBytesPerClock: positive('L2-to-SM bytes per clock per SM'),
    /**
     * Operand accesses narrower than 16 bytes one SM completes per clock, global to shared memory
     * (misaligned rows: docs/what-if.md). The load/store units take 32 a clock (architecture
     * whitepapers); what the library's narrow-access kernels sustain is lower and calibrated.
     */
    narrowAccessesPerClock: positive('narrow operand accesses per clock per SM').default(32),
    /**
     * Hopper and later: GEMM libraries launch one CTA per slot that loops over output tiles, its
     * asynchronous (TMA) loads fetching the next tile while the current one computes and writes.
     * These are the cooperative kernels, two consumer warpgroups per tile (the 8-warp tiles);
     * 4-warp tiles still run one CTA per tile (see `persistentFor` in gemm-plan.ts).
     */
    persistentGemm: z.boolean().default(false),
    /**
     * Blackwell and later: a GEMM tile 128 wide in one dimension runs as one half of a CTA pair on
     * two SMs (tcgen05 MMA with cta_group::2, CUTLASS's 2SM kernels, cuBLAS's `2cta` kernels): the
     * pair computes 256 along that dimension, each CTA loads its own 128 of it and half of the
     * shared operand, and the MMA reads the other half from the peer's shared memory. So each CTA
     * pulls (and stages) half of the shared chunk, while DRAM still supplies it whole once
     * (`pairingOf` in gemm-plan.ts).
     */
    pairedCtaMma: z.boolean().default(false),
    /**
     * What-if: the GEMM heuristic may also run a tile config as stream-K (one CTA per slot, each
     * walking an equal share of all tiles' K iterations across tile boundaries; tiles cut between
     * CTAs are reduced through fp32 partials). Off on every preset: no measurement here shows
     * which shapes the libraries run that way (docs/calibration.md).
     */
    streamKGemm: z.boolean().default(false),
    /**
     * What-if: the GEMM heuristic keeps its 64-row tiles past m = 64 (libraries have them: cuBLAS's
     * `128x64` kernels are 64 rows of m for a row-major product). Off on every preset: with them the
     * model's picks run 6-8% fast on Ampere mid-m (docs/calibration.md).
     */
    smallMTilesAtAnyM: z.boolean().default(false),
    /**
     * The GEMM heuristic also weighs tiles whose m side is fitted to m, in steps of 8 up to 256
     * (m split into 1 to 8 row tiles), as cuBLAS 13's Hopper kernels are (`nvjet_..._128x104_...`:
     * 104 rows of m; data/measured/gemm-h200.csv). A property of the library a preset was measured
     * with: on for h200 (cuBLAS 13), off for h100-80gb (the older cuBLAS of its rows). Off: the
     * fixed 64/128/256-row tiles only.
     */
    mFittedTiles: z.boolean().default(false),
  }),
  tensor: z.strictObject({
    /** Dense peak FLOP/s per dtype, whole chip (fp32 = SIMT CUDA-core rate). */
    flopsPerSecond: z.partialRecord(z.enum(DTYPES), positive('FLOP/s')),
    /**
     * Fraction of those rates that warp-synchronous mma.sync instructions reach (Ampere-style
     * kernels such as FlashAttention-2): 1 where it is the native instruction (Ampere, Ada); about
     * half on Hopper, whose full rate needs the asynchronous warpgroup wgmma.
     */
    syncMmaFraction: fraction('fraction of the tensor rate reached by mma.sync').default(1),
  }),
  vector: z.strictObject({
    /** Non-tensor fp32 FLOP/s (CUDA cores), whole chip: softmax, norms, activations. */
    fp32FlopsPerSecond: positive('FLOP/s'),
    /** Special-function (exp, rsqrt) operations per second, whole chip. */
    specialFunctionOpsPerSecond: positive('ops/s'),
  }),
  l2: z.strictObject({
    sizeBytes: positive('bytes'),
    bandwidthBytesPerSecond: positive('bytes/s'),
    latencyNs: z.number().nonnegative(),
  }),
  memory: z.strictObject({
    kind: z.string(),
    capacityBytes: positive('bytes'),
    bandwidthBytesPerSecond: positive('bytes/s'),
    latencyNs: z.number().nonnegative(),
  }),
  interconnect: z
    .object({
      bandwidthBytesPerSecond: positive('bytes/s, both directions summed'),
      /** Latency of one transfer (one step of a ring collective), ns. */
      latencyNs: z.number().nonnegative(),
      /**
       * Share of the one-way link bandwidth a collective's transfers reach (NCCL's bus bandwidth
       * over the link's): channels, protocol and synchronization cost the rest. Fitted with the
       * latency by scripts/calibrate-link.ts where measured collectives exist (`fittedTo`).
       */
      achievableFraction: fraction('fraction of the one-way link bandwidth').default(1),
      fittedTo: z.string().optional(),
    })
    .optional(),
  /**
   * Fitted parameters (scripts/calibrate.ts), each with a physical meaning. `fittedTo` says which
   * data they were fitted to; presets without measurements inherit their architecture's values.
   */
  efficiency: z.strictObject({
    /** Achievable fraction of peak tensor rate under sustained load (power/clock limits, issue). */
    tensorFraction: fraction('fraction of peak tensor FLOP/s'),
    /**
     * Fraction of all SMs' full tensor rate the chip sustains at once under its power limit
     * (clocks drop when every SM computes): 1 = no limit. A partly busy chip runs faster per SM.
     */
    powerFraction: fraction('fraction of the whole chip rate under the power limit').default(1),
    /**
     * powerFraction once the chip has run at its power limit long enough for the controller to
     * settle (a long run of dense GEMMs, not a short one after idle), where it is measured
     * (data/measured/gemm-settled-h200.csv: each shape timed right after 150 ms of a heater GEMM).
     * powerFraction itself is what the calibration rows saw, a mix of states. With settleAfterNs
     * the device switches to it after a long busy stretch. Absent = not measured.
     */
    settledPowerFraction: fraction('fraction of the whole chip rate under the power limit, settled').optional(),
    /**
     * Time at the power limit after which the controller settles, ns: SMs at the limit this long
     * (the pool's averaged utilization, devices/gpu/gpu-device.ts) without a spell of
     * `settleResetIdleNs` below it drop from powerFraction to settledPowerFraction. Absent = one power state throughout (powerFraction).
     * data/measured/power-transient-h200.csv and power-recovery-h200.csv: 39-81 ms on an H200.
     */
    settleAfterNs: z.number({ error: 'expected a number > 0 (ns)' }).positive({ error: 'expected a number > 0 (ns)' }).finite().optional(),
    /** Spell below the power limit (idle, or memory-bound work) that gives the unsettled state back, ns (H200: more than 20.6 ms, at most 50.6; copies of 79.7 ms do). */
    settleResetIdleNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }).finite().optional(),
    /**
     * Energy of moving one byte between DRAM and the SMs (DRAM access and I/O, memory controllers,
     * the way through L2), pJ: while a kernel streams, that power (bytes/s x energy) comes out of
     * the board's `powerWatts`, the SMs get the rest, and their clocks drop further. Per byte, so a
     * what-if with more bandwidth also draws more power when it uses it. 0 = DRAM costs no power.
     */
    dramPicojoulesPerByte: z.number({ error: 'expected a number >= 0 (energy per DRAM byte, pJ)' }).nonnegative({ error: 'expected a number >= 0 (energy per DRAM byte, pJ)' }).finite().default(0),
    /**
     * Share of a dense GEMM CTA's power that depends on the operands' values and that an all-zero
     * A operand saves (multipliers and operand paths that do not toggle). A GEMM op's
     * `aZeroFraction` lowers its CTAs' power draw by this share times that fraction; on a
     * power-limited part (powerFraction < 1) more of them then run at full clock. 0 = power does
     * not depend on data.
     */
    zeroOperandPowerShare: z.number({ error: 'expected a number in [0, 1) (share of GEMM power an all-zero operand saves)' })
      .min(0, { error: 'expected a number in [0, 1) (share of GEMM power an all-zero operand saves)' })
      .lt(1, { error: 'expected a number in [0, 1) (share of GEMM power an all-zero operand saves)' })
      .default(0),
    /** Achievable fraction of datasheet DRAM bandwidth. */
    dramFraction: fraction('fraction of datasheet DRAM bandwidth'),
    /**
     * Fixed cost of one kernel beyond its modelled work as the calibration rows timed it, ns:
     * per-call CUDA events add the launch and the events; profiler kernel durations (what
     * gemm-vidur.csv holds, docs/calibration.md) only the kernel's own start and finish, as the
     * library of those measurements ran it. Scenarios launched one by one (`launch: "stream"`)
     * charge it per kernel.
     */
    kernelOverheadNs: z.number().nonnegative().finite(),
    /**
     * Fixed cost of one kernel replayed back to back from a CUDA graph, ns: no host launch or
     * event in it, only what a kernel costs beyond its modelled work (start, the first loads'
     * wait, the last stores, the gap to the next). Graph-timed measurements use it in place of
     * kernelOverheadNs (devices/validation/predict.ts, column `timing`), and so do scenarios run
     * with `launch: "graph"`. Absent where no graph-timed kernel of the part was measured.
     */
    graphKernelOverheadNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }).finite().optional(),
    /**
     * Achievable fraction of shared-memory bandwidth for tensor-core operand reads (ldmatrix, bank
     * conflicts, issue slots): what makes small warp tiles slower than large ones.
     */
    sharedMemoryFraction: fraction('fraction of shared-memory bandwidth'),
    /**
     * Fraction of the shorter of a pipeline step's math and its operand loads that the pipeline
     * hides behind the longer one (1: perfect overlap). The rest is exposed, so kernels near the
     * compute/memory ridge run slower than either roof (finite stages, barriers, issue slots).
     */
    overlapFraction: fraction('fraction of the shorter of math and loads hidden').default(1),
    /** Fraction of L2 capacity that holds reusable operand panels (the L2 hit model constant). */
    l2ReuseFraction: fraction('fraction of L2 capacity'),
    fittedTo: z.string(),
  }),
}).superRefine((spec, ctx) => {
  const e = spec.efficiency;
  if ((e.settleAfterNs !== undefined || e.settleResetIdleNs !== undefined) && (e.settleAfterNs === undefined || e.settleResetIdleNs === undefined || e.settledPowerFraction === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['efficiency', 'settleAfterNs'], input: e.settleAfterNs, message: 'expected settleAfterNs, settleResetIdleNs and settledPowerFraction together (the power controller settling after a busy stretch)' });
  }
  const pj = spec.efficiency.dramPicojoulesPerByte;
  // Only for an otherwise valid spec (the fields it uses have their own messages).
  if (!(pj > 0) || (spec.powerWatts !== undefined && !(spec.powerWatts > 0))) return;
  if (!(spec.memory.bandwidthBytesPerSecond > 0 && spec.efficiency.dramFraction > 0)) return;
  if (spec.powerWatts === undefined) {
    ctx.addIssue({ code: 'custom', path: ['powerWatts'], input: undefined, message: 'expected the board power in W (efficiency.dramPicojoulesPerByte needs a power budget)' });
    return;
  }
  // DRAM streaming at its full achievable rate must leave the SMs some power.
  const bytesPerSecond = dramBytesPerSecond(spec);
  const limit = spec.powerWatts / (bytesPerSecond * 1e-12);
  if (pj >= limit) {
    ctx.addIssue({
      code: 'custom',
      path: ['efficiency', 'dramPicojoulesPerByte'],
      input: pj,
      message: `expected < ${Number(limit.toPrecision(4))} (DRAM at its full ${Number((bytesPerSecond / 1e12).toPrecision(4))} TB/s would draw all of the ${spec.powerWatts} W)`,
    });
  }
});

export type GpuSpec = z.infer<typeof GpuSpecSchema>;

/** Share of the power budget that one byte/s of DRAM traffic draws (0 without a DRAM energy). */
export function dramPowerShare(spec: GpuSpec): number {
  const pj = spec.efficiency.dramPicojoulesPerByte ?? 0;
  return pj > 0 && spec.powerWatts !== undefined ? (pj * 1e-12) / spec.powerWatts : 0;
}

/** DRAM bandwidth kernels reach: datasheet x dramFraction, bytes/s. */
export function dramBytesPerSecond(spec: GpuSpec): number {
  return spec.memory.bandwidthBytesPerSecond * spec.efficiency.dramFraction;
}

/**
 * The spec as kernels replayed from a CUDA graph see it: each costs efficiency.graphKernelOverheadNs
 * in place of kernelOverheadNs. Undefined where the part has no graph-timed measurement (callers
 * say so in their own terms: a scenario's `launch`, a measured row's `timing`).
 */
/**
 * The spec as a kernel timed right after a heater (a long random-data GEMM) sees it: the settled
 * power state, whose clock the heater's data set (a controller reacting in tens of ms keeps it
 * through the kernel, so an all-zero operand buys nothing back there). Undefined without a
 * settled measurement.
 */
export function settledAfterHeater(spec: GpuSpec): GpuSpec | undefined {
  const settled = spec.efficiency.settledPowerFraction;
  return settled === undefined ? undefined : { ...spec, efficiency: { ...spec.efficiency, powerFraction: settled, zeroOperandPowerShare: 0 } };
}

export function graphReplayed(spec: GpuSpec): GpuSpec | undefined {
  const graphNs = spec.efficiency.graphKernelOverheadNs;
  return graphNs === undefined ? undefined : { ...spec, efficiency: { ...spec.efficiency, kernelOverheadNs: graphNs } };
}
