#!/usr/bin/env node
// Entry point: runs the bundled CLI (dist/cli.mjs, built by `npm ci` or `npm run build`) when it
// is newer than every TypeScript source, else the sources through tsx's loader, so an edited .ts
// file is never shadowed by a stale bundle. TILEWAVE_FROM_SOURCE=1 always runs the sources.
import { freshBundle } from './fresh-bundle.mjs';

// `tilewave ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

let main;
const bundle = freshBundle('cli');
if (bundle !== null) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv);
