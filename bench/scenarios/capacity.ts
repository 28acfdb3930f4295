import { Redis } from 'ioredis';
import { nowMicros } from '../load/histogram.js';
import type { LoadPool } from '../load/pool.js';
import { Publisher } from '../publisher.js';
import { procStat, startParsec } from '../server-process.js';
import { parsecBatch, parsecConfig, SECRET, stampedPayload } from '../targets.js';
import { measureDelivery, sleep, type Delivery } from './measure.js';
import { settledRss } from './memory.js';

export interface CapacityOptions {
  /** Connections held by each of the two nodes (at most ~18k: 20,000 open files per process). */
  perNode: number;
  /** Publications per second, each to one connection's own channel. */
  rate: number;
  seconds: number;
  /** How long the idle CPU is read (one keepalive round is 25 s). */
  idleSeconds: number;
  redisUrl: string;
}

export interface CapacityResult {
  nodes: number;
  connections: number;
  /** RSS of each node with no client, then with its connections, after a full GC. */
  baseRss: number[];
  loadedRss: number[];
  /** Server CPU seconds per connection-second with nothing published (keepalive only). */
  idleCpuPerConnectionSecond: number;
  delivery: Delivery;
  /** Redis CPU seconds used during the delivery measurement. */
  redisCpuSeconds: number;
  rate: number;
}

const BATCH = 50;
/**
 * The measurement the capacity model projects from: two nodes on one Redis, each holding
 * `perNode` connections on a channel of their own (the largest scale one machine allows
 * here: 20,000 open files per process), idle memory and CPU, then one publication per
 * channel at a fixed rate through the server API (batches of 50, all to the first node, so
 * half of them cross Redis to the other node), with Redis's own CPU read beside the nodes'.
 */
export async function runCapacity(pool: LoadPool, opts: CapacityOptions): Promise<CapacityResult> {
  const config = parsecConfig({ engine: { type: 'redis', redis: { address: opts.redisUrl, prefix: `parsec-bench-capacity-${Date.now()}` } } });
  const nodes = [await startParsec(config, true), await startParsec(config, true)];
  const redis = new Redis(opts.redisUrl);
  const publisher = new Publisher(nodes[0]!.port, 16);
  try {
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    const baseRss = await Promise.all(nodes.map(settledRss));
    for (const [i, node] of nodes.entries()) {
      const open = await pool.open({ dialect: 'parsec', port: node.port, count: opts.perNode, personal: 'c', shared: [], secret: SECRET, concurrency: 50 }, i * opts.perNode);
      if (open.failed) throw new Error(`node ${i + 1}: ${open.failed} clients failed: ${open.firstError}`);
    }
    const loadedRss = await Promise.all(nodes.map(settledRss));
    const connections = nodes.length * opts.perNode;

    const idle0 = nodes.map((n) => n.cpuSeconds());
    await sleep(opts.idleSeconds * 1000);
    const idleCpu = nodes.reduce((s, n, i) => s + n.cpuSeconds() - idle0[i]!, 0);

    const load = (requests: number) => ({
      rate: opts.rate / BATCH,
      total: requests,
      expected: requests * BATCH,
      make: () => {
        const stamp = stampedPayload(nowMicros());
        return parsecBatch(Array.from({ length: BATCH }, () => ({ channel: `c${Math.floor(Math.random() * connections)}`, data: stamp })));
      },
    });
    await measureDelivery(pool, nodes, publisher, load(Math.ceil(opts.rate / BATCH)));
    const redis0 = redisPid ? procStat(redisPid).cpu : 0;
    const delivery = await measureDelivery(pool, nodes, publisher, load(Math.ceil((opts.rate * opts.seconds) / BATCH)));
    const redisCpuSeconds = redisPid ? procStat(redisPid).cpu - redis0 : 0;
    await pool.closeAll();
    return { nodes: nodes.length, connections, baseRss, loadedRss, idleCpuPerConnectionSecond: idleCpu / (connections * opts.idleSeconds), delivery, redisCpuSeconds, rate: opts.rate };
  } finally {
    publisher.close();
    redis.disconnect();
    await Promise.all(nodes.map((n) => n.stop()));
  }
}
