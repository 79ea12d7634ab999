import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeasuredCsv } from '../../devices/validation/measured.ts';
import { ROW_OPS, predictRow, skipReason } from '../../devices/validation/predict.ts';

describe('measured all-reduce rows (data/measured/allreduce-vidur.csv)', () => {
  const { rows, skipped } = parseMeasuredCsv(readFileSync('data/measured/allreduce-vidur.csv', 'utf8'), 'allreduce-vidur.csv');

  it('cover 2, 4 and 8 GPUs of one node, 2 KB to 64 MB, on a100-80gb and h100-80gb', () => {
    expect(skipped).toEqual([]);
    expect(rows).toHaveLength(54);
    for (const device of ['a100-80gb', 'h100-80gb']) {
      for (const ranks of ['2', '4', '8']) {
        const group = rows.filter((r) => r.device === device && r.extra.ranks === ranks);
        expect(new Set(group.map((r) => Number(r.extra.bytes)))).toEqual(new Set([2048, ...Array.from({ length: 7 }, (_, i) => 2 ** (20 + i))]));
      }
    }
    for (const row of rows) {
      expect(skipReason(row)).toBeNull();
      expect(ROW_OPS[row.op]!(row)).toEqual({ type: 'allreduce', bytes: Number(row.extra.bytes), ranks: Number(row.extra.ranks), dtype: 'fp16', stream: 0, after: [] });
      expect(Number(row.extra.min_us)).toBeLessThanOrEqual(row.measuredUs);
      expect(Number(row.extra.max_us)).toBeGreaterThanOrEqual(row.measuredUs);
    }
  });

  it('simulate as a ring all-reduce whose time grows with the buffer and the GPU count', () => {
    const at = (device: string, ranks: number, bytes: number) => {
      const row = rows.find((r) => r.device === device && r.extra.ranks === String(ranks) && r.extra.bytes === String(bytes))!;
      return predictRow(row);
    };
    for (const device of ['a100-80gb', 'h100-80gb']) {
      const big = at(device, 8, 2 ** 26);
      expect(big.config).toBe('ring-allreduce channels=16');
      expect(big.predictedUs).toBeGreaterThan(at(device, 8, 2 ** 25).predictedUs);
      expect(big.predictedUs).toBeGreaterThan(at(device, 4, 2 ** 26).predictedUs);
      // The large buffer moves 2 (p - 1) / p of itself over one direction of the link.
      const spec = JSON.parse(readFileSync(`devices/presets/${device}.json`, 'utf8')) as { interconnect: { bandwidthBytesPerSecond: number } };
      const linkUs = ((2 * 7) / 8) * 2 ** 26 / (spec.interconnect.bandwidthBytesPerSecond / 2) * 1e6;
      expect(big.predictedUs).toBeGreaterThan(linkUs);
    }
  });

  it('a row without a buffer size or with one GPU is skipped, naming the column', () => {
    const row = rows[0]!;
    expect(skipReason({ ...row, extra: { ...row.extra, bytes: '' } })).toMatch(/^column "bytes" = missing: expected an integer >= 1/);
    expect(skipReason({ ...row, extra: { ...row.extra, ranks: '1' } })).toMatch(/^column "ranks" = 1: expected an integer from 2 to 1024/);
    expect(skipReason({ ...row, extra: { ...row.extra, bytes: 'abc' } })).toMatch(/^column "bytes" = "abc": expected an integer >= 1/);
  });
});
