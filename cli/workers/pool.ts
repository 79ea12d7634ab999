import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const ENTRY = new URL('./entry.mjs', import.meta.url);

export interface PoolOptions<R> {
  /** Worker threads; default: all cores. 1 runs the tasks in worker 0 all the same. */
  workers?: number;
  /** Tasks sent per message (amortises message cost for small tasks). */
  batchSize?: number;
  /** Called as results arrive (any order), e.g. to tick a progress bar. */
  onResult?: (index: number, result: R) => void;
}

/** Default worker count: the machine's cores. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Run `tasks` on worker threads that load `moduleUrl` (a module calling `serveTasks`). Results come
 * back in task order whatever the schedule, so output does not depend on the worker count.
 */
export async function runPool<T, R>(moduleUrl: URL, tasks: readonly T[], options: PoolOptions<R> = {}): Promise<R[]> {
  const results: R[] = new Array(tasks.length);
  if (tasks.length === 0) return results;
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const workerCount = Math.max(1, Math.min(options.workers ?? defaultWorkers(), Math.ceil(tasks.length / batchSize)));
  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const feed = (worker: Worker): void => {
        if (next >= tasks.length) {
          finished++;
          if (finished === workerCount) resolve();
          return;
        }
        const start = next;
        const batch = tasks.slice(start, start + batchSize);
        next += batch.length;
        worker.postMessage({ start, tasks: batch });
      };
      for (let w = 0; w < workerCount; w++) {
        const worker = new Worker(ENTRY, { workerData: { module: moduleUrl.href } });
        workers.push(worker);
        worker.on('message', (msg: { start: number; results?: R[]; error?: string; ready?: boolean }) => {
          if (msg.error !== undefined) {
            reject(new Error(msg.error));
            return;
          }
          if (msg.ready) {
            feed(worker);
            return;
          }
          msg.results!.forEach((r, i) => {
            results[msg.start + i] = r;
            options.onResult?.(msg.start + i, r);
          });
          feed(worker);
        });
        worker.on('error', reject);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
