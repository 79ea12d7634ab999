import type { Command } from 'commander';
import { presetIds, resolveDevice } from '../../devices/presets.ts';
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
        process.stdout.write(toJson(resolveDevice(opts.show)));
        return;
      }
      const specs = presetIds().map((id) => resolveDevice(id));
      if (opts.json) {
        process.stdout.write(toJson(specs));
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
    });
}
