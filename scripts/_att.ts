import { readFileSync } from 'node:fs';
import { parseMeasuredCsv } from '../devices/validation/measured.ts';
import { predictRow } from '../devices/validation/predict.ts';
const { rows } = parseMeasuredCsv(readFileSync(process.argv[2]!, 'utf8'), 'x');
for (const r of rows) {
  const p = predictRow(r);
  console.log([r.device, r.extra.impl ?? 'flash2', r.extra.head_dim, r.extra.causal, r.m, r.measuredUs, p.predictedUs.toFixed(1), ((p.predictedUs / r.measuredUs - 1) * 100).toFixed(1), p.config].join('\t'));
}
