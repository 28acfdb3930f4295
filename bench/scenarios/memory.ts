import type { LoadPool } from '../load/pool.js';
import { SECRET, TARGET_KINDS, startTarget, type TargetKind } from '../targets.js';
import type { ServerProcess } from '../server-process.js';
import { sleep } from './measure.js';

export interface MemoryRow {
  kind: TargetKind;
  server: string;
  /** RSS with no client, after start. */
  baseBytes: number;
  /** [connections, RSS] at each step. */
  steps: { connections: number; rssBytes: number; perConnection: number }[];
  /** RSS growth per connection between the last two steps: the slope to project with. */
  slope: number;
}

/** Lets the server settle (buffers released) before a full GC and the RSS reading. */
const SETTLE_MS = 2_000;

/** RSS once the garbage the handshakes left is collected, so only live per-connection state counts. */
export async function settledRss(server: ServerProcess): Promise<number> {
  await sleep(SETTLE_MS);
  await server.collectGarbage();
  await sleep(500);
  return server.rssBytes();
}

/**
 * Scenario (d), idle memory: a fresh server, then idle clients each subscribed to a
 * channel of its own, RSS read from /proc at each step after a full GC (forced through
 * the inspector, the same way for every server). One process here can hold
 * about 19k sockets (20,000 open files per process, a hard limit), so the steps stop
 * below that and larger counts are projected from the slope.
 */
export async function runMemory(pool: LoadPool, opts: { steps: number[]; kinds?: readonly TargetKind[] }): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const kind of opts.kinds ?? TARGET_KINDS) {
    const target = await startTarget(kind, true);
    try {
      const baseBytes = await settledRss(target.server);
      const steps: MemoryRow['steps'] = [];
      let connected = 0;
      for (const step of opts.steps) {
        const open = await pool.open({ dialect: target.dialect, port: target.server.port, count: step - connected, personal: 'm', shared: [], secret: SECRET, concurrency: 50 }, connected);
        if (open.failed) throw new Error(`${target.name}: ${open.failed} clients failed: ${open.firstError}`);
        connected = step;
        const rssBytes = await settledRss(target.server);
        steps.push({ connections: step, rssBytes, perConnection: (rssBytes - baseBytes) / step });
      }
      const [a, b] = steps.slice(-2);
      const slope = a && b ? (b.rssBytes - a.rssBytes) / (b.connections - a.connections) : steps[0]!.perConnection;
      rows.push({ kind, server: target.name, baseBytes, steps, slope });
      await pool.closeAll();
    } finally {
      await target.server.stop();
    }
  }
  return rows;
}
