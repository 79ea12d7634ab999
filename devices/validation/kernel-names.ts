/**
 * The kernel config a GEMM ran, read from the kernel names a profiler records (cuBLAS, cuBLASLt,
 * CUTLASS): what separates kernel time from kernel choice in validation, since the heuristic then
 * need not guess the library's tile.
 *
 * Orientation: the libraries are column-major. A row-major product C[m,n] = A[m,k] B[k,n] (PyTorch,
 * scripts/measure/gemm_kernels.py) runs as C^T = B^T A^T, so a name's tile "MxN" is n x m in
 * tilewave's terms: `ampere_fp16_s16816gemm_fp16_128x64_..._stages_64x4_tn` is tilewave's
 * 64x128x64 (64 rows of m, 128 columns of n, 64 deep in K).
 */

/** A GEMM kernel config read from a kernel name, in tilewave's orientation. */
export interface NamedGemmConfig {
  /** "MxNxK": rows of m, columns of n, K depth of one main-loop iteration. */
  tile: string;
  /** Pipeline stages, when the name says. */
  stages?: number;
  /** The kernel runs CTA pairs sharing an operand (Blackwell's 2-SM MMA: cuBLAS `2cta`, CUTLASS `2sm`). */
  pairedCta?: true;
  /** The architecture the kernel was built for, when the name says (sm80_, ampere_, cutlass_80: 80). */
  arch?: number;
}

/**
 * The compute capability a kernel name was built for (x10: 80, 90, 100), or undefined. cuBLAS
 * names Ampere kernels `ampere_*` and its xmma kernels `sm80_*`, `sm90_*`; CUTLASS `cutlass_80_*`,
 * `cutlass3x_sm90_*`; nvjet kernels name Blackwell's `nvjet_sm100_*` (plain `nvjet_` is Hopper's).
 */
export function archOfKernelName(name: string): number | undefined {
  const sm = /(?:^|_)sm_?(\d{2,3})(?=[a-z]?_)/.exec(name) ?? /(?:^|[<\s])cutlass_(\d{2,3})_/.exec(name);
  if (sm !== null) return Number(sm[1]);
  if (/^ampere_/.test(name)) return 80;
  if (/^(?:volta|turing)_/.test(name)) return name.startsWith('volta') ? 70 : 75;
  if (/^nvjet_/.test(name)) return 90;
  return undefined;
}

interface Pattern {
  re: RegExp;
  /** Library M (tilewave n), library N (tilewave m), K depth, stages (0: not named). */
  fields: (m: RegExpMatchArray) => [number, number, number, number];
}

const PATTERNS: Pattern[] = [
  // cuBLAS xmma (sm80_xmma_gemm_..._tilesize128x128x32_stage4_..., sm90_xmma_gemm_..._tilesize128x256x64_warpgroupsize2x1x1_...)
  { re: /tilesize(\d+)x(\d+)x(\d+)(?:_stage(\d+))?/, fields: (m) => [+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0)] },
  // cuBLAS 12.8+ nvjet kernels (nvjet_hsh_256x128_64x4_2x1_v_bz_coopA_TNN, and on Blackwell
  // nvjet_sm100_tst_128x256_64x6_2x2_2cta_h_bz_NNT): one CTA's tile, K x stages, cluster
  { re: /^nvjet_(?:sm\d+_)?[a-z0-9]+_(\d+)x(\d+)_(\d+)x(\d+)_/, fields: (m) => [+m[1]!, +m[2]!, +m[3]!, +m[4]!] },
  // CUTLASS 3 (cutlass3x_sm90_tensorop_gemm_f16_f16_f32_f16_f16_128x256x64_2x1x1_0_tnn_align8_...): tile, then cluster
  { re: /_(\d+)x(\d+)x(\d+)_\d+x\d+x\d+_/, fields: (m) => [+m[1]!, +m[2]!, +m[3]!, 0] },
  // CUTLASS 2 (cutlass_80_tensorop_f16_s16816gemm_relu_f16_256x128_32x3_tn_align8): tile, then K x stages
  { re: /_(\d+)x(\d+)_(\d+)x(\d+)_(?:[tn]{2})(?:_|$)/, fields: (m) => [+m[1]!, +m[2]!, +m[3]!, +m[4]!] },
  // CUTLASS 2 without K x stages (cutlass_75_tensorop_f16_s1688gemm_f16_256x128_tn_align1, as
  // cuBLAS names it inside `void cutlass::Kernel2<...>`): CUTLASS's default K depth of 32
  { re: /_s\d+gemm_\w*?_(\d+)x(\d+)_(?:[tn]{2})_align\d/, fields: (m) => [+m[1]!, +m[2]!, 32, 0] },
  // cuBLAS Ampere/Volta/Turing (ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn)
  { re: /gemm\w*?_(\d+)x(\d+)_\w*?stages_(\d+)x(\d+)/, fields: (m) => [+m[1]!, +m[2]!, +m[3]!, +m[4]!] },
];

/**
 * The tile of a GEMM kernel name, or null for names without one (GEMV kernels, split-K
 * reductions, elementwise kernels, names of unknown families).
 */
export function gemmConfigFromKernelName(name: string): NamedGemmConfig | null {
  for (const p of PATTERNS) {
    const match = name.match(p.re);
    if (match === null) continue;
    const [libM, libN, k, stages] = p.fields(match);
    if (!(libM > 0 && libN > 0 && k > 0)) continue;
    const paired = /_2cta_|_2sm(?:_|$)/.test(name);
    const arch = archOfKernelName(name);
    return { tile: `${libN}x${libM}x${k}`, ...(stages > 0 ? { stages } : {}), ...(paired ? { pairedCta: true as const } : {}), ...(arch !== undefined ? { arch } : {}) };
  }
  return null;
}

/** Whether a kernel name is a split-K reduction (the partials of a split-K GEMM summed). */
export function isSplitKReduction(name: string): boolean {
  return /splitK\w*reduce|reduce\w*splitK|split_k\w*reduce/i.test(name);
}

/** Names of kernels that split K internally (stream-K, segment-K, in-kernel split-K). */
function splitsInside(name: string): boolean {
  return /segment_k_on|stream_?k|splitk(?!reduce)/i.test(name);
}

/**
 * The kernel config of one measured GEMM from what the profiler recorded: `kernels`, the names of
 * the kernels one call launched ('; '-separated, in launch order), and `grid`, the main kernel's
 * grid "x,y,z". A split-K reduction among the kernels means the main kernel's grid z counts the
 * K splits (cuBLAS lays splits along z); without one, and with no name that splits K inside the
 * kernel, the GEMM ran unsplit (splitK 1, tailSplit 1). Returns null when no kernel name carries a
 * tile.
 */
export function gemmConfigFromKernels(kernels: string, grid = ''): (NamedGemmConfig & { splitK?: number; tailSplit?: number }) | null {
  const names = kernels.split(';').map((s) => s.trim()).filter((s) => s !== '');
  let config: NamedGemmConfig | null = null;
  for (const name of names) if (config === null) config = gemmConfigFromKernelName(name);
  if (config === null) return null;
  if (names.some(isSplitKReduction)) {
    const z = Number(grid.split(/[,x ]+/).filter((s) => s !== '')[2]);
    return Number.isInteger(z) && z > 1 ? { ...config, splitK: z } : config;
  }
  // Unsplit: no split-K, and no split of a persistent kernel's last round either.
  return names.some(splitsInside) ? config : { ...config, splitK: 1, tailSplit: 1 };
}

/** A GEMM op's forced kernel fields. */
export interface KernelFields {
  tile?: string;
  stages?: number;
  splitK?: number;
  tailSplit?: number;
  pairedCta?: boolean;
  /** "sync": a previous-generation (pre-Hopper) kernel, mma.sync (GemmOp.mma). */
  mma?: 'sync';
}

/**
 * Fill the fields `given` leaves unset from a kernel's name(s): the tile, its stages, and the
 * split-K and tail split it ran with (a tail split only where the kernel is not split-K), and
 * `mma: "sync"` for a kernel built for an architecture before Hopper (on a Hopper part, cuBLAS
 * still runs some sm80 kernels; on Ampere it changes nothing). Given fields win (a CSV column, a
 * CLI flag).
 */
export function withNamedKernel(given: KernelFields, kernels: string, grid = ''): KernelFields | null {
  const named = gemmConfigFromKernels(kernels, grid);
  if (named === null) return null;
  const out: KernelFields = { ...given, tile: given.tile ?? named.tile };
  const stages = given.stages ?? named.stages;
  const splitK = given.splitK ?? named.splitK;
  const tailSplit = given.tailSplit ?? ((splitK ?? 1) === 1 ? named.tailSplit : undefined);
  if (stages !== undefined) out.stages = stages;
  if (splitK !== undefined) out.splitK = splitK;
  if (tailSplit !== undefined) out.tailSplit = tailSplit;
  if (given.pairedCta === undefined && named.pairedCta) out.pairedCta = true;
  if (given.mma === undefined && named.arch !== undefined && named.arch < 90) out.mma = 'sync';
  return out;
}
