import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Config, ConsumerConfig } from '../../src/config/index.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { postgresUrl, randomPrefix, redisUrl, skipWithout } from '../helpers/services.js';
import { until, within } from '../helpers/until.js';
import { consumer, consumerCount, consumerServer, createOutbox, history, insertOutbox, subscriber, withHistory } from './helpers.js';

const skip = (await skipWithout('Postgres', postgresUrl)) || (await skipWithout('Redis', redisUrl));

const rowCount = async (db: pg.Client, table: string): Promise<number> => Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

describe('PostgreSQL outbox consumer', { skip: skip || undefined }, () => {
  let db: pg.Client;
  const tables: string[] = [];
  const servers: TestServer[] = [];
  before(async () => {
    db = new pg.Client({ connectionString: postgresUrl });
    await db.connect();
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const t of tables) {
      await db.query(`DROP TABLE IF EXISTS ${t}`);
      await db.query(`DROP FUNCTION IF EXISTS ${t}_notify()`);
    }
    await db.end();
  });

  const freshTable = async (payloadType?: 'JSONB' | 'BYTEA'): Promise<string> => {
    const table = `parsec_outbox_${randomBytes(4).toString('hex')}`;
    tables.push(table);
    await createOutbox(db, table, payloadType);
    return table;
  };

  const outbox = (table: string, extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}): ConsumerConfig =>
    consumer({
      name: `outbox_${table.slice(-8)}`,
      type: 'postgresql',
      ...top,
      postgresql: { dsn: postgresUrl, outbox_table_name: table, partition_poll_interval: '5s', partition_notification_channel: table, ...extra },
    });

  const serve = (edit: (c: Config) => void): Promise<TestServer> => consumerServer(servers, edit);

  it('applies rows inserted in one transaction, in order, in every payload form Centrifugo accepts, and deletes them', async () => {
    const table = await freshTable();
    const s = await serve((c) => (c.consumers = [outbox(table)]));
    const watcher = await subscriber(s.url, ['orders']);
    const rows = Array.from({ length: 30 }, (_, n) => {
      const request = { channel: 'orders', data: { n } };
      // The method in its column; Centrifugo's {method, payload} envelope; and the envelope's
      // payload as a JSON string, as CDC tools write JSONB.
      if (n % 3 === 0) return { method: 'publish', payload: request };
      if (n % 3 === 1) return { method: '', payload: { method: 'publish', payload: request } };
      return { method: '', payload: { method: 'publish', payload: JSON.stringify(request) } };
    });
    await insertOutbox(db, table, rows);
    // The poll interval is 5 s: arriving sooner shows the trigger's NOTIFY woke the partition.
    await until(() => watcher.total() === 30, 4000);
    assert.deepEqual(watcher.byChannel.get('orders'), rows.map((_, n) => ({ n })));
    await until(async () => (await rowCount(db, table)) === 0);
    watcher.client.disconnect();
  });

  it('listens again after the LISTEN connection is lost', async () => {
    const table = await freshTable();
    const s = await serve((c) => (c.consumers = [outbox(table)]));
    const app = `parsec-listen-${s.app.config.consumers[0]!.name}`;
    const listeners = async (): Promise<number[]> =>
      (await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])).rows.map((r) => r.pid);
    const [first] = await listeners();
    assert.ok(first, 'a LISTEN session');
    await db.query('SELECT pg_terminate_backend($1)', [first]);
    await until(async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== first;
    }, 10_000);
    const watcher = await subscriber(s.url, ['again']);
    await insertOutbox(db, table, [{ method: 'publish', payload: { channel: 'again', data: 1 } }]);
    // Sooner than the 5 s poll interval: woken by the new LISTEN session.
    await until(() => watcher.total() === 1, 4000);
    watcher.client.disconnect();
  });

  it('two nodes share the partitions: every row applied once, in order per partition', async () => {
    const table = await freshTable();
    const prefix = randomPrefix('outbox');
    const edit = (c: Config): void => {
      c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redisUrl], prefix } };
      c.consumers = [outbox(table, { num_partitions: 4, partition_select_limit: 5 })];
    };
    const a = await serve(edit);
    const b = await serve(edit);
    // One subscriber on one node sees every node's publications through Redis: one list shows
    // both loss and duplicates, and the order across the nodes that took turns on a partition.
    const channels = ['p0', 'p1', 'p2', 'p3'];
    const watcher = await subscriber(a.url, channels);
    const perPartition = 40;
    for (let batch = 0; batch < 4; batch++) {
      const rows = channels.flatMap((channel, partition) =>
        Array.from({ length: perPartition / 4 }, (_, i) => ({ method: 'publish', payload: { channel, data: { n: batch * (perPartition / 4) + i } }, partition })),
      );
      await insertOutbox(db, table, rows);
    }
    await until(() => watcher.total() >= channels.length * perPartition, 20_000);
    for (const channel of channels) assert.deepEqual(watcher.byChannel.get(channel), Array.from({ length: perPartition }, (_, n) => ({ n })), channel);
    // Counted after each commit, which follows the publications.
    const processed = (app: TestServer): Promise<number> => consumerCount(app.app, 'centrifugo_consumers_messages_processed_total', {});
    await until(async () => (await processed(a)) + (await processed(b)) === channels.length * perPartition);
    const [byA, byB] = [await processed(a), await processed(b)];
    assert.ok(byA > 0 && byB > 0, `both nodes took rows (a: ${byA}, b: ${byB})`);
    watcher.client.disconnect();
  });

  it('skips poison rows (not JSON, unknown method, refused by the API) and applies the rows after them', async () => {
    const table = await freshTable('BYTEA');
    const s = await serve((c) => (c.consumers = [outbox(table)]));
    const watcher = await subscriber(s.url, ['events']);
    const name = s.app.config.consumers[0]!.name;
    await insertOutbox(db, table, [
      { method: 'publish', payload: Buffer.from(JSON.stringify({ channel: 'events', data: { n: 0 } })) },
      { method: 'publish', payload: Buffer.from('{not json') },
      { method: 'frobnicate', payload: Buffer.from('{}') },
      { method: 'presence', payload: Buffer.from(JSON.stringify({ channel: 'events' })) },
      { method: 'publish', payload: Buffer.from(JSON.stringify({ data: { n: 'no channel' } })) },
      { method: 'publish', payload: Buffer.from(JSON.stringify({ channel: 'nowhere:x', data: {} })) },
      { method: 'publish', payload: Buffer.from(JSON.stringify({ channel: 'events', data: { n: 1 } })) },
    ]);
    await until(() => watcher.total() === 2);
    assert.deepEqual(watcher.byChannel.get('events'), [{ n: 0 }, { n: 1 }]);
    await until(async () => (await rowCount(db, table)) === 0);
    assert.equal(await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: name, outcome: 'skipped' }), 5);
    watcher.client.disconnect();
  });

  describe('with the engine down', () => {
    // Two Redis shards: channels hash to one or the other, so stopping one fails the commands
    // for its channels only, which shows a failing partition holds up no other.
    let redis: OwnRedis;
    let other: OwnRedis;
    before(async () => {
      redis = await OwnRedis.start();
      other = await OwnRedis.start();
    });
    after(async () => {
      await redis.down();
      await other.down();
    });

    it('retries a failing command with backoff until it succeeds, while other partitions go on', async () => {
      const table = await freshTable();
      const prefix = randomPrefix('outbox-down');
      const s = await serve((c) => {
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redis.url, other.url], prefix } };
        withHistory(c);
        c.consumers = [outbox(table, { num_partitions: 2 })];
      });
      const name = s.app.config.consumers[0]!.name;
      await redis.down();
      // A channel on the stopped shard and one on the running shard, found by asking.
      const candidates = Array.from({ length: 16 }, (_, i) => `ledger${i}`);
      const works = await Promise.all(
        candidates.map(async (channel) => {
          const res = await fetch(`${s.httpUrl}/api/publish`, { method: 'POST', headers: { 'X-API-Key': 'api-key' }, body: JSON.stringify({ channel, data: 'probe' }) });
          return !('error' in ((await res.json()) as object));
        }),
      );
      const down = candidates[works.indexOf(false)]!;
      const up = candidates[works.indexOf(true)]!;
      assert.ok(down && up, 'channels on both shards');
      await insertOutbox(db, table, [
        ...[0, 1, 2].map((n) => ({ method: 'publish', payload: { channel: down, data: { n } }, partition: 0 })),
        ...[0, 1, 2].map((n) => ({ method: 'publish', payload: { channel: up, data: { n } }, partition: 1 })),
      ]);
      await until(async () => (await history(s, up)).length === 4, 10_000);
      await until(async () => (await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: name, outcome: 'retried' })) >= 2, 10_000);
      assert.equal(await rowCount(db, table), 3, 'the failing partition keeps its rows');
      await redis.up();
      await until(async () => (await rowCount(db, table)) === 0, 15_000);
      assert.deepEqual(await history(s, down), [{ n: 0 }, { n: 1 }, { n: 2 }]);
      assert.deepEqual(await history(s, up), ['probe', { n: 0 }, { n: 1 }, { n: 2 }]);
    });

    it('skips a command still failing after max_attempts, so the partition moves on', async () => {
      const table = await freshTable();
      const prefix = randomPrefix('outbox-bound');
      const s = await serve((c) => {
        c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [redis.url], prefix } };
        c.consumers = [outbox(table, {}, { max_attempts: 3 })];
      });
      const name = s.app.config.consumers[0]!.name;
      await redis.down();
      await insertOutbox(db, table, [{ method: 'publish', payload: { channel: 'x', data: {} } }]);
      await until(async () => (await rowCount(db, table)) === 0, 10_000);
      assert.equal(await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: name, outcome: 'retried' }), 2);
      assert.equal(await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: name, outcome: 'skipped' }), 1);
    });
  });

  it('a graceful stop ends consuming at once, even with a partition retrying, and leaves unapplied rows in place', async () => {
    const engine = await OwnRedis.start();
    try {
      const table = await freshTable();
      const s = await startServer(
        testConfig((c) => {
          c.prometheus.enabled = true;
          c.engine = { type: 'redis', redis: { ...c.engine.redis, address: [engine.url], prefix: randomPrefix('outbox-stop') } };
          c.consumers = [outbox(table)];
        }),
      );
      const name = s.app.config.consumers[0]!.name;
      await engine.down();
      await insertOutbox(db, table, [{ method: 'publish', payload: { channel: 'stop', data: 1 } }]);
      await until(async () => (await consumerCount(s.app, 'parsec_consumers_messages_total', { consumer_name: name, outcome: 'retried' })) >= 1, 10_000);
      // Bounded by shutdown.timeout (2 s in tests) plus the lock wait: it must end, however long the backoff.
      await within(s.close(), 10_000, 'graceful stop');
      assert.equal(await rowCount(db, table), 1);
    } finally {
      await engine.down();
    }
  });

  it('stops the start naming the consumer when the table does not exist', async () => {
    const missing = `parsec_outbox_missing_${randomBytes(4).toString('hex')}`;
    await assert.rejects(
      startServer(testConfig((c) => (c.consumers = [outbox(missing)]))),
      (err: Error) => err.message.includes(`consumer "outbox_${missing.slice(-8)}"`) && err.message.includes(missing),
    );
  });
});
