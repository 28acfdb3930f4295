import type { LoadPool } from '../load/pool.js';
import { SECRET, TARGET_KINDS, startTarget, type TargetKind } from '../targets.js';

export interface StormRow {
  kind: TargetKind;
  server: string;
  connections: number;
  failed: number;
  seconds: number;
  perSecond: number;
  serverCpuSeconds: number;
  perCpuSecond: number;
}

/**
 * Scenario (c), connect storm: each client opens a WebSocket, completes its handshake
 * (Parsec: `connect` with an HS256 token plus `subscribe`; ws: the upgrade with the
 * channel in the URL; Socket.IO: Engine.IO open plus namespace connect with a room join)
 * and drops the socket.
 */
export async function runStorm(pool: LoadPool, opts: { connections: number; concurrency: number; kinds?: readonly TargetKind[] }): Promise<StormRow[]> {
  const rows: StormRow[] = [];
  for (const kind of opts.kinds ?? TARGET_KINDS) {
    const target = await startTarget(kind);
    try {
      const spec = { dialect: target.dialect, port: target.server.port, shared: ['storm'], secret: SECRET, concurrency: opts.concurrency };
      await pool.storm({ ...spec, count: Math.ceil(opts.connections / 5) }); // warm-up
      const cpu0 = target.server.cpuSeconds();
      const r = await pool.storm({ ...spec, count: opts.connections });
      const serverCpuSeconds = target.server.cpuSeconds() - cpu0;
      rows.push({
        kind,
        server: target.name,
        connections: r.opened,
        failed: r.failed,
        seconds: r.seconds,
        perSecond: r.opened / r.seconds,
        serverCpuSeconds,
        perCpuSecond: r.opened / Math.max(serverCpuSeconds, 0.01),
      });
    } finally {
      await target.server.stop();
    }
  }
  return rows;
}
