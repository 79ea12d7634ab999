// Worker-thread entry: loads the module named in workerData.module (an absolute file URL of a
// TypeScript worker, which takes over the message port): its bundle dist/<name>.mjs when that is
// fresh (bin/fresh-bundle.mjs), else the source through tsx's loader registered in this thread.
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';
import { freshBundle } from '../../bin/fresh-bundle.mjs';

const bundle = freshBundle(basename(fileURLToPath(workerData.module), '.ts'));
if (bundle !== null) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(workerData.module);
}
