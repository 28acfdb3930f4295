import type { LoadPool } from '../load/pool.js';
import type { PublishRequest } from '../publisher.js';
import type { ServerProcess } from '../server-process.js';

/** One delivery measurement: what was published, what arrived, how fast and at what server CPU. */
export interface Delivery {
  published: number;
  expected: number;
  delivered: number;
  lost: number;
  /** From the first publish to the last delivery. */
  seconds: number;
  deliveredPerSecond: number;
  serverCpuSeconds: number;
  /** Deliveries per server CPU second: the figure that compares servers here. */
  perCpuSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface DeliveryLoad<R = PublishRequest> {
  /** Publish requests per second and their count. */
  rate: number;
  total: number;
  /** Deliveries the whole load should produce. */
  expected: number;
  make(n: number): R;
}

/** What publishes a load at a fixed rate: an HTTP publish API (Publisher) or an MQTT connection (MqttPublisher). */
export interface Pacer<R> {
  paced(rate: number, total: number, maxInFlight: number, make: (n: number) => R): Promise<number>;
}

/** How long deliveries may trail the last publish before the rest counts as lost. */
const DRAIN_MS = 15_000;

/**
 * Publishes at a fixed rate and counts deliveries at the load workers. Server CPU is
 * read from /proc when the last expected delivery arrived (or the drain ended).
 */
export async function measureDelivery<R>(pool: LoadPool, servers: ServerProcess[], publisher: Pacer<R>, load: DeliveryLoad<R>): Promise<Delivery> {
  await pool.stats(true);
  const cpu0 = servers.map((s) => s.cpuSeconds());
  const started = performance.now();
  await publisher.paced(load.rate, load.total, 64, load.make);
  const delivered = await pool.awaitDelivered(load.expected, DRAIN_MS);
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = servers.reduce((sum, s, i) => sum + s.cpuSeconds() - cpu0[i]!, 0);
  const { histogram } = await pool.stats(true);
  return {
    published: load.total,
    expected: load.expected,
    delivered,
    lost: Math.max(0, load.expected - delivered),
    seconds,
    deliveredPerSecond: delivered / seconds,
    serverCpuSeconds,
    perCpuSecond: delivered / Math.max(serverCpuSeconds, 0.01),
    p50: histogram.percentile(50),
    p95: histogram.percentile(95),
    p99: histogram.percentile(99),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One second of warm-up at the load's rate (JIT, buffers), then `seconds` measured; the
 * clients are dropped afterwards and the server gets a moment to release them.
 */
export async function warmAndMeasure<R>(pool: LoadPool, servers: ServerProcess[], publisher: Pacer<R>, load: (total: number) => DeliveryLoad<R>, rate: number, seconds: number): Promise<Delivery> {
  await measureDelivery(pool, servers, publisher, load(rate));
  const m = await measureDelivery(pool, servers, publisher, load(rate * seconds));
  await pool.closeAll();
  await sleep(500);
  return m;
}
