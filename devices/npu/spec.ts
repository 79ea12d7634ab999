import { z } from 'zod';

/**
 * A systolic-array NPU (TPU-like): matrix units of rows x cols multiply-accumulate cells, a vector
 * unit for everything else, on-chip SRAM, and DRAM. Every field name carries its unit; rates are
 * whole chip.
 */
const positive = (what: string) => z.number({ error: `expected a number (${what})` }).positive({ error: `expected a number > 0 (${what})` }).finite();
const positiveInt = (what: string) => z.number({ error: `expected an integer (${what})` }).int({ error: `expected an integer (${what})` }).positive({ error: `expected an integer > 0 (${what})` });
const fraction = (what: string) => z.number({ error: `expected a number in (0, 1] (${what})` }).gt(0, { error: `expected a number in (0, 1] (${what})` }).lte(1, { error: `expected a number in (0, 1] (${what})` });

/** Element types a matrix unit may multiply; each with its MACs per cell per clock. */
export const NPU_DTYPES = ['fp16', 'bf16', 'fp8'] as const;

export const NpuSpecSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'expected a lower-case id like "tpu-v4"' }),
  name: z.string().min(1),
  family: z.literal('npu'),
  /** Where the numbers come from. */
  sources: z.array(z.string()).min(1, { error: 'expected at least one source citation' }),
  systolic: z.strictObject({
    /** Matrix units (systolic arrays) on the chip; they work on different weight tiles at once. */
    arrays: positiveInt('systolic arrays'),
    /** Cells along the reduction (K) dimension: a weight tile is rows x cols. */
    rows: positiveInt('array rows (K of a weight tile)'),
    /** Cells along the output (N) dimension. */
    cols: positiveInt('array columns (N of a weight tile)'),
    clockHz: positive('array clock, Hz'),
    /**
     * Weight-stationary: a rows x cols tile of B sits in the cells while A's rows stream through,
     * one per clock; shifting a tile in takes `rows` clocks. Output-stationary: each cell
     * accumulates one element of a rows x cols tile of C while A's rows and B's columns stream
     * through it along K, a step a clock; draining a tile takes `rows` clocks. Either way the
     * shift is hidden behind the previous tile's stream when the cells double-buffer it (TPUs
     * double-buffer their weights), and the first tile's fill and the last one's drain (rows +
     * cols - 2 clocks) are paid once per run of tiles.
     */
    dataflow: z.enum(['weight-stationary', 'output-stationary'], { error: 'expected "weight-stationary" or "output-stationary"' }).default('weight-stationary'),
    /** Whether the cells double-buffer their stationary operand (weights, or accumulators). */
    doubleBufferedWeights: z.boolean().default(true),
    /** Multiply-accumulates per cell per clock, by operand dtype; a dtype not listed is not supported. */
    macsPerCellPerClock: z.partialRecord(z.enum(NPU_DTYPES), positive('MACs per cell per clock')),
  }),
  vector: z.strictObject({
    /** Lanes of the vector unit(s), whole chip: norms, activations, softmax, residual adds. */
    lanes: positiveInt('vector lanes'),
    clockHz: positive('vector clock, Hz'),
    /** Clocks of one lane per transcendental (exp, tanh, rsqrt). */
    specialOpClocks: positive('clocks per special-function op').default(1),
  }),
  sram: z.strictObject({
    /** On-chip memory for activations, operands being staged, partial sums. */
    bytes: positive('on-chip SRAM, bytes'),
  }),
  memory: z.strictObject({
    kind: z.string(),
    capacityBytes: positive('bytes'),
    bandwidthBytesPerSecond: positive('bytes/s'),
    latencyNs: z.number().nonnegative(),
  }),
  /**
   * Processing-in-memory in the DRAM (HBM-PIM, as NeuPIMs and Samsung's HBM-PIM): multipliers
   * beside every bank compute on the open row, all banks of a channel in lockstep. Decode
   * attention (a GEMV over each sequence's own KV cache) runs there instead of on the arrays.
   */
  pim: z
    .strictObject({
      channels: positiveInt('PIM channels (each sequence\'s KV cache lives in one)'),
      banksPerChannel: positiveInt('banks per channel, working in lockstep'),
      rowBytes: positiveInt('DRAM row (page) size, bytes'),
      multipliersPerBank: positiveInt('multipliers beside each bank'),
      clockHz: positive('PIM clock, Hz'),
      /**
       * Least time between two column reads of one bank (tCCD_L), ns: the multipliers take one
       * column (multipliersPerBank elements) per read, so this or the clock, whichever is slower,
       * paces them.
       */
      columnAccessNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }).default(0),
      /** Activating a row (tRCD) and precharging it (tRP), paid for every row a bank reads. */
      rowActivateNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }),
      rowPrechargeNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }),
      /**
       * "single": a bank's one row buffer serves either PIM or the NPU, so while PIM computes the
       * NPU's reads (striped over every channel) wait: blocked. "dual" (NeuPIMs): a second row
       * buffer lets both proceed at once.
       */
      rowBuffers: z.enum(['single', 'dual'], { error: 'expected "single" (PIM blocks the NPU\'s reads) or "dual" (both at once)' }).default('dual'),
      /**
       * Which channel holds each sequence's KV cache: "round-robin" (sequence i in channel i mod
       * channels) or "min-load" (each, in turn, in the channel holding the fewest cached rows so far).
       */
      placement: z.enum(['round-robin', 'min-load'], { error: 'expected "round-robin" or "min-load" (KV caches to channels)' }).default('round-robin'),
    })
    // null (`--set pim=null`): the same NPU without PIM, attention on its arrays.
    .nullish()
    .transform((v) => v ?? undefined),
  /**
   * The link to the other devices of a tensor-parallel group (one device is simulated; its peers
   * are symmetric): ring collectives cross it. Without one, collectives are an error.
   */
  interconnect: z
    .strictObject({
      /** One-way bandwidth of the device's link into the ring, bytes/s. */
      bandwidthBytesPerSecond: positive('one-way link bandwidth, bytes/s'),
      /** Latency of one ring step, ns. */
      latencyNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }),
    })
    .optional(),
  efficiency: z.strictObject({
    /** Achievable fraction of datasheet DRAM bandwidth. */
    dramFraction: fraction('fraction of datasheet DRAM bandwidth'),
    /** Fixed cost of one op (dispatch, synchronization), ns. */
    opOverheadNs: z.number({ error: 'expected a number >= 0 (ns)' }).nonnegative({ error: 'expected a number >= 0 (ns)' }).finite(),
    /** What the efficiency values rest on: a fit to measurements, or an assumption, said plainly. */
    fittedTo: z.string(),
  }),
});

export type NpuSpec = z.infer<typeof NpuSpecSchema>;
export type NpuDtype = (typeof NPU_DTYPES)[number];

/** Dense peak FLOP/s of the matrix units per supported dtype (2 FLOPs per MAC). */
export function npuPeakFlops(spec: NpuSpec): Record<string, number> {
  const s = spec.systolic;
  const out: Record<string, number> = {};
  for (const dtype of NPU_DTYPES) {
    const macs = s.macsPerCellPerClock[dtype];
    if (macs !== undefined) out[dtype] = 2 * macs * s.arrays * s.rows * s.cols * s.clockHz;
  }
  return out;
}

/** DRAM bandwidth ops reach: datasheet x dramFraction, bytes/s. */
export function npuDramBytesPerSecond(spec: NpuSpec): number {
  return spec.memory.bandwidthBytesPerSecond * spec.efficiency.dramFraction;
}
