import { readFileSync, writeFileSync } from 'node:fs';
import { parseMeasuredCsv } from '../devices/validation/measured.ts';
import { predictRow } from '../devices/validation/predict.ts';
const dev = process.argv[2]!;
const out = process.argv[3]!;
const { rows } = parseMeasuredCsv(readFileSync('../shared/data/measured/gemm-vidur.csv', 'utf8'), 'x');
const lines = ['device,m,n,k,meas,pred,err,config'];
for (const r of rows) {
  if (r.device !== dev) continue;
  const p = predictRow(r);
  lines.push([r.device, r.m, r.n, r.k, r.measuredUs, p.predictedUs.toFixed(2), ((p.predictedUs / r.measuredUs - 1) * 100).toFixed(1), p.config].join(','));
}
writeFileSync(out, lines.join('\n') + '\n');
