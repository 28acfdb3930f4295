import cluster from 'node:cluster';
import type { Logger } from 'pino';

const RESPAWN_DELAY_MS = 1000;

/**
 * `--workers N`: the primary process forks N workers that share the listening port (the
 * kernel spreads connections), each a full Parsec node; they cooperate through the
 * engine exactly as separate machines would. The primary restarts a worker that dies
 * and, on SIGTERM/SIGINT, stops them all gracefully before exiting.
 */
export function runWorkers(count: number, log: Logger): Promise<number> {
  let stopping = false;
  const fork = (): void => {
    cluster.fork();
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a new one');
    setTimeout(fork, RESPAWN_DELAY_MS).unref();
  });
  for (let i = 0; i < count; i++) fork();
  log.info({ workers: count }, 'workers started');
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping workers');
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      if (workers.length === 0) resolve(0);
      let left = workers.length;
      for (const w of workers) {
        w.once('exit', () => {
          if (--left === 0) resolve(0);
        });
        w.process.kill(signal);
      }
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
