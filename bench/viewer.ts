/**
 * Viewer benchmark: a synthetic 1,000,000-span trace on 132 SM tracks, built into an HTML report,
 * opened in headless Chromium. Reports the report build time, the page's load time (navigation to
 * first render done) and the mean redraw time over a few zooms and pans, in the default view (SMs
 * collapsed into their occupancy row) and with every SM expanded.
 *
 *   npx tsx bench/viewer.ts [spans] [sms]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writeReportHtml } from '../viz/report.ts';
import { largeTrace } from '../test/viz/fixtures.ts';

export interface ViewerBench {
  spans: number;
  tracks: number;
  htmlBytes: number;
  /** Building the HTML (validate, compile, bundle, write). */
  buildMs: number;
  /** Navigation start to the first frame drawn (the page's own clock). */
  loadMs: number;
  /** Mean redraw time over zooms and pans, default view. */
  frameMs: number;
  /** The same with all 132 SM tracks expanded. */
  frameMsExpanded: number;
  /** Frame times including the canvas rasterizing the frame (forced by a pixel read-back). */
  frameMsRaster: number;
  frameMsExpandedRaster: number;
}

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function benchViewer(spans = 1_000_000, sms = 132): Promise<ViewerBench> {
  const trace = largeTrace(spans, sms);
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-viewer-'));
  const file = join(dir, 'report.html');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const b0 = performance.now();
    await writeReportHtml(file, { traces: [trace] });
    const buildMs = performance.now() - b0;
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(pathToFileURL(file).href, { timeout: 120_000 });
    await page.waitForFunction(() => (window as unknown as { __tilewave?: { ready: boolean } }).__tilewave?.ready, null, { timeout: 120_000 });
    const loadMs = await page.evaluate(() => (window as unknown as { __tilewave: { loadMs: number } }).__tilewave.loadMs);
    const frames = (expand: boolean) =>
      page.evaluate((expandAll) => {
        type Api = { visibleRange(): [number, number]; zoomTo(a: number, b: number): void; renderStats(): { lastFrameMs: number } };
        const a = (window as unknown as { __tilewave: Api }).__tilewave;
        if (expandAll) (document.querySelector('.tw-tl-toolbar button:nth-of-type(2)') as HTMLButtonElement).click();
        a.zoomTo(-Infinity, Infinity); // the whole trace
        const [t0, t1] = a.visibleRange();
        const span = t1 - t0;
        const views: [number, number][] = [
          [t0, t1], // everything: a million spans behind it
          [t0 + span * 0.25, t0 + span * 0.75], // zoom in
          [t0 + span * 0.3, t0 + span * 0.8], // pan
          [t0 + span * 0.4, t0 + span * 0.45], // deeper
          [t0 + span * 0.41, t0 + span * 0.46], // pan
          [t0 + span * 0.1, t0 + span * 0.9], // back out
        ];
        const times: number[] = [];
        const flushed: number[] = [];
        const ctx = (document.querySelector('#tw-timeline canvas') as HTMLCanvasElement).getContext('2d')!;
        for (let rep = 0; rep < 3; rep++) {
          for (const [x0, x1] of views) {
            const began = performance.now();
            a.zoomTo(x0, x1);
            times.push(a.renderStats().lastFrameMs);
            ctx.getImageData(0, 0, 1, 1); // forces the canvas to rasterize what was drawn
            flushed.push(performance.now() - began);
          }
        }
        // (no named helper functions in here: the bundler's name-keeping helper does not exist in the page)
        return [times.reduce((s, x) => s + x, 0) / times.length, flushed.reduce((s, x) => s + x, 0) / flushed.length] as const;
      }, expand);
    const [frameMs, frameMsRaster] = await frames(false);
    const [frameMsExpanded, frameMsExpandedRaster] = await frames(true);
    return { spans, tracks: sms + 1, htmlBytes: statSync(file).size, buildMs, loadMs, frameMs, frameMsExpanded, frameMsRaster, frameMsExpandedRaster };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const spans = Number(process.argv[2] ?? 1_000_000);
  const sms = Number(process.argv[3] ?? 132);
  const r = await benchViewer(spans, sms);
  const rows: [string, string][] = [
    ['spans', r.spans.toLocaleString('en-US')],
    ['tracks', String(r.tracks)],
    ['report size', `${(r.htmlBytes / 1e6).toFixed(1)} MB`],
    ['build (ms)', r.buildMs.toFixed(0)],
    ['load to first frame (ms)', r.loadMs.toFixed(0)],
    ['frame, SMs collapsed (ms)', `${r.frameMs.toFixed(1)} (${r.frameMsRaster.toFixed(1)} with raster)`],
    [`frame, ${sms} SMs expanded (ms)`, `${r.frameMsExpanded.toFixed(1)} (${r.frameMsExpandedRaster.toFixed(1)} with raster)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`viewer benchmark (headless Chromium)\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`);
}
