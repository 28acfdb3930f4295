import pg from 'pg';
import type { AuditEntry, AuditQuery, AuditStore } from './audit.js';

interface AuditRow {
  token_id: string;
  issued_to: string;
  delegator: string;
  channels: string[];
  expires_at: Date | null;
  issued_at: Date;
  remote_addr: string;
}

/**
 * Issuance records in PostgreSQL, one row per token, in a table created on start if
 * missing. `table` has been checked to be a plain (optionally schema-qualified) name.
 */
export class PostgresAudit implements AuditStore {
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly table: string,
  ) {}

  /** Connects and creates the table and its index; rejects when the database can't be reached. */
  static async start(dsn: string, table: string): Promise<PostgresAudit> {
    const pool = new pg.Pool({ connectionString: dsn, max: 4, connectionTimeoutMillis: 5_000 });
    const index = `${table.replace('.', '_')}_issued_to`;
    try {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
          token_id text PRIMARY KEY,
          issued_to text NOT NULL,
          delegator text NOT NULL DEFAULT '',
          channels text[] NOT NULL,
          expires_at timestamptz,
          issued_at timestamptz NOT NULL,
          remote_addr text NOT NULL DEFAULT ''
        )`,
      );
      await pool.query(`CREATE INDEX IF NOT EXISTS ${index} ON ${table} (issued_to, issued_at DESC)`);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresAudit(pool, table);
  }

  async record(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // One multi-row INSERT: a batch of device credentials is one round trip.
    const values: unknown[] = [];
    const rows = entries.map((e, i) => {
      values.push(e.tokenId, e.issuedTo, e.delegator, e.channels, e.expiresAt ? new Date(e.expiresAt) : null, new Date(e.issuedAt), e.remoteAddr);
      const b = i * 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
    });
    await this.pool.query(
      `INSERT INTO ${this.table} (token_id, issued_to, delegator, channels, expires_at, issued_at, remote_addr) VALUES ${rows.join(', ')} ON CONFLICT (token_id) DO NOTHING`,
      values,
    );
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.user !== undefined) {
      values.push(q.user);
      where.push(`(issued_to = $${values.length} OR delegator = $${values.length})`);
    }
    if (q.tokenId !== undefined) {
      values.push(q.tokenId);
      where.push(`token_id = $${values.length}`);
    }
    values.push(q.limit);
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at DESC, token_id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map((r) => ({
      tokenId: r.token_id,
      issuedTo: r.issued_to,
      delegator: r.delegator,
      channels: r.channels,
      expiresAt: r.expires_at ? r.expires_at.getTime() : 0,
      issuedAt: r.issued_at.getTime(),
      remoteAddr: r.remote_addr,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
