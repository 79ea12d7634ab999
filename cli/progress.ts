import { createRequire } from 'node:module';

export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

/**
 * A progress bar on a terminal (cli-progress, on stderr); in CI logs (no TTY) plain lines at every
 * 10%, so logs stay readable. Silent when `quiet`.
 */
export function progress(label: string, total: number, quiet = false): Progress {
  if (quiet || total <= 1) return { tick() {}, stop() {} };
  if (process.stderr.isTTY) {
    // Loaded only when a bar is drawn: most runs (CI logs, pipes) never need it.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
  }
  let done = 0;
  let nextReport = 0.1;
  return {
    tick(n = 1) {
      done += n;
      if (done / total >= nextReport - 1e-9) {
        process.stderr.write(`${label}: ${done}/${total} (${Math.floor((done / total) * 100)}%)\n`);
        while (nextReport <= done / total + 1e-9) nextReport += 0.1;
      }
    },
    stop() {},
  };
}
