import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { table } from './report.js';
import { startParsec, type ServerProcess } from './server-process.js';
import { parsecConfig } from './targets.js';

/*
 * Async consumers' drain rate: `node dist/bench/consumers.js [--commands 20000]`. Fills a
 * PostgreSQL outbox table (1 and 4 partitions) and a Redis stream (1 and 8 workers) with
 * publish commands, starts a server consuming it and times the drain; reports commands per
 * second and server CPU per 1000 commands. Needs PostgreSQL and Redis on the machine
 * (PARSEC_BENCH_POSTGRES_URL, PARSEC_BENCH_REDIS_URL).
 */
const { values } = parseArgs({ options: { commands: { type: 'string', default: '20000' } } });
const N = Number(values.commands);
const postgresUrl = process.env.PARSEC_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.PARSEC_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Row {
  source: string;
  seconds: number;
  cpu: number;
}

/** Starts a server with one consumer, runs `fill` once it consumes, and waits for `drained`. */
async function measure(source: string, consumer: object, fill: () => Promise<void>, drained: () => Promise<boolean>): Promise<Row> {
  const server: ServerProcess = await startParsec(parsecConfig({ consumers: [{ name: 'bench', enabled: true, ...consumer }] }));
  try {
    await fill();
    const cpu0 = server.cpuSeconds();
    const t0 = performance.now();
    while (!(await drained())) await new Promise((r) => setTimeout(r, 5));
    return { source, seconds: (performance.now() - t0) / 1000, cpu: server.cpuSeconds() - cpu0 };
  } finally {
    await server.stop();
  }
}

const publish = (i: number): string => JSON.stringify({ channel: `bench${i % 64}`, data: { n: i } });

async function outbox(partitions: number): Promise<Row> {
  const db = new pg.Client({ connectionString: postgresUrl });
  await db.connect();
  const name = `parsec_bench_outbox_${process.pid}_${partitions}`;
  await db.query(`CREATE TABLE ${name} (id BIGSERIAL PRIMARY KEY, method text NOT NULL, payload JSONB NOT NULL, partition INTEGER NOT NULL DEFAULT 0)`);
  try {
    return await measure(
      `outbox, ${partitions} partition(s)`,
      { type: 'postgresql', postgresql: { dsn: postgresUrl, outbox_table_name: name, num_partitions: partitions, partition_poll_interval: '20ms' } },
      async () => {
        await db.query(
          `INSERT INTO ${name} (method, payload, partition) SELECT 'publish', jsonb_build_object('channel', 'bench' || (g % 64), 'data', jsonb_build_object('n', g)), g % $2 FROM generate_series(1, $1) g`,
          [N, partitions],
        );
      },
      async () => Number((await db.query(`SELECT count(*) AS n FROM ${name}`)).rows[0].n) === 0,
    );
  } finally {
    await db.query(`DROP TABLE ${name}`);
    await db.end();
  }
}

async function stream(workers: number): Promise<Row> {
  const redis = new Redis(redisUrl);
  const key = `parsec-bench-stream-${process.pid}-${workers}`;
  try {
    return await measure(
      `redis_stream, ${workers} worker(s)`,
      { type: 'redis_stream', redis_stream: { address: redisUrl, streams: [key], consumer_group: 'bench', num_workers: workers } },
      async () => {
        for (let from = 0; from < N; from += 1000) {
          const p = redis.pipeline();
          for (let i = from; i < Math.min(N, from + 1000); i++) p.xadd(key, '*', 'method', 'publish', 'payload', publish(i));
          await p.exec();
        }
      },
      async () => {
        const [group] = (await redis.xinfo('GROUPS', key)) as unknown[][];
        const field = (f: string): unknown => group![group!.indexOf(f) + 1];
        return field('lag') === 0 && field('pending') === 0;
      },
    );
  } finally {
    await redis.del(key);
    redis.disconnect();
  }
}

const rows = [await outbox(1), await outbox(4), await stream(1), await stream(8)];
console.log(`\n${N} publish commands each (memory engine, no subscribers)\n`);
console.log(
  table(
    ['source', 'commands/s', 'server CPU-s per 1000'],
    rows.map((r) => [r.source, String(Math.round(N / r.seconds)), ((r.cpu / N) * 1000).toFixed(3)]),
  ),
);
