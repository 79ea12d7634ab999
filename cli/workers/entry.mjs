// Worker-thread entry: registers tsx's loader in this thread, then loads the TypeScript module
// named in workerData.module (an absolute file URL), which takes over the message port.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
