import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The presets' link parameters are what scripts/calibrate-link.ts fits from the measured all-reduces. */
describe('scripts/calibrate-link.ts', () => {
  it.each(['a100-80gb', 'h100-80gb'])('refits %s to the values in its preset (--dry-run writes nothing)', (device) => {
    const before = readFileSync(`devices/presets/${device}.json`, 'utf8');
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/calibrate-link.ts', '--device', device, '--dry-run'], { encoding: 'utf8' });
    const link = JSON.parse(before).interconnect as { achievableFraction: number; latencyNs: number; fittedTo: string };
    expect(out).toContain(`${device}: achievableFraction=${link.achievableFraction} latencyNs=${link.latencyNs} (fitted on 9 rows with 8 GPUs)`);
    expect(link.fittedTo).toBe(`allreduce-vidur.csv ${device} rows with 8 GPUs (scripts/calibrate-link.ts)`);
    // Every GPU count is reported; the fitted one is marked.
    expect(out).toMatch(/2 GPUs \(9 rows\): median [\d.]+% p90 [\d.]+% mean signed -[\d.]+%/);
    expect(out).toMatch(/8 GPUs \(9 rows, fitted\)/);
    expect(readFileSync(`devices/presets/${device}.json`, 'utf8')).toBe(before);
  });

  it('names the problem in one line, exit 2, when the device has no measured rows', () => {
    let failure = { status: 0, stderr: '' };
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/calibrate-link.ts', '--device', 'a40', '--dry-run'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure.status).toBe(2);
    expect(failure.stderr).toBe('calibrate-link: data/measured/allreduce-vidur.csv: no all-reduce rows for a40 with 8 GPUs\n');
  });
});
