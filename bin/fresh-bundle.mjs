// Which bundle in dist/ may run: one that is newer than every TypeScript source it may hold. Shared
// by the CLI entry (bin/tilewave.mjs) and the worker-thread entry (cli/workers/entry.mjs), so a
// source edited after the last `npm run build` is always what runs.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders whose .ts files go into the bundles (viz/app is built into each report, not here). */
const SOURCES = ['cli', 'devices', 'regress', 'sim', 'viz', 'workloads'];

function newestSourceMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return Infinity; // cannot tell: run the sources
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The URL of dist/<name>.mjs when it exists and is fresh, else null (run the sources). */
export function freshBundle(name) {
  if (process.env.TILEWAVE_FROM_SOURCE === '1') return null;
  const url = new URL(`../dist/${name}.mjs`, import.meta.url);
  let builtMs;
  try {
    builtMs = statSync(url).mtimeMs;
  } catch {
    return null;
  }
  return SOURCES.every((d) => newestSourceMs(`${ROOT}${d}`) < builtMs) ? url : null;
}
