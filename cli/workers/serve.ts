import { parentPort } from 'node:worker_threads';

/**
 * Inside a worker: answer batches of tasks from `runPool` with `handler`. An error thrown by a
 * task is sent back as a message (the pool rejects with it) rather than killing the thread.
 */
export function serveTasks<T, R>(handler: (task: T) => R | Promise<R>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks must run in a worker thread');
  port.on('message', async (msg: { start: number; tasks: T[] }) => {
    try {
      const results: R[] = [];
      for (const task of msg.tasks) results.push(await handler(task));
      port.postMessage({ start: msg.start, results });
    } catch (error) {
      const e = error as Error;
      port.postMessage({ start: msg.start, error: e.message });
    }
  });
  port.postMessage({ ready: true });
}
