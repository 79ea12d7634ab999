import type { Command } from 'commander';
import { npuPresetIds, presetIds, resolveAnyDevice, resolveDevice, resolveNpu } from '../../devices/presets.ts';
import { npuPeakFlops } from '../../devices/npu/spec.ts';
import { formatSi, table } from '../format.ts';
import { toJson } from '../io.ts';

export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('list device presets (or show one in full with --show ID)')
    .option('--show <id>', 'print one preset as JSON')
    .option('--json', 'print all presets as JSON')
    .action((opts) => {
      if (opts.show) {
        process.stdout.write(toJson(resolveAnyDevice(opts.show)));
        return;
      }
      const specs = presetIds().map((id) => resolveDevice(id));
      const npus = npuPresetIds().map((id) => resolveNpu(id));
      if (opts.json) {
        process.stdout.write(toJson([...specs, ...npus]));
        return;
      }
      process.stdout.write(
        `${table(
          ['id', 'name', 'SMs', 'fp16 dense', 'memory', 'bandwidth', 'L2', 'link', 'calibration'],
          specs.map((s) => [
            s.id, s.name, String(s.sm.count), formatSi(s.tensor.flopsPerSecond.fp16 ?? 0, 'FLOP/s'),
            `${formatSi(s.memory.capacityBytes, 'B')} ${s.memory.kind}`, formatSi(s.memory.bandwidthBytesPerSecond, 'B/s'),
            formatSi(s.l2.sizeBytes, 'B'), s.interconnect ? formatSi(s.interconnect.bandwidthBytesPerSecond, 'B/s') : '-', s.efficiency.fittedTo,
          ]),
        )}\n`,
      );
      if (npus.length === 0) return;
      process.stdout.write(
        `\nsystolic NPUs\n${table(
          ['id', 'name', 'arrays', 'peak', 'memory', 'bandwidth', 'SRAM', 'calibration'],
          npus.map((s) => [
            s.id, s.name, `${s.systolic.arrays} x ${s.systolic.rows}x${s.systolic.cols}`,
            Object.entries(npuPeakFlops(s)).map(([d, f]) => `${formatSi(f, 'FLOP/s')} ${d}`).join(', '),
            `${formatSi(s.memory.capacityBytes, 'B')} ${s.memory.kind}`, formatSi(s.memory.bandwidthBytesPerSecond, 'B/s'), formatSi(s.sram.bytes, 'B'), s.efficiency.fittedTo,
          ]),
        )}\n`,
      );
    });
}
