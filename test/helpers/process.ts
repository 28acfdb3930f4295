import type { ChildProcess } from 'node:child_process';

export interface Started {
  port: number;
  /** The server's own pid, from its start log line (under `npm start`, npm's pid is the child's). */
  pid: number;
  output: () => string;
}

/**
 * Resolves once a spawned `parsec serve` logs "parsec started" (or, when `started` says
 * so, any line with its port: demo mode prints before the log line matters).
 */
export function waitForStart(child: ChildProcess, started: (out: string) => boolean = (out) => out.includes('parsec started'), ms = 30_000): Promise<Started> {
  let out = '';
  const read = (d: Buffer): void => {
    out += d.toString();
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), ms);
    child.stdout!.on('data', () => {
      const port = /"port":(\d+)/.exec(out);
      const pid = /"pid":(\d+)/.exec(out);
      if (port && pid && started(out)) {
        clearTimeout(timer);
        resolve({ port: Number(port[1]), pid: Number(pid[1]), output: () => out });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

export const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', (code) => resolve(code)));

/** Whether a process with this pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
