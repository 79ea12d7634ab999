/**
 * The HTML report in headless Chromium: tracks and spans render (DOM and canvas pixels), zoom and
 * pan move the visible range, hover and click show span details, and the summary, roofline, sweep,
 * comparison and error views appear. One browser for the file; screenshots go to test-artifacts/viz.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportHtml, writeReportHtml } from '../../viz/report.ts';
import { largeTrace, multiDeviceTrace, sweepTrace, syntheticTrace, validationFixture, validationSizesFixture } from './fixtures.ts';
import { parseScenario, runScenario } from '../../devices/scenario.ts';

/** A real NPU run: a GEMM, then decode attention in the PIM banks beside a second GEMM. */
function npuTrace() {
  const ops = [
    { type: 'gemm', name: 'qkv', m: 32, n: 12288, k: 4096 },
    { type: 'attention', name: 'attn', batch: 32, heads: 32, seqQ: 1, seqKv: 1024, headDim: 128, after: ['qkv'] },
    { type: 'gemm', name: 'mlp', m: 32, n: 16384, k: 4096, stream: 1, after: ['qkv'] },
  ];
  return runScenario(parseScenario({ name: 'npu-report', device: 'neupims', traceDetail: 'cta', workload: { ops } })).trace;
}

const CHROMIUM = '/usr/bin/chromium';
const ART = resolve('test-artifacts/viz');

interface Api {
  ready: boolean;
  spanCount: number;
  visibleRange(): [number, number];
  zoomTo(a: number, b: number): void;
  spanScreenPosition(t: number, s: number): { x: number; y: number; visible: boolean } | null;
  renderStats(): { lastFrameMs: number };
  tracks(): { index: number; unit: string; group: string; spans: number }[];
  spanInfo(t: number, s: number): { name: string; startNs: number; durNs: number; args: Record<string, unknown> };
  revealTrack(t: number): boolean;
}
type Win = Window & { __tilewave: Api };

describe.skipIf(!existsSync(CHROMIUM))('HTML report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const file = (name: string) => join(ART, name);

  beforeAll(async () => {
    mkdirSync(ART, { recursive: true });
    await Promise.all([
      writeReportHtml(file('single.html'), { traces: [syntheticTrace()] }),
      writeReportHtml(file('collapsed.html'), { traces: [syntheticTrace({ sms: 24 })] }),
      writeReportHtml(file('compare.html'), {
        traces: [syntheticTrace({ title: 'baseline' }), syntheticTrace({ title: 'tuned', opSlowdown: { attention: 0.7, gelu: 1.3 }, tileOverride: { out_proj: '64x128x64' } })],
      }),
      writeReportHtml(file('sweep.html'), { traces: [sweepTrace(12)], sources: [file('sweep.json')] }),
      writeReportHtml(file('sweep-series.html'), { traces: [sweepTrace(8, ['gpu-a', 'gpu-b'])] }),
      writeReportHtml(file('lod.html'), { traces: [largeTrace(200_000, 32)] }),
      writeReportHtml(file('multi.html'), { traces: [multiDeviceTrace()] }),
      writeReportHtml(file('validation.html'), { traces: [validationFixture()] }),
      writeReportHtml(file('validation-sizes.html'), { traces: [validationSizesFixture()] }),
      writeReportHtml(file('npu.html'), { traces: [npuTrace()] }),
    ]);
    writeFileSync(file('malformed.html'), await buildReportHtml({ traces: [{ traceEvents: [{ ph: 'X', name: 'gemm', dur: 1 }] }] }));
    const good = readFileSync(file('single.html'), 'utf8');
    const dataAt = good.indexOf('id="tw-data">');
    writeFileSync(file('truncated-data.html'), good.slice(0, dataAt + 2000));
    writeFileSync(file('truncated-viewer.html'), good.slice(0, good.indexOf('<script>', good.indexOf('<script>') + 1) + 5000));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(name: string): Promise<void> {
    pageErrors.length = 0;
    await page.goto(pathToFileURL(file(name)).href);
    await page.waitForFunction(() => (window as unknown as Win).__tilewave?.ready || document.getElementById('tw-error')?.hidden === false);
  }

  const api = <T>(fn: (a: Api) => T): Promise<T> => page.evaluate(`(${fn.toString()})(window.__tilewave)`) as Promise<T>;

  /** RGBA of the timeline canvas at page coordinates. */
  async function pixel(x: number, y: number): Promise<number[]> {
    return page.evaluate(([px, py]) => {
      const c = document.querySelector('#tw-timeline canvas') as HTMLCanvasElement;
      const r = c.getBoundingClientRect();
      const s = c.width / r.width;
      return Array.from(c.getContext('2d')!.getImageData(Math.floor((px! - r.left) * s), Math.floor((py! - r.top) * s), 1, 1).data);
    }, [x, y]);
  }
  const isBackground = (rgba: number[]) => rgba[0]! > 245 && rgba[1]! > 245 && rgba[2]! > 245;

  async function showSpan(track: number, span: number): Promise<{ x: number; y: number }> {
    const pos = await page.evaluate(([t, s]) => {
      const a = (window as unknown as Win).__tilewave;
      a.revealTrack(t!);
      const info = a.spanInfo(t!, s!)!;
      a.zoomTo(info.startNs - info.durNs * 0.5, info.startNs + info.durNs * 1.5);
      return a.spanScreenPosition(t!, s!);
    }, [track, span]);
    expect(pos?.visible).toBe(true);
    return pos!;
  }

  describe('a single run', () => {
    beforeAll(() => open('single.html'));

    it('renders its tracks and spans (DOM and canvas pixels)', async () => {
      expect(await page.locator('#tw-error').isVisible()).toBe(false);
      const tracks = await api((a) => a.tracks());
      expect(tracks.map((t) => t.unit)).toEqual(['stream 0', 'SM 0', 'SM 1', 'SM 2', 'SM 3', 'HBM']);
      expect(await api((a) => a.spanCount)).toBe(52);
      expect(await page.locator('.tw-row-label[data-track-index]').count()).toBe(6);
      expect(await page.locator('#tw-timeline canvas').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('.tw-axis text').count()).toBeGreaterThan(3);

      const pos = await showSpan(1, 0);
      expect(isBackground(await pixel(pos.x, pos.y))).toBe(false);
      // Before the first span (the trace starts at 2 µs) the row is empty.
      await api((a) => a.zoomTo(0, 137_000));
      const whole = await api((a) => a.spanScreenPosition(1, 0));
      const box = (await page.locator('#tw-timeline canvas').first().boundingBox())!;
      const emptyX = box.x + (1000 / 137_000) * box.width;
      expect(isBackground(await pixel(emptyX, whole!.y))).toBe(true);
      expect(isBackground(await pixel(whole!.x, whole!.y))).toBe(false);
      // The counter rows draw too.
      expect(await page.locator('.tw-kind-counter').count()).toBe(2);
      await page.screenshot({ path: join(ART, 'report.png'), fullPage: true });
    });

    it('zooms with the wheel and keys, pans with keys and drag, resets with 0', async () => {
      await page.keyboard.press('0');
      const full = await api((a) => a.visibleRange());
      expect(full[0]).toBeCloseTo(0, 6);
      expect(full[1]).toBeCloseTo(137_000, 3);
      const box = (await page.locator('#tw-timeline canvas').first().boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 40);
      await page.mouse.wheel(0, -400);
      const wheeled = await api((a) => a.visibleRange());
      expect(wheeled[1] - wheeled[0]).toBeLessThan((full[1] - full[0]) * 0.8);
      expect(wheeled[0]).toBeLessThan(137_000 / 2);
      expect(wheeled[1]).toBeGreaterThan(137_000 / 2);

      await page.keyboard.press('w');
      const zoomedIn = await api((a) => a.visibleRange());
      expect(zoomedIn[1] - zoomedIn[0]).toBeLessThan(wheeled[1] - wheeled[0]);
      await page.keyboard.press('d');
      const panned = await api((a) => a.visibleRange());
      expect(panned[0]).toBeGreaterThan(zoomedIn[0]);
      expect(panned[1] - panned[0]).toBeCloseTo(zoomedIn[1] - zoomedIn[0], 3);
      await page.keyboard.press('a');
      await page.keyboard.press('a');
      expect((await api((a) => a.visibleRange()))[0]).toBeLessThan(panned[0]);
      await page.keyboard.press('s');
      const zoomedOut = await api((a) => a.visibleRange());
      expect(zoomedOut[1] - zoomedOut[0]).toBeGreaterThan(zoomedIn[1] - zoomedIn[0]);

      await page.mouse.move(box.x + box.width / 2, box.y + 40);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 - 200, box.y + 40, { steps: 5 });
      await page.mouse.up();
      const dragged = await api((a) => a.visibleRange());
      expect(dragged[0]).toBeGreaterThan(zoomedOut[0]);

      await page.keyboard.press('0');
      const reset = await api((a) => a.visibleRange());
      expect(reset[0]).toBeCloseTo(full[0], 6);
      expect(reset[1]).toBeCloseTo(full[1], 3);
      expect(await page.locator('.tw-range').textContent()).toContain('137 µs');
    });

    it('shows a tooltip with the span name, duration and args on hover', async () => {
      const info = await api((a) => a.spanInfo(1, 0));
      expect(info.name).toBe('qkv_proj tile 0');
      const pos = await showSpan(1, 0);
      await page.mouse.move(pos.x, pos.y);
      const tip = page.locator('#tw-tooltip');
      await tip.waitFor({ state: 'visible' });
      const text = (await tip.textContent())!;
      expect(text).toContain('qkv_proj tile 0');
      expect(text).toContain('12.8 µs'); // 40 µs / 3 tiles × 0.96
      expect(text).toContain('tile0,0');
      expect(text).toContain('config128x256x64');
      expect(text).toContain('5 MB'); // bytes, SI
      expect(text).toContain('2.67 GFLOP'); // flops, SI
      await page.screenshot({ path: join(ART, 'tooltip.png') });
      await page.mouse.move(5, 5);
      await tip.waitFor({ state: 'hidden' });
    });

    it('pins a clicked span in the side panel', async () => {
      const pos = await showSpan(2, 1);
      await page.mouse.click(pos.x, pos.y);
      const details = page.locator('#tw-details');
      await expect.poll(() => details.textContent()).toContain('qkv_proj tile 5');
      expect(await details.textContent()).toContain('Arguments');
      await page.keyboard.press('Escape');
      await expect.poll(() => details.textContent()).not.toContain('qkv_proj tile 5');
    });

    it('dims spans that do not match the search box', async () => {
      await api((a) => a.zoomTo(0, 137_000));
      const qkv = (await api((a) => a.spanScreenPosition(1, 0)))!;
      const attention = (await api((a) => a.spanScreenPosition(1, 3)))!;
      expect(await api((a) => a.spanInfo(1, 3).name)).toBe('attention tile 0');
      const before = await pixel(qkv.x, qkv.y);
      await page.fill('#tw-search', 'attention');
      await expect.poll(() => page.locator('.tw-search-count').textContent()).toBe('13 matches');
      await page.waitForTimeout(50);
      const dimmed = await pixel(qkv.x, qkv.y);
      const kept = await pixel(attention.x, attention.y);
      const sum = (p: number[]) => p[0]! + p[1]! + p[2]!;
      expect(sum(dimmed)).toBeGreaterThan(sum(before) + 150);
      expect(isBackground(kept)).toBe(false);
      expect(sum(kept)).toBeLessThan(600);
      await page.screenshot({ path: join(ART, 'search.png') });
      await page.fill('#tw-search', '');
      await page.locator('#tw-search').blur();
    });

    it('shows the summary, a sortable op table and the roofline', async () => {
      const summary = page.locator('#tw-summary');
      const text = (await summary.textContent())!;
      expect(text).toContain('Total time');
      expect(text).toContain('137 µs');
      expect(text).toContain('TFLOP/s');
      expect(text).toContain('Utilization per unit');
      expect(text).toContain('Kernel configurations');
      expect(text).toContain('128x256x64');
      expect(text).toContain('waves');
      const firstOp = () => page.locator('#tw-ops tbody tr:first-child td:nth-child(2)').textContent();
      expect(await page.locator('#tw-ops tbody tr').count()).toBe(4);
      expect(await firstOp()).toBe('qkv_proj');
      await page.locator('#tw-ops th[data-key="time"]').click();
      expect(await firstOp()).toBe('attention');
      await page.locator('#tw-ops th[data-key="time"]').click();
      expect(await firstOp()).toBe('gelu');
      await page.locator('#tw-ops th[data-key="name"]').click();
      expect(await firstOp()).toBe('attention');

      const roof = page.locator('#tw-roofline');
      expect(await roof.locator('.tw-point').count()).toBe(4);
      expect(await roof.locator('.tw-roof').count()).toBe(3); // fp8, fp16/bf16, fp32
      expect(await roof.locator('.tw-roof-used').count()).toBeGreaterThan(0);
      expect(await roof.textContent()).toContain('fp16/bf16');
      await page.locator('#tw-roofline .tw-point[data-op="attention"]').hover();
      await expect.poll(() => page.locator('#tw-tooltip').textContent()).toContain('FLOP/B');
      await roof.screenshot({ path: join(ART, 'roofline.png') });
      expect(pageErrors).toEqual([]);
    });

    it('shows runtime errors in #tw-error', async () => {
      await page.evaluate(() => setTimeout(() => {
        throw new Error('boom from a test');
      }, 0));
      await expect.poll(() => page.locator('#tw-error').textContent()).toContain('boom from a test');
      expect(await page.locator('#tw-error').isVisible()).toBe(true);
    });
  });

  it('starts groups of more than 16 tracks collapsed into an occupancy row', async () => {
    await open('collapsed.html');
    const group = page.locator('.tw-row-label.tw-kind-group');
    expect(await group.count()).toBe(1);
    expect(await group.getAttribute('class')).toContain('tw-collapsed');
    expect(await group.textContent()).toContain('×24');
    expect(await page.locator('.tw-row-label[data-track-index]').count()).toBe(2);
    const gb = (await group.boundingBox())!;
    const canvas = (await page.locator('#tw-timeline canvas').first().boundingBox())!;
    expect(isBackground(await pixel(canvas.x + canvas.width * 0.3, gb.y + gb.height - 5))).toBe(false);
    await group.click();
    expect(await page.locator('.tw-row-label[data-track-index]').count()).toBe(26);
    await page.screenshot({ path: join(ART, 'expanded.png') });
  });

  it('groups several devices, nests spans in lanes and stacks multi-series counters', async () => {
    await open('multi.html');
    expect(pageErrors).toEqual([]);
    expect(await page.locator('.tw-row-label.tw-kind-device').count()).toBe(2);
    const groups = await page.locator('.tw-row-label.tw-kind-group').allTextContents();
    expect(groups.filter((g) => g.includes('SM'))).toHaveLength(2);
    expect(groups.filter((g) => g.includes('memory'))).toHaveLength(2);
    const tracks = await api((a) => a.tracks());
    const stream = tracks.find((t) => t.unit === 'stream 0')!;
    expect((stream as unknown as { lanes: number }).lanes).toBe(3); // layer > mlp_down > epilogue
    const nested = await page.evaluate((ti) => {
      const a = (window as unknown as Win).__tilewave;
      a.zoomTo(55, 70_000);
      // The third lane holds the epilogue.
      return [a.spanInfo(ti, 3)!.name, a.spanScreenPosition(ti, 0)!.y, a.spanScreenPosition(ti, 3)!.y];
    }, stream.index);
    expect(nested[0]).toBe('epilogue');
    expect(nested[2] as number).toBeGreaterThan(nested[1] as number);
    const epilogue = (await api((a) => a.spanScreenPosition(0, 3)))!;
    expect(isBackground(await pixel(epilogue.x, epilogue.y))).toBe(false);
    // A counter with two series (tx, rx) shows both in its tooltip.
    const counter = page.locator('.tw-row-label.tw-kind-counter').first();
    const cb = (await counter.boundingBox())!;
    const canvas = (await page.locator('#tw-timeline canvas').first().boundingBox())!;
    await api((a) => a.zoomTo(0, 100_000));
    await page.mouse.move(canvas.x + canvas.width * 0.95, cb.y + cb.height / 2);
    await expect.poll(() => page.locator('#tw-tooltip').textContent()).toContain('tx: 400');
    await page.screenshot({ path: join(ART, 'multi-device.png') });
  });

  it('renders an NPU run: its arrays, vector unit and PIM channels', async () => {
    await open('npu.html');
    expect(pageErrors).toEqual([]);
    const tracks = await api((a) => a.tracks());
    const units = tracks.map((t) => t.unit);
    for (const unit of ['array 0', 'array 7', 'vector unit', 'PIM channels', 'stream 0']) expect(units).toContain(unit);
    const array = tracks.find((t) => t.unit === 'array 0')!;
    expect(array.spans).toBeGreaterThan(0);
    const pim = tracks.find((t) => t.unit === 'PIM channels')!;
    const pos = await showSpan(pim.index, 0);
    expect(isBackground(await pixel(pos.x, pos.y))).toBe(false);
    await page.screenshot({ path: join(ART, 'npu.png') });
  });

  it('keeps a 200,000-span trace interactive with merged boxes', async () => {
    await open('lod.html');
    expect(await api((a) => a.spanCount)).toBe(200_040);
    await api((a) => a.revealTrack(5));
    await api((a) => a.zoomTo(0, a.visibleRange()[1] * 2));
    const pos = (await api((a) => a.spanScreenPosition(5, 3000)))!;
    expect(isBackground(await pixel(pos.x, pos.y))).toBe(false);
    const frame = await page.evaluate(() => {
      const a = (window as unknown as Win).__tilewave;
      const [t0, t1] = a.visibleRange();
      const times: number[] = [];
      for (let i = 1; i <= 5; i++) {
        a.zoomTo(t0, t0 + (t1 - t0) / (i * 2));
        times.push(a.renderStats().lastFrameMs);
      }
      return Math.max(...times);
    });
    expect(frame).toBeLessThan(250);
    await page.screenshot({ path: join(ART, 'lod.png') });
  });

  it('draws a sweep with clickable points', async () => {
    await open('sweep.html');
    const sweep = page.locator('#tw-sweep');
    expect(await sweep.locator('.tw-sweep-point').count()).toBe(12);
    expect(await sweep.locator('a.tw-sweep-link').first().getAttribute('href')).toBe('runs/n-1024.json');
    expect(await sweep.textContent()).toContain('TFLOP/s vs n');
    expect(await page.locator('#tw-timeline').count()).toBe(0);
    await sweep.locator('.tw-sweep-point').nth(3).hover();
    await expect.poll(() => page.locator('#tw-tooltip').textContent()).toContain('n = 4,096');
    await page.screenshot({ path: join(ART, 'sweep.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('draws a sweep over several devices as one line and one best point per series', async () => {
    await open('sweep-series.html');
    const sweep = page.locator('#tw-sweep');
    expect(await sweep.locator('.tw-sweep-line').count()).toBe(2);
    expect(await sweep.locator('.tw-sweep-line[data-series="gpu-b"]').count()).toBe(1);
    expect(await sweep.locator('.tw-sweep-point').count()).toBe(16);
    expect(await sweep.locator('.tw-sweep-point.tw-best').count()).toBe(2);
    const text = await sweep.textContent();
    expect(text).toContain('series:');
    expect(text).toMatch(/Best: gpu-a: n = 8,192 at [\d.]+ TFLOP\/s; gpu-b: n = 8,192/);
    expect(pageErrors).toEqual([]);
  });

  it('shows a validation: statistics, points with their rows on hover, devices toggled from the legend', async () => {
    await open('validation.html');
    const view = page.locator('#tw-validation');
    const cell = (group: string, col: number) => view.locator('#tw-val-table tbody tr', { hasText: group }).first().locator('td').nth(col).textContent();
    expect(await cell('dev-a', 2)).toBe('5.0%');
    expect(await cell('overall', 3)).toBe('38.0%');
    expect(await page.locator('#tw-timeline').count()).toBe(0);
    // Find a drawn point on the scatter canvas and hover it: the tooltip names its row.
    const spot = await page.evaluate(() => {
      const c = document.querySelector('#tw-val-scatter canvas') as HTMLCanvasElement;
      const r = c.getBoundingClientRect();
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) {
        if (data[i]! > 100) {
          const px = (i - 3) / 4;
          return { x: r.left + ((px % c.width) + 1) * (r.width / c.width), y: r.top + (Math.floor(px / c.width) + 1) * (r.height / c.height) };
        }
      }
      return null;
    });
    expect(spot).not.toBeNull();
    await page.mouse.move(spot!.x, spot!.y);
    await expect.poll(() => page.locator('#tw-tooltip').textContent()).toMatch(/measured.*predicted.*error/);
    await page.screenshot({ path: join(ART, 'validation.png'), fullPage: true });
    // Grouped by k, then by layer: one row per device and value, numbers in numeric order.
    await view.locator('#tw-val-group').selectOption('k');
    const groups = async () => (await view.locator('#tw-val-table tbody tr td:first-child').allTextContents()).filter((t) => t.includes('='));
    expect(await groups()).toEqual(['dev-a k=1024', 'dev-a k=8192', 'dev-b k=4096']);
    expect(await cell('dev-b k=4096', 1)).toBe('2');
    // Clicking a group's row highlights its points in both plots; clicking it again clears it.
    await view.locator('#tw-val-table tbody tr', { hasText: 'dev-a k=8192' }).click();
    expect(await view.locator('#tw-val-focus').textContent()).toMatch(/Highlighted: dev-a k=8192 \(2 rows\)/);
    expect(await view.locator('#tw-val-scatter canvas').getAttribute('data-highlighted')).toBe('2');
    expect(await view.locator('#tw-val-table tbody tr.tw-selected').count()).toBe(1);
    await view.locator('#tw-val-table tbody tr', { hasText: 'dev-a k=8192' }).click();
    expect(await view.locator('#tw-val-scatter canvas').getAttribute('data-highlighted')).toBeNull();
    await view.locator('#tw-val-table tbody tr', { hasText: 'dev-b' }).first().click();
    expect(await view.locator('#tw-val-error canvas').getAttribute('data-highlighted')).toBe('2');
    await view.locator('#tw-val-group').selectOption('layer');
    expect(await view.locator('#tw-val-scatter canvas').getAttribute('data-highlighted')).toBeNull();
    expect(await groups()).toEqual(['dev-a layer=attn_post_proj', 'dev-a layer=mlp_down_proj', 'dev-b layer=attn_post_proj', 'dev-b layer=mlp_down_proj']);
    await view.locator('.tw-legend-toggle[data-device="dev-b"]').click();
    expect(await view.locator('#tw-val-table tbody tr', { hasText: 'dev-b' }).count()).toBe(0);
    expect(await view.locator('#tw-val-table tbody tr', { hasText: 'overall' }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('draws rows without an m (all-reduces) against the size the payload gives, spread along the axis', async () => {
    await open('validation-sizes.html');
    const errors = page.locator('#tw-val-error');
    expect(await errors.textContent()).toContain('buffer per GPU (bytes)');
    expect(await page.locator('#tw-validation').textContent()).toContain('signed error against buffer per GPU (bytes)');
    // The five rows land in five different columns of the error plot's canvas (not one line at m = 1).
    const columns = await page.evaluate(() => {
      const c = document.querySelector('#tw-val-error canvas') as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const xs = new Set<number>();
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 100) xs.add(Math.floor(((i - 3) / 4) % c.width / 20));
      return xs.size;
    });
    expect(columns).toBeGreaterThanOrEqual(5);
    expect(pageErrors).toEqual([]);
  });

  it('compares two runs on one time axis with a per-op delta table', async () => {
    await open('compare.html');
    const compare = page.locator('#tw-compare');
    expect(await compare.textContent()).toContain('B is');
    const rows = compare.locator('#tw-compare-table tbody tr');
    expect(await rows.count()).toBe(4);
    const rowOf = (name: string) => compare.locator('#tw-compare-table tbody tr', { hasText: name });
    expect(await rowOf('attention').locator('td.tw-faster').textContent()).toBe('-30.0%');
    expect(await rowOf('gelu').locator('td.tw-slower').textContent()).toBe('+30.0%');
    expect(await rowOf('qkv_proj').locator('td.tw-same').count()).toBe(1);
    expect(await rowOf('out_proj').textContent()).toContain('→');
    expect(await page.locator('.tw-row-label.tw-kind-run').count()).toBe(2);
    const tracks = await api((a) => a.tracks());
    expect(tracks).toHaveLength(12);
    // Same scale: run A's and run B's first SM span start at the same x.
    const [a, b] = await page.evaluate(() => {
      const w = (window as unknown as Win).__tilewave;
      w.zoomTo(0, 20_000);
      return [w.spanScreenPosition(1, 0), w.spanScreenPosition(7, 0)];
    });
    expect(a!.x).toBeCloseTo(b!.x, 3);
    expect(b!.y).toBeGreaterThan(a!.y);
    await page.keyboard.press('0');
    await page.screenshot({ path: join(ART, 'compare.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('shows a clear error for a malformed trace', async () => {
    await open('malformed.html');
    const error = page.locator('#tw-error');
    expect(await error.isVisible()).toBe(true);
    expect(await error.textContent()).toContain('traceEvents[0] (ph "X", name "gemm") has no "ts"');
    await page.screenshot({ path: join(ART, 'error.png') });
  });

  it('shows a clear error when the report file is cut off', async () => {
    await open('truncated-data.html');
    expect(await page.locator('#tw-error').isVisible()).toBe(true);
    expect(await page.locator('#tw-error').textContent()).toContain('truncated or damaged');
    await page.goto(pathToFileURL(file('truncated-viewer.html')).href);
    await expect.poll(() => page.locator('#tw-error').isVisible()).toBe(true);
    expect(await page.locator('#tw-error').textContent()).toMatch(/did not start|Runtime error/);
  });
});
