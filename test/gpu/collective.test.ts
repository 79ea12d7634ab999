import { describe, expect, it } from 'vitest';
import { simulateOpAlone } from '../../devices/gpu/simulate-op.ts';
import { resolveDevice } from '../../devices/presets.ts';
import { WorkloadOpSchema, ringAllReduceLinkBytes } from '../../workloads/index.ts';

const h100 = resolveDevice('h100-80gb');
const allreduce = (bytes: number, ranks: number) => WorkloadOpSchema.parse({ type: 'allreduce', bytes, ranks });

describe('ring all-reduce', () => {
  const link = h100.interconnect!;
  const oneWay = (link.bandwidthBytesPerSecond / 2) * link.achievableFraction;

  it('large buffers: 2 (p - 1) / p of the buffer at the achievable share of the one-way link bandwidth', () => {
    for (const ranks of [2, 4, 8]) {
      const bytes = 256 * 2 ** 20;
      const t = simulateOpAlone(h100, allreduce(bytes, ranks)).timeNs;
      const ideal = (ringAllReduceLinkBytes(bytes, ranks) / oneWay) * 1e9;
      expect(t / ideal).toBeGreaterThan(1);
      expect(t / ideal).toBeLessThan(1.05);
    }
  });

  it('small buffers: launch plus one link latency per ring step', () => {
    const t = simulateOpAlone(h100, allreduce(16 * 1024, 8)).timeNs;
    const floor = h100.efficiency.kernelOverheadNs + 2 * 7 * link.latencyNs;
    expect(t).toBeGreaterThanOrEqual(floor);
    expect(t).toBeLessThan(floor * 1.1);
  });

  it('takes twice as long at half the link bandwidth (what-if)', () => {
    const slow = { ...h100, interconnect: { ...link, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond / 2 } };
    const op = allreduce(512 * 2 ** 20, 8);
    const ratio = simulateOpAlone(slow, op).timeNs / simulateOpAlone(h100, op).timeNs;
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.01);
  });

  it('an all-gather takes the all-reduce\'s second half: (p - 1) / p of the buffer over the link, no adds', () => {
    const bytes = 256 * 2 ** 20;
    const gather = simulateOpAlone(h100, WorkloadOpSchema.parse({ type: 'allgather', bytes, ranks: 8 }));
    const reduce = simulateOpAlone(h100, allreduce(bytes, 8));
    const ideal = (((8 - 1) / 8) * bytes / oneWay) * 1e9;
    expect(gather.timeNs / ideal).toBeGreaterThan(1);
    expect(gather.timeNs / ideal).toBeLessThan(1.05);
    expect(gather.timeNs).toBeLessThan(0.52 * reduce.timeNs);
    expect(gather.configs[0]).toMatchObject({ kernel: 'ring-allgather', ranks: 8 });
  });

  it('a reduce-scatter op takes the all-reduce\'s first half; near-memory adds skip the SM work', () => {
    const bytes = 256 * 2 ** 20;
    const rs = (reduction: string) => simulateOpAlone(h100, WorkloadOpSchema.parse({ type: 'reducescatter', bytes, ranks: 8, reduction }));
    const ideal = (((8 - 1) / 8) * bytes / oneWay) * 1e9;
    expect(rs('sm').timeNs / ideal).toBeGreaterThan(1);
    expect(rs('sm').timeNs / ideal).toBeLessThan(1.05);
    expect(rs('near-memory').timeNs).toBeLessThanOrEqual(rs('sm').timeNs);
    expect(rs('sm').configs[0]).toMatchObject({ kernel: 'ring-reducescatter', ranks: 8 });
  });

  it('is a clear error on a device without a link, and for fewer than 2 ranks', () => {
    const { interconnect: _link, ...noLink } = resolveDevice('a40');
    expect(() => simulateOpAlone(noLink, allreduce(1024, 2))).toThrow(/device a40 has no "interconnect"/);
    const bad = WorkloadOpSchema.safeParse({ type: 'allreduce', bytes: 1024, ranks: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/from 2 to 1024/);
  });
});
