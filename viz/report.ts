/**
 * The HTML report: one self-contained file holding the viewer (viz/app, bundled with esbuild at
 * build time, d3 included) and the compiled trace data. It opens from disk with no server and no
 * network access.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTrace } from './compile.ts';
import { PAYLOAD_FORMAT, PAYLOAD_VERSION, type ReportPayload, type RunPayload } from './payload.ts';
import { validateTrace, type ChromeTraceObject } from './validate-trace.ts';

export type { ChromeTraceObject } from './validate-trace.ts';

export interface ReportInput {
  /** One trace: a single run (or a sweep, otherData.tilewave.kind = "sweep"); two: a comparison A vs B. */
  traces: ChromeTraceObject[];
  title?: string;
  /** File names the traces came from, parallel to `traces` (for labels, errors and sweep links). */
  sources?: string[];
  /**
   * Where the HTML will be written (writeReportHtml sets it): sweep points' `trace` paths are
   * rewritten relative to it so their links work from the report's folder.
   */
  outputPath?: string;
}

const appDir = fileURLToPath(new URL('./app/', import.meta.url));
let bundlePromise: Promise<string> | undefined;

/** The viewer app as one minified IIFE (built once per process). */
export function viewerBundle(): Promise<string> {
  bundlePromise ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [`${appDir}main.ts`],
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2020'],
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
  })();
  bundlePromise.catch(() => {
    bundlePromise = undefined;
  });
  return bundlePromise;
}

function viewerCss(): string {
  return readFileSync(`${appDir}style.css`, 'utf8');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside a <script> element: no "<" can close it. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Rewrite sweep points' trace paths relative to the report's folder. */
function relinkSweep(run: RunPayload, source: string | undefined, outputPath: string | undefined): void {
  if (run.sweep === undefined || !Array.isArray(run.sweep.points) || outputPath === undefined) return;
  const base = source !== undefined ? dirname(resolve(source)) : process.cwd();
  const outDir = dirname(resolve(outputPath));
  run.sweep = {
    ...run.sweep,
    points: run.sweep.points.map((p) => {
      if (typeof p.trace !== 'string' || /^[a-z]+:\/\//i.test(p.trace)) return p;
      const target = isAbsolute(p.trace) ? p.trace : resolve(base, p.trace);
      return { ...p, trace: toPosix(relative(outDir, target)) };
    }),
  };
}

/** Compile the traces into the page's data; an invalid trace becomes an error shown in the page. */
export function buildPayload(input: ReportInput): ReportPayload {
  const { traces } = input;
  if (!Array.isArray(traces) || traces.length < 1 || traces.length > 2) {
    throw new RangeError(`buildReportHtml: expected 1 trace (a run or sweep) or 2 (a comparison), got ${Array.isArray(traces) ? traces.length : typeof traces}`);
  }
  const labels = traces.length === 2 ? ['A', 'B'] : [''];
  const runs: RunPayload[] = [];
  const errors: string[] = [];
  traces.forEach((trace, i) => {
    const source = input.sources?.[i];
    const name = source !== undefined ? `trace "${source}"` : traces.length === 2 ? `trace ${labels[i]}` : 'the trace';
    const check = validateTrace(trace);
    if (!check.ok) {
      errors.push(`${name}: ${check.error}`);
      return;
    }
    const run = compileTrace(trace, { label: labels[i], source });
    run.warnings.unshift(...check.warnings);
    relinkSweep(run, source, input.outputPath);
    runs.push(run);
  });
  const title =
    input.title ??
    (runs.length === 2 ? `${runs[0]!.title} vs ${runs[1]!.title}` : runs[0]?.title ?? 'tilewave report');
  const payload: ReportPayload = { format: PAYLOAD_FORMAT, version: PAYLOAD_VERSION, title, runs: errors.length > 0 ? [] : runs };
  if (errors.length > 0) payload.error = errors.join('\n');
  return payload;
}

/**
 * Installed before the viewer: shows uncaught errors in #tw-error, and says so when the viewer
 * never started (a damaged or cut-off report), so the page is never blank.
 */
const EARLY_SCRIPT = `(function(){
function show(m){var e=document.getElementById('tw-error');if(!e)return;e.hidden=false;e.style.display='';var p=document.getElementById('tw-error-message');if(p.textContent.indexOf(m)<0)p.textContent=(p.textContent?p.textContent+'\\n':'')+m;}
window.__twShowError=show;
window.addEventListener('error',function(ev){show('Runtime error: '+(ev.error&&ev.error.message||ev.message)+(ev.lineno?' (line '+ev.lineno+':'+ev.colno+')':''));});
window.addEventListener('unhandledrejection',function(ev){var r=ev.reason;show('Runtime error: '+(r&&r.message||r));});
document.addEventListener('DOMContentLoaded',function(){setTimeout(function(){if(!window.__tilewaveStarted)show('The viewer did not start: this report file is damaged or incomplete (was it cut off while being written?).');},0);});
})();`;

/** Build the self-contained HTML report. */
export async function buildReportHtml(input: ReportInput): Promise<string> {
  const payload = buildPayload(input);
  const [bundle, css] = await Promise.all([viewerBundle(), Promise.resolve(viewerCss())]);
  // Nothing in the script may look like the end of the element or an HTML comment opener.
  const safeBundle = bundle.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="tilewave">',
    `<title>${escapeHtml(payload.title)} · tilewave</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<div id="tw-error" class="tw-error" role="alert" hidden><strong>This report cannot be shown.</strong><pre id="tw-error-message"></pre></div>',
    '<noscript><div class="tw-error"><strong>This report needs JavaScript</strong> to draw its timeline and charts.</div></noscript>',
    '<div id="tw-root"></div>',
    `<script>${EARLY_SCRIPT}</script>`,
    `<script>${safeBundle}</script>`,
    `<script type="application/json" id="tw-data">${scriptSafeJson(payload)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Build the report and write it atomically (temporary file beside it, then rename). */
export async function writeReportHtml(path: string, input: ReportInput): Promise<void> {
  const html = await buildReportHtml({ ...input, outputPath: input.outputPath ?? path });
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
