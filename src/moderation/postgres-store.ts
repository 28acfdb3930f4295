import pg from 'pg';
import type { Logger } from 'pino';
import type { UserBlock } from './blocks.js';
import { migrate } from './migrations.js';
import { PostgresActivityStore } from './postgres-activity.js';
import { cursorOf, parseCursor, type BlockPage, type BlockQuery, type ModerationStore, type StoredRateLimits } from './store.js';

interface BlockRow {
  id: string;
  user_id: string;
  reason: string;
  blocked_by: string;
  blocked_at: Date;
  expire_at: Date | null;
  lifted_at: Date | null;
  lifted_by: string;
}

const fromRow = (r: BlockRow): UserBlock => ({
  id: r.id,
  user: r.user_id,
  reason: r.reason,
  blockedBy: r.blocked_by,
  blockedAt: r.blocked_at.getTime(),
  expireAt: r.expire_at ? r.expire_at.getTime() : 0,
  liftedAt: r.lifted_at ? r.lifted_at.getTime() : 0,
  liftedBy: r.lifted_by,
});

/** SQL for "in force at $n". */
const IN_FORCE = (n: number): string => `lifted_at IS NULL AND (expire_at IS NULL OR expire_at > $${n})`;

/**
 * Blocks, their history and rate-limit overrides in PostgreSQL (tables `parsec_user_blocks`
 * and `parsec_rate_limits` in the DSN's schema), brought to the current version on start.
 */
export class PostgresModerationStore implements ModerationStore {
  readonly shared = true;
  readonly kind = 'postgres';
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {}

  /**
   * Connects and migrates; rejects when the database can't be reached or migrated. Once
   * started, a database that goes away makes calls reject (and is logged), never the process.
   */
  static async start(dsn: string, log: Logger): Promise<PostgresModerationStore> {
    const pool = new pg.Pool({ connectionString: dsn, max: 4, connectionTimeoutMillis: 5_000 });
    // An idle client losing its server emits here; without a listener the process would exit.
    pool.on('error', (err) => log.warn({ err: err.message }, 'moderation database connection lost'));
    try {
      const applied = await migrate(pool);
      if (applied.length > 0) log.info({ versions: applied }, 'moderation schema migrated');
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresModerationStore(pool);
  }

  async block(b: UserBlock): Promise<void> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      // Two operators blocking one user at once take turns, so one block stays in force.
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [b.user]);
      // The same block again (a notice replayed) changes nothing.
      const { rowCount } = await db.query('SELECT 1 FROM parsec_user_blocks WHERE id = $1', [b.id]);
      if (rowCount) {
        await db.query('COMMIT');
        return;
      }
      await db.query(`UPDATE parsec_user_blocks SET lifted_at = $2, lifted_by = $3 WHERE user_id = $1 AND ${IN_FORCE(2)}`, [b.user, new Date(b.blockedAt), b.blockedBy]);
      await db.query(
        `INSERT INTO parsec_user_blocks (id, user_id, reason, blocked_by, blocked_at, expire_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [b.id, b.user, b.reason, b.blockedBy, new Date(b.blockedAt), b.expireAt ? new Date(b.expireAt) : null],
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  async unblock(user: string, by: string, at: number): Promise<UserBlock | undefined> {
    const { rows } = await this.pool.query<BlockRow>(`UPDATE parsec_user_blocks SET lifted_at = $3, lifted_by = $2 WHERE user_id = $1 AND ${IN_FORCE(3)} RETURNING *`, [
      user,
      by,
      new Date(at),
    ]);
    return rows[0] && fromRow(rows[0]);
  }

  async activeBlocks(now: number): Promise<UserBlock[]> {
    const { rows } = await this.pool.query<BlockRow>(`SELECT * FROM parsec_user_blocks WHERE ${IN_FORCE(1)}`, [new Date(now)]);
    return rows.map(fromRow);
  }

  async listBlocks(q: BlockQuery): Promise<BlockPage> {
    const values: unknown[] = [];
    const where: string[] = [];
    if (!q.history) {
      values.push(new Date(q.now));
      where.push(IN_FORCE(values.length));
    }
    if (q.user !== '') {
      values.push(q.user);
      where.push(`user_id = $${values.length}`);
    }
    const after = parseCursor(q.cursor);
    if (after) {
      values.push(new Date(after.at), after.id);
      where.push(`(blocked_at, id) < ($${values.length - 1}, $${values.length})`);
    }
    values.push(q.limit + 1);
    const { rows } = await this.pool.query<BlockRow>(
      `SELECT * FROM parsec_user_blocks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY blocked_at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
    const blocks = rows.slice(0, q.limit).map(fromRow);
    return { blocks, nextCursor: rows.length > q.limit ? cursorOf(blocks[blocks.length - 1]!) : '' };
  }

  async rateLimits(): Promise<StoredRateLimits | undefined> {
    const { rows } = await this.pool.query<{ settings: Record<string, unknown>; updated_at: Date; updated_by: string }>('SELECT settings, updated_at, updated_by FROM parsec_rate_limits WHERE id = 1');
    const r = rows[0];
    return r && { settings: r.settings, updatedAt: r.updated_at.getTime(), updatedBy: r.updated_by };
  }

  async setRateLimits(r: StoredRateLimits): Promise<void> {
    await this.pool.query(
      `INSERT INTO parsec_rate_limits (id, settings, updated_at, updated_by) VALUES (1, $1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [JSON.stringify(r.settings), new Date(r.updatedAt), r.updatedBy],
    );
  }

  /** Activity on the same database and pool. */
  activity(): PostgresActivityStore {
    return new PostgresActivityStore(this.pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
