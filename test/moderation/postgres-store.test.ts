import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { EngineError } from '../../src/engine/index.js';
import { createModerationStore, migrate, MODERATION_MIGRATIONS, PostgresModerationStore } from '../../src/moderation/index.js';
import { postgresUrl, skipWithout } from '../helpers/services.js';
import { runModerationStoreSuite } from './store-suite.js';
import { runActivityStoreSuite } from './activity-store-suite.js';

const skip = await skipWithout('Postgres', postgresUrl);
const log = pino({ level: 'silent' });

/** A DSN whose sessions live in `schema` (created empty for the run). */
function dsnFor(schema: string): string {
  const u = new URL(postgresUrl);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

describe('PostgreSQL moderation store', { skip: skip || undefined }, () => {
  const schemas: string[] = [];
  let db: pg.Client;
  before(async () => {
    db = new pg.Client({ connectionString: postgresUrl });
    await db.connect();
  });
  after(async () => {
    for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await db.end();
  });
  const freshSchema = async (): Promise<string> => {
    const schema = `parsec_mod_${randomBytes(4).toString('hex')}`;
    schemas.push(schema);
    await db.query(`CREATE SCHEMA ${schema}`);
    return schema;
  };

  runModerationStoreSuite(async () => PostgresModerationStore.start(dsnFor(await freshSchema()), log));

  describe('activity', () => {
    const stores: PostgresModerationStore[] = [];
    after(async () => {
      for (const s of stores) await s.close();
    });
    runActivityStoreSuite(async () => {
      const store = await PostgresModerationStore.start(dsnFor(await freshSchema()), log);
      stores.push(store);
      return store.activity();
    });
  });

  it('migrates a fresh schema once, records the versions, and leaves a current one alone', async () => {
    const schema = await freshSchema();
    const pool = new pg.Pool({ connectionString: dsnFor(schema) });
    try {
      // Two nodes starting at once: the advisory lock makes one apply and the other find it done.
      const [a, b] = await Promise.all([migrate(pool), migrate(pool)]);
      assert.deepEqual([...a, ...b].sort(), MODERATION_MIGRATIONS.map((m) => m.version));
      const { rows } = await pool.query('SELECT version, name FROM parsec_schema_migrations ORDER BY version');
      assert.deepEqual(rows, MODERATION_MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      assert.deepEqual(await migrate(pool), []);
      // A newer release adds a step: only that one runs.
      const next = [...MODERATION_MIGRATIONS, { version: 99, name: 'test step', statements: ['CREATE TABLE parsec_test_step (x int)'] }];
      assert.deepEqual(await migrate(pool, next), [99]);
      // A failing step leaves the schema as it was.
      const broken = [...next, { version: 100, name: 'broken', statements: ['CREATE TABLE parsec_ok (x int)', 'SELECT nonsense('] }];
      await assert.rejects(migrate(pool, broken));
      const { rows: tables } = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'parsec_ok'`, [schema]);
      assert.deepEqual(tables, []);
    } finally {
      await pool.end();
    }
  });

  it('keeps the node uid of sessions recorded before nodes were recorded by name', async () => {
    const pool = new pg.Pool({ connectionString: dsnFor(await freshSchema()) });
    try {
      await migrate(pool, MODERATION_MIGRATIONS.filter((m) => m.version <= 3));
      // Before version 4, `node` held the node's uid.
      await pool.query(`INSERT INTO parsec_activity_sessions (client_id, user_id, transport, protocol, node, connected_at) VALUES ('c1', 'u', 'websocket', 'json', 'ab12cd34', now())`);
      assert.deepEqual(await migrate(pool), [4]);
      const { rows } = await pool.query('SELECT node, node_uid FROM parsec_activity_sessions');
      assert.deepEqual(rows, [{ node: 'ab12cd34', node_uid: 'ab12cd34' }]);
    } finally {
      await pool.end();
    }
  });

  it('refuses to start on a database it cannot reach, naming the key', async () => {
    await assert.rejects(createModerationStore({ postgresDsn: 'postgres://postgres@127.0.0.1:1/test?connect_timeout=2', log }), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, /^parsec\.store\.postgres_dsn: cannot use PostgreSQL: /);
      return true;
    });
  });
});
