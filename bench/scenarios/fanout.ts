import { nowMicros } from '../load/histogram.js';
import type { LoadPool } from '../load/pool.js';
import { Publisher } from '../publisher.js';
import { startParsec, type ServerProcess } from '../server-process.js';
import { SECRET, parsecConfig, parsecPublish, stampedPayload } from '../targets.js';
import { warmAndMeasure, type Delivery } from './measure.js';

export interface FanoutResult extends Delivery {
  setup: string;
  subscribers: number;
}

/** Subscribers spread evenly over the nodes, a publisher on the first node at a fixed rate. */
export async function measureFanout(pool: LoadPool, setup: string, servers: ServerProcess[], opts: { subscribers: number; rate: number; seconds: number }): Promise<FanoutResult> {
  let from = 0;
  for (const [i, s] of servers.entries()) {
    const count = Math.floor(opts.subscribers / servers.length) + (i < opts.subscribers % servers.length ? 1 : 0);
    const open = await pool.open({ dialect: 'parsec', port: s.port, count, shared: ['fanout'], secret: SECRET, concurrency: 50 }, from);
    if (open.failed) throw new Error(`${setup}: ${open.failed} subscribers failed: ${open.firstError}`);
    from += count;
  }
  const publisher = new Publisher(servers[0]!.port, 8);
  try {
    const load = (total: number) => ({ rate: opts.rate, total, expected: total * opts.subscribers, make: () => parsecPublish('fanout', stampedPayload(nowMicros())) });
    return { setup, subscribers: opts.subscribers, ...(await warmAndMeasure(pool, servers, publisher, load, opts.rate, opts.seconds)) };
  } finally {
    publisher.close();
  }
}

/**
 * Fan-out through the engine: one node on the memory engine against two nodes sharing Redis
 * and two nodes on the memory engine with NATS as the broker, same load, same run.
 */
export async function runFanout(pool: LoadPool, opts: { subscribers: number; rate: number; seconds: number; redisUrl: string; natsUrl: string }): Promise<FanoutResult[]> {
  const results: FanoutResult[] = [];
  const memory = await startParsec(parsecConfig());
  try {
    results.push(await measureFanout(pool, '1 node, memory', [memory], opts));
  } finally {
    await memory.stop();
  }
  const redis = parsecConfig({ engine: { type: 'redis', redis: { address: opts.redisUrl, prefix: `parsec-bench-${Date.now()}` } } });
  const nodes = [await startParsec(redis), await startParsec(redis)];
  try {
    results.push(await measureFanout(pool, '2 nodes, Redis', nodes, opts));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
  const nats = parsecConfig({ broker: { enabled: true, type: 'nats', nats: { url: opts.natsUrl, prefix: `parsec-bench-${Date.now()}` } } });
  const natsNodes = [await startParsec(nats), await startParsec(nats)];
  try {
    results.push(await measureFanout(pool, '2 nodes, NATS', natsNodes, opts));
  } finally {
    await Promise.all(natsNodes.map((n) => n.stop()));
  }
  return results;
}
