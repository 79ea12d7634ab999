// The viewer's public surface: build the HTML report, read and check trace files.
export { buildReportHtml, writeReportHtml, buildPayload, type ReportInput } from './report.ts';
export { loadTraceFile, parseTrace, TraceLoadError } from './load-trace.ts';
export { validateTrace, explainJsonError, type ChromeTraceObject, type TraceCheck } from './validate-trace.ts';
export { compileTrace } from './compile.ts';
