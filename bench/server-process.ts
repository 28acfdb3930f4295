import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/lib/index.js';

/** Whether `taskset` can pin processes to cores here. */
export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

const CLK_TCK = 100;

function procStat(pid: number): { cpu: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpu: (Number(f[11]) + Number(f[12])) / CLK_TCK, rss: Number(f[21]) * 4096 };
}

/** Starts `parsec serve` with a config (pinned to core 0 when possible) and waits for its port. */
export async function startParsec(config: object): Promise<ServerProcess> {
  const file = join(tmpdir(), `parsec-bench-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const main = join(packageRoot(), 'dist/src/cli/main.js');
  const args = ['serve', '--config', file, '--port', '0', '--address', '127.0.0.1'];
  const child = canPin ? spawn('taskset', ['-c', '0', process.execPath, main, ...args]) : spawn(process.execPath, [main, ...args]);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"msg":"parsec started"/.test(out) && /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  // With taskset the child is taskset itself until exec; after exec the pid is node's.
  const pid = child.pid!;
  return {
    child,
    port,
    cpuSeconds: () => procStat(pid).cpu,
    rssBytes: () => procStat(pid).rss,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
