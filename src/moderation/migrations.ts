import type pg from 'pg';

/** One schema change; versions only ever grow, and an applied one is never edited. */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** The moderation schema, oldest first. */
export const MODERATION_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'user blocks',
    statements: [
      `CREATE TABLE parsec_user_blocks (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        reason text NOT NULL DEFAULT '',
        blocked_by text NOT NULL DEFAULT '',
        blocked_at timestamptz NOT NULL,
        expire_at timestamptz,
        lifted_at timestamptz,
        lifted_by text NOT NULL DEFAULT ''
      )`,
      'CREATE INDEX parsec_user_blocks_order ON parsec_user_blocks (blocked_at DESC, id DESC)',
      'CREATE INDEX parsec_user_blocks_current ON parsec_user_blocks (user_id) WHERE lifted_at IS NULL',
    ],
  },
  {
    version: 2,
    name: 'rate limit overrides',
    statements: [
      `CREATE TABLE parsec_rate_limits (
        id smallint PRIMARY KEY CHECK (id = 1),
        settings jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL DEFAULT ''
      )`,
    ],
  },
  {
    version: 3,
    name: 'activity',
    statements: [
      `CREATE TABLE parsec_activity_sessions (
        client_id text PRIMARY KEY,
        user_id text NOT NULL,
        transport text NOT NULL,
        protocol text NOT NULL,
        remote_addr text NOT NULL DEFAULT '',
        labels jsonb NOT NULL DEFAULT '{}',
        app_name text NOT NULL DEFAULT '',
        app_version text NOT NULL DEFAULT '',
        node text NOT NULL DEFAULT '',
        connected_at timestamptz NOT NULL,
        disconnected_at timestamptz,
        disconnect_code integer NOT NULL DEFAULT 0,
        disconnect_reason text NOT NULL DEFAULT ''
      )`,
      'CREATE INDEX parsec_activity_sessions_order ON parsec_activity_sessions (connected_at DESC, client_id DESC)',
      'CREATE INDEX parsec_activity_sessions_user ON parsec_activity_sessions (user_id, connected_at DESC)',
      `CREATE TABLE parsec_activity_channels (
        channel text NOT NULL,
        minute timestamptz NOT NULL,
        publications bigint NOT NULL DEFAULT 0,
        deliveries bigint NOT NULL DEFAULT 0,
        bytes bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (minute, channel)
      )`,
    ],
  },
  {
    version: 4,
    name: 'activity node uid',
    statements: [
      'ALTER TABLE parsec_activity_sessions ADD COLUMN node_uid text NOT NULL DEFAULT \'\'',
      // Rows written before held the node's uid in `node` (its name was not recorded).
      "UPDATE parsec_activity_sessions SET node_uid = node",
    ],
  },
];

/** Serialises runners of every node starting at once (any constant; this one spells "parsec"). */
const LOCK_KEY = 0x706172736563;

/**
 * Brings the schema up to the newest version in one transaction: nodes starting together
 * wait on an advisory lock, and a failing step leaves the schema as it was. Resolves with
 * the versions applied (none when already current).
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MODERATION_MIGRATIONS): Promise<number[]> {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    await db.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await db.query('CREATE TABLE IF NOT EXISTS parsec_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM parsec_schema_migrations');
    const current = rows[0]?.v ?? 0;
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      for (const sql of m.statements) await db.query(sql);
      await db.query('INSERT INTO parsec_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    await db.query('COMMIT');
    return applied;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}
