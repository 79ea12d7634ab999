import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../devices/scenario.ts';
import { loadSuite } from '../../regress/suite.ts';
import { readSummary } from '../../regress/summary-file.ts';

// The suite itself runs in .ci/run (tilewave check suites/reference); this keeps its files coherent.
describe('suites/reference', () => {
  const suite = loadSuite('suites/reference');

  it('has 6 to 14 scenarios (CI stays short) on A100, H100, A40 and the tpu-v4 NPU, each with a valid, byte-stable baseline', () => {
    expect(suite.cases.length).toBeGreaterThanOrEqual(6);
    expect(suite.cases.length).toBeLessThanOrEqual(14);
    expect(suite.orphanBaselines).toEqual([]);
    const devices = new Set<string>();
    for (const c of suite.cases) {
      const scenario = parseScenario(JSON.parse(readFileSync(c.scenarioFile, 'utf8')), c.scenarioFile);
      devices.add(scenario.device);
      expect(scenario.name).toBe(c.name);
      const baseline = readSummary(c.baselineFile, 'baseline');
      expect(baseline.scenario).toBe(c.name);
      expect(baseline.device.id).toBe(scenario.device);
      expect(baseline.performance).toBeUndefined();
    }
    expect([...devices].sort()).toEqual(['a100-80gb', 'a40', 'h100-80gb', 'tpu-v4']);
    expect(suite.config.tolerance).toBe('2%');
  });
});
