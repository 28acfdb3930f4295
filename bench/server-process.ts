import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { packageRoot } from '../src/lib/index.js';

/** Whether `taskset` can pin processes to cores here. */
export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Core 0 runs the server under test; core 1 runs this process and the load generators. */
export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

/** Pins a running process, all its threads included, to a core (no-op without taskset). */
export function pinProcess(pid: number, core: string): void {
  if (canPin) spawnSync('taskset', ['-a', '-p', '-c', core, String(pid)], { stdio: 'ignore' });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** What the process printed up to its ready line (other ports it listens on are read from it). */
  startupLog: string;
  /** CPU seconds (user + system, all threads) the server process has used so far. */
  cpuSeconds(): number;
  /** CPU seconds in user space only: the process's own code, without the kernel's socket work it triggers. */
  userCpuSeconds(): number;
  rssBytes(): number;
  /** Bytes the process has handed to write calls so far (sockets included): `wchar` of /proc/<pid>/io. */
  writtenBytes(): number;
  /** A full garbage collection through the inspector (servers started with `inspect` only). */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

/** Sends one inspector command and waits for its answer. */
function inspectorCall(url: string, method: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method })));
    ws.once('message', () => {
      ws.close();
      resolve();
    });
    ws.once('error', reject);
  });
}

const CLK_TCK = 100;
const PAGE = 4096;

/** CPU seconds (user + system, all threads) and RSS of any local process, from /proc. */
export function procStat(pid: number): { cpu: number; user: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15, rss 24.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(f[11]) / CLK_TCK;
  return { cpu: user + Number(f[12]) / CLK_TCK, user, rss: Number(f[21]) * PAGE };
}

/** Extra Node flags for every server started from now on (e.g. `--cpu-prof`). */
const serverNodeFlags: string[] = [];

export function setServerNodeFlags(flags: string[]): void {
  serverNodeFlags.splice(0, serverNodeFlags.length, ...flags);
}

/**
 * Starts a Node script as the server under test, pinned to the server core, and waits
 * until its output shows the port it listens on (`"port":N` in a line that `ready` matches).
 */
export async function startServerProcess(script: string, args: string[], ready: RegExp, inspect = false): Promise<ServerProcess> {
  const argv = [...serverNodeFlags, ...(inspect ? ['--inspect=127.0.0.1:0'] : []), script, ...args];
  let inspector: string | undefined;
  const child = canPin ? spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...argv]) : spawn(process.execPath, argv);
  let out = '';
  let startupLog = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.test(out) && /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        startupLog = out;
        out = '';
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(out)?.[1];
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  // taskset execs node, so the pid is the server's own.
  return serverOf(child, port, startupLog, () => inspector);
}

/** A started server process as the harness measures it. */
export function serverOf(child: ChildProcess, port: number, startupLog: string, inspector: () => string | undefined = () => undefined): ServerProcess {
  const pid = child.pid!;
  return {
    child,
    port,
    startupLog,
    cpuSeconds: () => procStat(pid).cpu,
    userCpuSeconds: () => procStat(pid).user,
    rssBytes: () => procStat(pid).rss,
    writtenBytes: () => Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0),
    collectGarbage: () => {
      const url = inspector();
      return url ? inspectorCall(url, 'HeapProfiler.collectGarbage') : Promise.reject(new Error('server started without the inspector'));
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        // Some peers hold thousands of sockets; don't wait for a graceful close forever.
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

/** Starts `parsec serve` with a config and waits for its port; `inspect` enables collectGarbage. */
export function startParsec(config: object, inspect = false): Promise<ServerProcess> {
  const file = join(tmpdir(), `parsec-bench-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(config));
  const main = join(packageRoot(), 'dist/src/cli/main.js');
  return startServerProcess(main, ['serve', '--config', file, '--port', '0', '--address', '127.0.0.1'], /"msg":"parsec started"/, inspect);
}

/** Starts one of the comparison servers in bench/peers (compiled to dist/bench/peers). */
export function startPeer(script: 'ws-broadcast' | 'socketio-broadcast' | 'aedes-broker', args: string[] = [], inspect = false): Promise<ServerProcess> {
  return startServerProcess(join(packageRoot(), `dist/bench/peers/${script}.js`), args, /"msg":"listening"/, inspect);
}
