/**
 * Screenshot of an HTML report, for the README: `npx tsx scripts/screenshot.ts out/report.html docs/report.png`.
 * Needs Chromium (Debian: apt-get install chromium; or set CHROMIUM).
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const [input, output, width = '1400', height = '900'] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: npx tsx scripts/screenshot.ts REPORT.html OUT.png [width] [height]');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await page.goto(pathToFileURL(resolve(input)).href);
  await page.waitForSelector('#tw-timeline canvas');
  await page.waitForTimeout(500);
  await page.screenshot({ path: output, fullPage: false });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
}
