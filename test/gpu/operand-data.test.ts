import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { parseMeasuredCsv, type MeasuredRow } from '../../devices/validation/measured.ts';
import { residualGroups } from '../../devices/validation/groups.ts';
import { aZeroFractionOf, vidurZeroInput } from '../../devices/validation/operand-data.ts';
import { predictRow, skipReason } from '../../devices/validation/predict.ts';
import { cli } from '../regress/helpers.ts';
import { validationTrace } from '../../cli/commands/validate.ts';

function gemm(device: string, op: Record<string, unknown>, set: Record<string, unknown> = {}) {
  const scenario = parseScenario({ name: 't', device, deviceOverrides: set, workload: { ops: [{ type: 'gemm', ...op }] } });
  return runScenario(scenario).summary.ops[0]!;
}

const SHAPE = { m: 4096, n: 8192, k: 4096, tile: '256x128x64', splitK: 1 };

describe('operand data and power (aZeroFraction, efficiency.zeroOperandPowerShare)', () => {
  it('an all-zero A runs a power-limited part faster, by what the saved power buys back', () => {
    const random = gemm('h100-80gb', SHAPE, { 'efficiency.zeroOperandPowerShare': 0.1 });
    const zeros = gemm('h100-80gb', { ...SHAPE, aZeroFraction: 1 }, { 'efficiency.zeroOperandPowerShare': 0.1 });
    const half = gemm('h100-80gb', { ...SHAPE, aZeroFraction: 0.5 }, { 'efficiency.zeroOperandPowerShare': 0.1 });
    expect(zeros.durationNs).toBeLessThan(half.durationNs);
    expect(half.durationNs).toBeLessThan(random.durationNs);
    // Compute-bound and power-limited (powerFraction < 0.9): every CTA draws 0.9 of the power, so
    // the chip sustains 1/0.9 as many SMs' worth of math; launch and fill do not speed up.
    const speedup = random.durationNs / zeros.durationNs;
    expect(speedup).toBeGreaterThan(1.08);
    expect(speedup).toBeLessThanOrEqual(1 / 0.9 + 1e-9);
  });

  it('a part not power-limited gains nothing, and neither does a part whose power ignores data', () => {
    const set = { 'efficiency.zeroOperandPowerShare': 0.1, 'efficiency.powerFraction': 1 };
    expect(gemm('h100-80gb', { ...SHAPE, aZeroFraction: 1 }, set).durationNs).toBe(gemm('h100-80gb', SHAPE, set).durationNs);
    const a40Shape = { m: 4096, n: 4096, k: 4096 };
    expect(gemm('a40', { ...a40Shape, aZeroFraction: 1 }).durationNs).toBe(gemm('a40', a40Shape).durationNs);
  });

  it('bad values name the field, the value and what is expected', () => {
    expect(() => gemm('h100-80gb', { ...SHAPE, aZeroFraction: 1.5 })).toThrow(/aZeroFraction.*1\.5.*expected a number in \[0, 1\]/);
    expect(() => gemm('h100-80gb', SHAPE, { 'efficiency.zeroOperandPowerShare': 1 })).toThrow(/zeroOperandPowerShare.*expected a number in \[0, 1\)/);
  });
});

describe('tilewave gemm --a-zero-fraction', () => {
  it('runs the op on zeros and records it in the config; a value outside [0, 1] is exit 2 naming the flag', async () => {
    const args = ['gemm', '--device', 'h100-80gb', '--m', '2048', '--n', '8192', '--k', '8192', '--json'];
    const random = JSON.parse((await cli(...args)).stdout);
    const zeros = JSON.parse((await cli(...args, '--a-zero-fraction', '1')).stdout);
    expect(zeros.ops[0].config.aZeroFraction).toBe(1);
    expect(random.ops[0].config.aZeroFraction).toBeUndefined();
    expect(zeros.simulatedTimeNs).toBeLessThan(random.simulatedTimeNs);
    const bad = await cli(...args, '--a-zero-fraction', 'half');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--a-zero-fraction "half": expected a number in \[0, 1\]/);
  });
});

describe('tilewave validate on rows that ran on zeros', () => {
  it('says how many rows had zeros in A, in text and JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tilewave-zeros-'));
    try {
      const file = join(dir, 'rows.csv');
      writeFileSync(file, 'device,op,dtype,m,n,k,measured_us,source\n' +
        'h100-80gb,gemm,fp16,2048,8192,3584,140,vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj\n' +
        'h100-80gb,gemm,fp16,2048,7168,8192,330,vidur:meta-llama/Llama-2-70b-hf:mlp_up_proj\n');
      const text = await cli('validate', file, '--quiet', '--workers', '1');
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^1 row ran with zeros in A/m);
      const json = JSON.parse((await cli('validate', file, '--quiet', '--workers', '1', '--json')).stdout);
      expect(json.zeroInputRows).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('operand data of measured rows', () => {
  const row = (source: string, extra: Record<string, string> = {}): MeasuredRow =>
    ({ line: 2, device: 'h100-80gb', op: 'gemm', dtype: 'fp16', m: 4096, n: 8192, k: 3584, measuredUs: 300, source, extra });

  it("Vidur's gated down-projections ran on an all-zero input; other layers and ungated MLPs did not", () => {
    expect(vidurZeroInput('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj')).toBe(true);
    expect(vidurZeroInput('vidur:meta-llama/Llama-2-70b-hf+meta-llama/Meta-Llama-3-70B:mlp_down_proj')).toBe(true);
    expect(vidurZeroInput('vidur:microsoft/phi-2:mlp_down_proj')).toBe(false);
    expect(vidurZeroInput('vidur:meta-llama/Llama-2-70b-hf:mlp_up_proj')).toBe(false);
    expect(vidurZeroInput('measured here:mlp_down_proj')).toBe(false);
    expect(aZeroFractionOf(row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj'))).toBe(1);
    expect(aZeroFractionOf(row('vidur:meta-llama/Llama-2-70b-hf:attn_post_proj'))).toBeUndefined();
  });

  it('the a_zero_fraction column overrides what the source implies', () => {
    expect(aZeroFractionOf(row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj', { a_zero_fraction: '0' }))).toBe(0);
    expect(aZeroFractionOf(row('here', { a_zero_fraction: '0.5' }))).toBe(0.5);
    const down = predictRow(row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj'), {}, { 'efficiency.zeroOperandPowerShare': 0.1 });
    const random = predictRow(row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj', { a_zero_fraction: '0' }), {}, { 'efficiency.zeroOperandPowerShare': 0.1 });
    expect(down.predictedUs).toBeLessThan(random.predictedUs);
  });

  it('validate --by model groups rows by the models their source names', () => {
    const rows = [row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj'), row('vidur:a/b+c/d:mlp_up_proj'), row('no models here')];
    const predictions = rows.map(() => ({ predictedUs: 330, config: '' }));
    expect(Object.keys(residualGroups(rows, predictions, ['model']).devices['h100-80gb']!)).toEqual(['model=a/b+c/d', 'model=meta-llama/Llama-2-70b-hf', 'model=']);
  });

  it('validate --by azero groups rows by their operand data', () => {
    const rows = [row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj'), row('vidur:meta-llama/Llama-2-70b-hf:mlp_up_proj'), row('x', { a_zero_fraction: '0.5' })];
    const predictions = rows.map(() => ({ predictedUs: 330, config: '' }));
    expect(Object.keys(residualGroups(rows, predictions, ['azero']).devices['h100-80gb']!)).toEqual(['azero=0', 'azero=0.5', 'azero=1']);
  });

  it('the validate report carries each row\'s zeros for the viewer, only when some row has them', () => {
    const rows = [row('vidur:meta-llama/Llama-2-70b-hf:mlp_down_proj'), row('vidur:meta-llama/Llama-2-70b-hf:mlp_up_proj')];
    const predictions = rows.map(() => ({ predictedUs: 330, config: '' }));
    const validation = (t: ReturnType<typeof validationTrace>) => (t.otherData as { tilewave: { validation: { aZero?: number[] } } }).tilewave.validation;
    expect(validation(validationTrace('v.csv', rows, predictions)).aZero).toEqual([1, 0]);
    expect(validation(validationTrace('v.csv', rows.slice(1), predictions.slice(1))).aZero).toBeUndefined();
  });

  it('a bad a_zero_fraction cell is a skipped row naming the column', () => {
    const csv = 'device,op,dtype,m,n,k,a_zero_fraction,measured_us,source\nh100-80gb,gemm,fp16,64,64,64,lots,5,t\nh100-80gb,gemm,fp16,64,64,64,2,5,t\n';
    const { rows } = parseMeasuredCsv(csv, 't.csv');
    expect(skipReason(rows[0]!)).toMatch(/column "a_zero_fraction" = "lots": expected a number in \[0, 1\]/);
    expect(skipReason(rows[1]!)).toMatch(/column "a_zero_fraction" = 2: expected a number in \[0, 1\]/);
  });
});
