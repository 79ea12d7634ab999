#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx's loader, so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

// `tilewave ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
