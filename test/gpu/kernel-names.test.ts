import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { gemmConfigFromKernelName, gemmConfigFromKernels, isSplitKReduction, withNamedKernel } from '../../devices/validation/kernel-names.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tilewave.mjs');
const tilewave = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('GEMM configs from profiler kernel names', () => {
  // Library tiles are column-major M x N: for a row-major product that is n x m, so they swap.
  it.each([
    ['ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn', '64x128x64', 4, 80],
    ['ampere_fp16_s16816gemm_fp16_256x128_ldg8_f2f_stages_32x3_tn', '128x256x32', 3, 80],
    ['ampere_bf16_s16816gemm_bf16_64x64_sliced1x2_ldg8_f2f_stages_64x5_tn', '64x64x64', 5, 80],
    ['ampere_h16816gemm_256x128_ldg8_stages_32x3_tn', '128x256x32', 3, 80],
    ['sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize160x128x32_stage4_warpsize2x2x1_tensor16x8x16_kernel', '128x160x32', 4, 80],
    ['sm90_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x256x64_warpgroupsize2x1x1_execute_segment_k_off_kernel__5x_cublas', '256x128x64', undefined, 90],
    ['cutlass_80_tensorop_f16_s16816gemm_relu_f16_256x128_32x3_tn_align8', '128x256x32', 3, 80],
    ['nvjet_hsh_256x128_64x4_2x1_v_bz_coopA_TNN', '128x256x64', 4, 90],
    ['cutlass3x_sm90_tensorop_gemm_f16_f16_f32_f16_f16_128x256x64_2x1x1_0_tnn_align8_warpspecialized_cooperative_epi_tma', '256x128x64', undefined, 90],
    // cuBLAS 13 on an H200 for misaligned rows, wrapped as it names them; no K x stages: CUTLASS's K of 32
    ['void cutlass::Kernel2<cutlass_80_tensorop_f16_s16816gemm_f16_256x128_64x3_tn_align2>(cutlass_80_tensorop_f16_s16816gemm_f16_256x128_64x3_tn_align2::Params)', '128x256x64', 3, 80],
    ['void cutlass::Kernel2<cutlass_75_tensorop_f16_s1688gemm_f16_256x128_tn_align1>(cutlass_75_tensorop_f16_s1688gemm_f16_256x128_tn_align1::Params)', '128x256x32', undefined, 75],
    ['nvjet_sm90_hsh_128x104_64x8_1x2_h_bz_coopB_TNT', '104x128x64', 8, 90],
  ])('%s -> %s', (name, tile, stages, arch) => {
    expect(gemmConfigFromKernelName(name)).toEqual(stages === undefined ? { tile, arch } : { tile, stages, arch });
  });

  it('a kernel built for an architecture before Hopper runs as mma.sync (on a Hopper part cuBLAS still picks some)', () => {
    const sm80 = 'sm80_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x256x32_stage3_warpsize2x4x1_tensor16x8x16_kernel';
    expect(withNamedKernel({}, sm80)).toMatchObject({ tile: '256x128x32', mma: 'sync' });
    expect(withNamedKernel({}, 'nvjet_hsh_256x128_64x4_2x1_v_bz_coopA_TNN')?.mma).toBeUndefined();
    expect(withNamedKernel({}, 'gemm_without_a_known_prefix_128x128_ldg8_stages_64x3_tn')?.mma).toBeUndefined();
    // Simulated: the same tile, mma.sync, one CTA per tile; on an A100 the name changes nothing.
    const run = (device: string, kernel: string) => JSON.parse(tilewave(['gemm', '--device', device, '--m', '4096', '--n', '4096', '--k', '4096', '--kernel', kernel, '--json']).stdout);
    const h100 = run('h100-80gb', sm80);
    expect(h100.ops[0].config).toMatchObject({ tile: '256x128x32', mma: 'sync' });
    expect(h100.ops[0].config.persistent).toBeUndefined();
    const native = run('h100-80gb', 'sm90_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x256x32_warpgroupsize2x1x1_execute_segment_k_off_kernel__5x_cublas');
    expect(h100.simulatedTimeNs / native.simulatedTimeNs).toBeGreaterThan(1.3);
    const a100 = run('a100-80gb', sm80);
    expect(a100.ops[0].config.mma).toBeUndefined();
  });

  it('Blackwell names: one CTA\'s tile, and whether CTAs pair up (cuBLAS 2cta, CUTLASS 2sm)', () => {
    expect(gemmConfigFromKernelName('nvjet_sm100_tst_128x256_64x6_2x2_2cta_h_bz_NNT')).toEqual({ tile: '256x128x64', stages: 6, pairedCta: true, arch: 100 });
    expect(gemmConfigFromKernelName('nvjet_sm100_tst_32x64_64x16_4x1_v_bz_splitK_TNN')).toEqual({ tile: '64x32x64', stages: 16, arch: 100 });
    expect(gemmConfigFromKernelName('cutlass3x_sm100_tensorop_gemm_f16_f16_f32_f16_f16_256x128x64_2x1x1_0_tnn_align8_2sm')).toEqual({ tile: '128x256x64', pairedCta: true, arch: 100 });
  });

  it('names without a tile (GEMV, split-K reduction, elementwise) give none', () => {
    for (const name of [
      'void gemv2T_kernel_val<int, int, __half, __half, float, float, 128, 16, 4, 4, false, false, cublasGemvParamsEx<int, __half const*, __half const*, __half>>(cublasGemvParamsEx<int, __half const*, __half const*, __half>, float, float)',
      'void splitKreduce_kernel<32, 16, int, float, __half, float, __half, true, false, false>(cublasSplitKParams<float>, float const*, __half const*, __half*, float const*, float const*, __half const*, float const*, __half*, void*, long, float*, int*)',
      'void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<c10::Half>, at::detail::Array<char*, 1>>(int, at::native::FillFunctor<c10::Half>, at::detail::Array<char*, 1>)',
    ]) expect(gemmConfigFromKernelName(name)).toBeNull();
    expect(isSplitKReduction('void splitKreduce_kernel<32, 16, int, float, __half>(cublasSplitKParams<float>)')).toBe(true);
    expect(isSplitKReduction('ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn')).toBe(false);
  });

  it('a split-K reduction among the launched kernels makes the main grid\'s z the split count', () => {
    const main = 'ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn';
    const reduce = 'void splitKreduce_kernel<32, 16, int, float, __half>(cublasSplitKParams<float>)';
    expect(gemmConfigFromKernels(`${main}; ${reduce}`, '43,2,3')).toEqual({ tile: '64x128x64', stages: 4, splitK: 3, arch: 80 });
    // No reduction: unsplit, and z is not a split count (batched GEMMs lay batches along z).
    expect(gemmConfigFromKernels(main, '43,2,3')).toEqual({ tile: '64x128x64', stages: 4, splitK: 1, tailSplit: 1, arch: 80 });
    // A reduction but no split count in the grid: the heuristic picks the split for that tile.
    expect(gemmConfigFromKernels(`${reduce}; ${main}`, '43 2 1')).toEqual({ tile: '64x128x64', stages: 4, arch: 80 });
    // A kernel that splits K inside itself (segment-K on): left to the heuristic too.
    expect(gemmConfigFromKernels('sm90_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x256x64_warpgroupsize2x1x1_execute_segment_k_on_kernel__5x_cublas')).toEqual({ tile: '256x128x64', arch: 90 });
    expect(gemmConfigFromKernels('sm90_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x256x64_warpgroupsize2x1x1_execute_segment_k_off_kernel__5x_cublas')).toEqual({ tile: '256x128x64', splitK: 1, tailSplit: 1, arch: 90 });
    expect(gemmConfigFromKernels('void gemv2T_kernel_val<int, int, __half>(float)', '1,1,1')).toBeNull();
  });
});

describe('tilewave validate with a kernel column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-kernels-'));
  const csv = join(dir, 'rows.csv');
  writeFileSync(csv, [
    'device,op,dtype,m,n,k,measured_us,source,kernel,grid',
    'a100-80gb,gemm,fp16,192,2752,4096,30,test,ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn,"22,3,1"',
    'a100-80gb,gemm,fp16,192,2752,4096,30,test,"ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn; void splitKreduce_kernel<32, 16, int, float, __half>(cublasSplitKParams<float>)","22,3,2"',
    'a100-80gb,gemm,fp16,1,4096,4096,20,test,"void gemv2T_kernel_val<int, int, __half>(float)","1,1,1"',
    'a40,gemm,fp16,4096,4096,4096,1000,test,sm90_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize128x256x64_warpgroupsize2x1x1_execute_segment_k_off_kernel__5x_cublas,',
  ].join('\n'));

  it('simulates the named tile (and split-K), leaves names without a tile to the heuristic, and skips a tile the device cannot run, naming the column', () => {
    const rowsOut = join(dir, 'pred.csv');
    const r = tilewave(['validate', csv, '--json', '--workers', '1', '--quiet', '--rows', rowsOut]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.overall.count).toBe(3);
    expect(report.skipped.count).toBe(1);
    const [reason] = Object.keys(report.skipped.reasons);
    expect(reason).toMatch(/^column "kernel" \(read as tile = "256x128x64"\)/);
    const rows = parse(readFileSync(rowsOut, 'utf8'), { columns: true }) as { config: string }[];
    expect(rows.map((x) => x.config)).toEqual(['64x128x64', '64x128x64 splitK=2', expect.not.stringMatching(/^$/)]);
  });
});

describe('tilewave gemm --kernel', () => {
  it('simulates the tile a kernel name says; a name without a tile, or with --tile, is exit 2', () => {
    const name = 'ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn';
    const r = tilewave(['gemm', '--device', 'a40', '--m', '192', '--n', '2752', '--k', '4096', '--kernel', name, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const config = JSON.parse(r.stdout).ops[0].config;
    expect(config.tile).toBe('64x128x64');
    expect(config.grid).toBe('3x22x1');
    expect(config.stages).toBe(4);
    // The name's pipeline depth is simulated: 6 stages of 32-deep K; --stages overrides it.
    const six = tilewave(['gemm', '--device', 'a40', '--m', '192', '--n', '2752', '--k', '4096', '--kernel', name.replace('stages_64x4', 'stages_32x6'), '--json']);
    expect(JSON.parse(six.stdout).ops[0].config).toMatchObject({ tile: '64x128x32', stages: 6 });
    const two = tilewave(['gemm', '--device', 'a40', '--m', '192', '--n', '2752', '--k', '4096', '--kernel', name, '--stages', '2', '--json']);
    expect(JSON.parse(two.stdout).ops[0].config).toMatchObject({ tile: '64x128x64', stages: 2 });
    // A Hopper kernel with segment-K off ran unsplit: no tail split where the heuristic would cut the last round.
    const hopper = (segment: 'on' | 'off') => JSON.parse(tilewave(['gemm', '--device', 'h100-80gb', '--m', '3904', '--n', '1280', '--k', '8192', '--json', '--kernel',
      `sm90_xmma_gemm_f16f16_f16f32_f32_tn_n_tilesize256x128x64_warpgroupsize2x1x1_execute_segment_k_${segment}_kernel__5x_cublas`]).stdout).ops[0].config;
    expect(hopper('off')).toMatchObject({ tile: '128x256x64', splitK: 1 });
    expect(hopper('off').tailSplit ?? 1).toBe(1);
    expect(hopper('on').tailSplit).toBeGreaterThan(1);
    // Stages without a tile are exit 2 naming the field.
    const alone = tilewave(['gemm', '--device', 'a40', '--m', '192', '--n', '2752', '--k', '4096', '--stages', '4']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toMatch(/stages.*expected a tile with stages/);
    for (const args of [['--kernel', 'void gemv2T_kernel_val<int, int, __half>(float)'], ['--kernel', name, '--tile', '128x128x64']]) {
      const bad = tilewave(['gemm', '--device', 'a40', '--m', '192', '--n', '2752', '--k', '4096', ...args]);
      expect(bad.status).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(/--kernel|--tile/);
    }
  });
});

describe('scripts/measure (the measurement harnesses)', () => {
  const script = join(import.meta.dirname, '..', '..', 'scripts', 'measure', 'gemm_kernels.py');
  const hasPython = spawnSync('python3', ['--version']).status === 0;

  it.skipIf(!hasPython)('reads kernel names and the main grid from a profiler trace, and lists shapes without a GPU', () => {
    const self = spawnSync('python3', [script, '--self-test'], { encoding: 'utf8' });
    expect(self.status, self.stderr).toBe(0);
    const dry = spawnSync('python3', [script, '--m', '64:192:64', '--n', '4096', '--k', '1024,2048', '--every', '2', '--dry-run'], { encoding: 'utf8' });
    expect(dry.status, dry.stderr).toBe(0);
    // --every samples m within each weight shape (64 and 192 of k = 1024, 128 of k = 2048), and the
    // grid runs coarse first: every shape's first m, then the rest, so a stopped run covers all shapes.
    expect(dry.stdout.trim().split('\n')).toEqual(['64,4096,1024', '128,4096,2048', '192,4096,1024']);
    const pairs = spawnSync('python3', [script, '--m', '1,8,16,24', '--nk', '8192x28672,1280x8192', '--dry-run'], { encoding: 'utf8' });
    expect(pairs.stdout.trim().split('\n')).toEqual(['1,8192,28672', '1,1280,8192', '16,8192,28672', '16,1280,8192', '8,8192,28672', '24,8192,28672', '8,1280,8192', '24,1280,8192']);
    const bad = spawnSync('python3', [script, '--m', '0', '--n', '1', '--k', '1', '--dry-run'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim()).toBe("--m = '0': expected at least one integer >= 1");
    // The attention harness: the papers' setup (batch x seq = 16k tokens, heads x head_dim = 2048).
    const attention = join(import.meta.dirname, '..', '..', 'scripts', 'measure', 'attention_kernels.py');
    const setups = spawnSync('python3', [attention, '--seq', '512,16384', '--head-dim', '128', '--causal', 'true', '--dry-run'], { encoding: 'utf8' });
    expect(setups.status, setups.stderr).toBe(0);
    expect(setups.stdout.trim().split('\n')).toEqual(['batch=32 heads=16 seq=512 head_dim=128 causal=true', 'batch=1 heads=16 seq=16384 head_dim=128 causal=true']);
    const sequence = join(import.meta.dirname, '..', '..', 'scripts', 'measure', 'layer_sequence.py');
    const runs = spawnSync('python3', [sequence, '--models', 'llama-2-7b', '--tp', '1,8', '--m', '2048', '--dry-run'], { encoding: 'utf8' });
    expect(runs.stdout.trim().split('\n')).toEqual(['llama-2-7b tp 1 m 2048 down zero', 'llama-2-7b tp 1 m 2048 down randn', 'llama-2-7b tp 8 m 2048 down zero', 'llama-2-7b tp 8 m 2048 down randn']);
    const unknown = spawnSync('python3', [sequence, '--models', 'gpt-5', '--dry-run'], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/--models: 'gpt-5' is not one of llama-2-7b/);
    const transient = join(import.meta.dirname, '..', '..', 'scripts', 'measure', 'power_transient.py');
    const badData = spawnSync('python3', [transient, '--data', 'ones', '--dry-run'], { encoding: 'utf8' });
    expect(badData.status).not.toBe(0);
    expect(badData.stderr.trim()).toBe("--data = 'ones': expected randn, zero-a or randn,zero-a");
  });

  it.skipIf(!hasPython)('end to end on a stand-in PyTorch: both harnesses write CSVs that validate reads, with the named tile simulated', () => {
    // test/fixtures/fake-torch: events 12.5 µs apart, one sm90 kernel named per call.
    const env = { ...process.env, PYTHONPATH: join(import.meta.dirname, '..', 'fixtures', 'fake-torch') };
    const dir = mkdtempSync(join(tmpdir(), 'tw-measure-'));
    const gemmOut = join(dir, 'gemm.csv');
    const g = spawnSync('python3', [script, '--m', '128,4096', '--n', '8192', '--k', '8192', '--out', gemmOut], { encoding: 'utf8', env });
    expect(g.status, g.stderr).toBe(0);
    expect(g.stderr).toMatch(/2 shapes on h200/);
    // --graph: the stand-in's graphs replay 10 µs a call; the per-call event time and the
    // profiler's kernel time stay beside it, and the rows say how they were timed.
    const graphOut = join(dir, 'gemm-graph.csv');
    const gg = spawnSync('python3', [script, '--graph', '--m', '128', '--n', '8192', '--k', '8192', '--out', graphOut], { encoding: 'utf8', env });
    expect(gg.status, gg.stderr).toBe(0);
    const graphRows = parse(readFileSync(graphOut, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(graphRows.map((r) => [r.measured_us, r.timing, r.event_us, r.kernel_us, r.graph_calls, r.kernels_us])).toEqual([['10.00', 'graph', '12.50', '11.00', '50', '11.00']]);
    const attention = join(import.meta.dirname, '..', '..', 'scripts', 'measure', 'attention_kernels.py');
    const attnOut = join(dir, 'attention.csv');
    const a = spawnSync('python3', [attention, '--impl', 'standard', '--seq', '512,1024', '--head-dim', '64', '--causal', 'false', '--out', attnOut], { encoding: 'utf8', env });
    expect(a.status, a.stderr).toBe(0);
    const rowsOut = join(dir, 'pred.csv');
    const v = tilewave(['validate', gemmOut, '--json', '--quiet', '--workers', '1', '--rows', rowsOut]);
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).devices.h200.count).toBe(2);
    const rows = parse(readFileSync(rowsOut, 'utf8'), { columns: true }) as { config: string; measured_us: string }[];
    expect(rows.map((r) => [r.config, r.measured_us])).toEqual([['256x128x64', '12.5'], ['256x128x64', '12.5']]);
    expect(readFileSync(gemmOut, 'utf8').split('\n')[1]).toMatch(/,events,/);
    // NVML (a stand-in too) read while the kernels ran: SM clock and board power per row.
    const measured = parse(readFileSync(gemmOut, 'utf8'), { columns: true }) as { sm_clock_mhz: string; power_w: string }[];
    expect(measured.map((r) => [r.sm_clock_mhz, r.power_w])).toEqual([['1755', '612'], ['1755', '612']]);
    // Each kernel's profiled duration beside its name, in launch order.
    const attnRows = parse(readFileSync(attnOut, 'utf8'), { columns: true }) as { kernel: string; kernel_us: string }[];
    expect(attnRows.map((r) => [r.kernel.split('; ').length, r.kernel_us])).toEqual([[1, '11.00'], [1, '11.00']]);
    const va = tilewave(['validate', attnOut, '--json', '--quiet', '--workers', '1']);
    expect(va.status, va.stderr).toBe(0);
    expect(JSON.parse(va.stdout).devices.h200.count).toBe(2);
    // The one-call device session: gemm-vidur.csv's 44 weight shapes x 259 token counts, every 4th.
    const all = spawnSync('bash', [join(import.meta.dirname, '..', '..', 'scripts', 'measure', 'run-all.sh')], { encoding: 'utf8', env: { ...env, OUT: join(dir, 'all'), BUDGET_S: '60', IDLE_S: '0' } });
    expect(all.status, all.stderr).toBe(0);
    const gemmRows = parse(readFileSync(join(dir, 'all', 'gemm.csv'), 'utf8'), { columns: true }) as { m: string; n: string; k: string }[];
    expect(gemmRows).toHaveLength(Math.ceil((44 * 259) / 4));
    expect(new Set(gemmRows.map((r) => `${r.n}x${r.k}`)).size).toBe(44);
    // Each row names its layer: validate --by layer groups the new rows like gemm-vidur.csv's.
    const byLayer = tilewave(['validate', join(dir, 'all', 'gemm.csv'), '--json', '--quiet', '--every', '50', '--by', 'layer']);
    expect(byLayer.status, byLayer.stderr).toBe(0);
    expect(Object.keys(JSON.parse(byLayer.stdout).groups.devices.h200).sort()).toEqual(['layer=attn_post_proj', 'layer=attn_pre_proj', 'layer=mlp_down_proj', 'layer=mlp_up_proj']);
    expect(readFileSync(join(dir, 'all', 'attention.csv'), 'utf8').trim().split('\n')).toHaveLength(25);
    // Decode attention: 5 batches x 6 cache lengths, graph-timed, simulated as split-KV rows.
    const decodeOut = join(dir, 'all', 'decode-attention.csv');
    const decode = parse(readFileSync(decodeOut, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(decode).toHaveLength(30);
    expect(decode[0]).toMatchObject({ impl: 'split-kv', seq_q: '1', heads: '32', kv_heads: '4', timing: 'graph', kernel_us: '11.00' });
    const vd = tilewave(['validate', decodeOut, '--json', '--quiet', '--workers', '1']);
    expect(vd.status, vd.stderr).toBe(0);
    expect(JSON.parse(vd.stdout).devices.h200.count).toBe(30);
    // Operand data: the 44 weight shapes at m = 512..4096 on an all-zero input, marked as such.
    const zeroOut = join(dir, 'all', 'gemm-zero-a.csv');
    const zeroRows = parse(readFileSync(zeroOut, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(zeroRows).toHaveLength(44 * 4);
    expect(new Set(zeroRows.map((r) => r.a_zero_fraction))).toEqual(new Set(['1']));
    expect(zeroRows[0]!.source).toMatch(/zero-a data/);
    expect(new Set(gemmRows.map((r) => (r as Record<string, string>).a_zero_fraction))).toEqual(new Set(['0']));
    // A block's layers back to back: 4 models x 4 tp x 3 m x 2 down-projection inputs, 4 layers each,
    // split per layer by each layer's own kernel count; zeros only on the zero-input down-projections.
    const seqOut = join(dir, 'all', 'layer-sequence.csv');
    const seq = parse(readFileSync(seqOut, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(seq).toHaveLength(4 * 4 * 3 * 2 * 4);
    expect(seq.filter((r) => r.a_zero_fraction === '1').every((r) => r.layer === 'mlp_down_proj' && /input zero$/.test(r.source!))).toBe(true);
    expect(seq.filter((r) => r.a_zero_fraction === '1')).toHaveLength(4 * 4 * 3);
    // Llama-3-70B at tp 8: QKV 1280 x 8192, output 8192 x 1024, merged gate+up 7168 x 8192, down 8192 x 3584.
    expect(seq.filter((r) => r.model === 'llama-3-70b' && r.tp === '8' && r.m === '2048' && r.a_zero_fraction === '1').map((r) => r.layer)).toEqual(['mlp_down_proj']);
    expect(seq.filter((r) => r.model === 'llama-3-70b' && r.tp === '8' && r.m === '2048' && /input randn$/.test(r.source!)).map((r) => `${r.n}x${r.k}`)).toEqual(['1280x8192', '8192x1024', '7168x8192', '8192x3584']);
    expect(seq[0]!.kernels_us!.split('; ')).toHaveLength(20);
    const vs = tilewave(['validate', seqOut, '--json', '--quiet', '--every', '20']);
    expect(vs.status, vs.stderr).toBe(0);
    expect(JSON.parse(vs.stdout).devices.h200.count).toBe(Math.ceil(seq.length / 20));
    // The power transient: every kernel of each run with its start, and NVML's readings beside them.
    const transient = parse(readFileSync(join(dir, 'all', 'power-transient.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(new Set(transient.map((r) => r.data))).toEqual(new Set(['randn', 'zero-a']));
    expect(transient.filter((r) => r.data === 'randn').map((r) => Number(r.start_us)).slice(0, 3)).toEqual([0, 20, 40]);
    const nvml = parse(readFileSync(join(dir, 'all', 'power-transient.nvml.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(nvml.length).toBeGreaterThan(0);
    expect(nvml[0]).toMatchObject({ sm_clock_mhz: '1755', power_w: '612' });
    // The row-alignment sweep: k = 8185..8200, and GPT-2's vocabulary beside its padded size.
    const aligned = parse(readFileSync(join(dir, 'all', 'gemm-alignment.csv'), 'utf8'), { columns: true }) as { k: string }[];
    expect(aligned.map((r) => Number(r.k))).toEqual(Array.from({ length: 16 }, (_, i) => 8185 + i));
    const vocab = parse(readFileSync(join(dir, 'all', 'gemm-vocab.csv'), 'utf8'), { columns: true }) as { n: string }[];
    expect(vocab.map((r) => r.n)).toEqual(['50257', '50304']);
    const props = JSON.parse(readFileSync(join(dir, 'all', 'gpu-properties.json'), 'utf8')).properties;
    expect(props.multi_processor_count).toEqual({ value: 132, preset: 'sm.count' });
    expect(props.L2_cache_size.preset).toBe('l2.sizeBytes');
  });
});
