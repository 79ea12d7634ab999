import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../devices/scenario.ts';
import { summaryForOutput } from '../../cli/emit.ts';
import { SUMMARY_SCHEMA_VERSION } from '../../sim/summary.ts';
import { SUMMARY_SCHEMA_FILE, checkSummary } from '../../regress/summary-file.ts';

const scenario = parseScenario({
  name: 'schema-check',
  device: 'a100-80gb',
  workload: { ops: [{ type: 'gemm', name: 'a', m: 256, n: 512, k: 256 }, { type: 'gemm', name: 'b', m: 64, n: 64, k: 4096, stream: 1 }] },
});

describe('docs/summary.schema.json', () => {
  const result = runScenario(scenario);

  it('is a draft 2020-12 schema for the current major version', () => {
    const schema = JSON.parse(readFileSync(SUMMARY_SCHEMA_FILE, 'utf8'));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(SUMMARY_SCHEMA_VERSION.split('.')[0]).toBe('1');
    expect(schema.properties.schemaVersion.pattern).toBe('^1\\.\\d+\\.\\d+$');
  });

  it('accepts what tilewave run writes, with and without the optional performance field', () => {
    const plain = JSON.parse(JSON.stringify(summaryForOutput(result, false)));
    const timed = JSON.parse(JSON.stringify(summaryForOutput(result, true)));
    expect(plain.performance).toBeUndefined();
    expect(timed.performance).toBeDefined();
    expect(() => checkSummary(plain, 'plain')).not.toThrow();
    expect(() => checkSummary(timed, 'timed')).not.toThrow();
  });

  it('accepts a graph-launched run, which says so; a stream-launched one has no launch field', () => {
    const graph = runScenario(parseScenario({ name: 'graph-schema', device: 'h100-80gb', launch: 'graph', workload: { ops: [{ type: 'gemm', m: 256, n: 512, k: 256 }] } }));
    const summary = JSON.parse(JSON.stringify(summaryForOutput(graph, false)));
    expect(summary.launch).toBe('graph');
    expect(() => checkSummary(summary, 'graph')).not.toThrow();
    expect(() => checkSummary({ ...summary, launch: 'stream' }, 'stream')).toThrow();
    expect(JSON.parse(JSON.stringify(summaryForOutput(result, false))).launch).toBeUndefined();
  });

  it('accepts an NPU run too (same format, family "npu")', () => {
    const npu = runScenario(parseScenario({ name: 'npu-schema', device: 'tpu-v4', workload: { ops: [{ type: 'gemm', m: 256, n: 512, k: 256, dtype: 'bf16' }, { type: 'elementwise', kind: 'add', rows: 256, cols: 512, dtype: 'bf16', stream: 1 }] } }));
    const summary = JSON.parse(JSON.stringify(summaryForOutput(npu, false)));
    expect(summary.device.family).toBe('npu');
    expect(() => checkSummary(summary, 'npu')).not.toThrow();
  });

  it('accepts a newer minor version and refuses another major one', () => {
    const s = JSON.parse(JSON.stringify(result.summary));
    expect(() => checkSummary({ ...s, schemaVersion: '1.7.0', extraField: true }, 'x')).not.toThrow();
    expect(() => checkSummary({ ...s, schemaVersion: '2.0.0' }, 'x')).toThrow(/major version 2, but this tilewave reads 1\.x/);
    expect(() => checkSummary({ ...s, schemaVersion: '0.9.0' }, 'x')).toThrow(/major version 0/);
    expect(() => checkSummary({ ...s, schemaVersion: 'one' }, 'x')).toThrow(/field "schemaVersion" = "one"/);
  });

  it('names the offending field', () => {
    const s = JSON.parse(JSON.stringify(result.summary));
    s.totals.flops = -1;
    expect(() => checkSummary(s, 'summary "f.json"')).toThrow('summary "f.json": field "totals.flops": must be >= 0');
  });
});
