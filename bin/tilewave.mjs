#!/usr/bin/env node
// Entry point: runs the bundled CLI (dist/cli.mjs, built by `npm ci` or `npm run build`) when it
// is newer than every TypeScript source, else the sources through tsx's loader, so an edited .ts
// file is never shadowed by a stale bundle. TILEWAVE_FROM_SOURCE=1 always runs the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `tilewave ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const BUNDLE = new URL('../dist/cli.mjs', import.meta.url);
/** The folders whose .ts files go into the bundle (viz/app is built into each report, not here). */
const SOURCES = ['cli', 'devices', 'regress', 'sim', 'viz', 'workloads'];

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.TILEWAVE_FROM_SOURCE === '1') return false;
  let builtMs;
  try {
    builtMs = statSync(BUNDLE).mtimeMs;
  } catch {
    return false;
  }
  const root = fileURLToPath(new URL('..', import.meta.url));
  return SOURCES.every((d) => newestSourceMs(`${root}${d}`) < builtMs);
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(BUNDLE.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
