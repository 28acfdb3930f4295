import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_CORE, canPin, serverOf, type ServerProcess } from './server-process.js';

/** Whether the machine has a `mosquitto` broker to compare with. */
export const hasMosquitto = spawnSync('mosquitto', ['-h']).error === undefined;

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts a Mosquitto broker of our own (the machine's own holds 1883) on a free loopback
 * port with a temporary config, pinned to the server core like every server under test so
 * its CPU is read from its pid. Anonymous access, no persistence, no per-connection log
 * lines, and no cap on queued messages (the default 1000 would drop at a burst where the
 * other servers queue).
 */
export async function startMosquitto(): Promise<ServerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parsec-bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'connection_messages false', 'max_queued_messages 0', 'max_queued_bytes 0', ''].join('\n'),
  );
  const child = canPin ? spawn('taskset', ['-c', SERVER_CORE, 'mosquitto', '-c', conf]) : spawn('mosquitto', ['-c', conf]);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // taskset execs mosquitto, so the pid is the broker's own.
  return serverOf(child, port, log);
}
