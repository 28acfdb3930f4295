import type pg from 'pg';
import { parseCursor } from './store.js';
import { sessionCursor, totalsOf, type ActivityStore, type ChannelMinute, type ChannelQuery, type ChannelTotals, type SessionEnd, type SessionQuery, type SessionRecord } from './activity.js';

interface SessionRow {
  client_id: string;
  user_id: string;
  transport: string;
  protocol: string;
  remote_addr: string;
  labels: Record<string, string>;
  app_name: string;
  app_version: string;
  node: string;
  node_uid: string;
  connected_at: Date;
  disconnected_at: Date | null;
  disconnect_code: number;
  disconnect_reason: string;
}

const fromRow = (r: SessionRow): SessionRecord => ({
  client: r.client_id,
  user: r.user_id,
  transport: r.transport,
  protocol: r.protocol,
  remoteAddr: r.remote_addr,
  labels: r.labels,
  appName: r.app_name,
  appVersion: r.app_version,
  node: r.node,
  nodeUid: r.node_uid,
  connectedAt: r.connected_at.getTime(),
  disconnectedAt: r.disconnected_at ? r.disconnected_at.getTime() : 0,
  disconnectCode: r.disconnect_code,
  disconnectReason: r.disconnect_reason,
});

/** Activity in PostgreSQL (tables `parsec_activity_sessions` and `parsec_activity_channels`), on the moderation store's pool. */
export class PostgresActivityStore implements ActivityStore {
  readonly kind = 'postgres';

  constructor(private readonly pool: pg.Pool) {}

  async writeSessions(opened: readonly SessionRecord[], ended: readonly SessionEnd[]): Promise<void> {
    if (opened.length > 0) {
      // One INSERT of column arrays per batch: one round trip, and 11 parameters however many
      // sessions (a row of parameters per session would pass PostgreSQL's 65,535 at ~6k).
      const col = <T>(f: (s: SessionRecord) => T): T[] => opened.map(f);
      await this.pool.query(
        `INSERT INTO parsec_activity_sessions (client_id, user_id, transport, protocol, remote_addr, labels, app_name, app_version, node, node_uid, connected_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
         ON CONFLICT (client_id) DO NOTHING`,
        [
          col((s) => s.client),
          col((s) => s.user),
          col((s) => s.transport),
          col((s) => s.protocol),
          col((s) => s.remoteAddr),
          col((s) => JSON.stringify(s.labels)),
          col((s) => s.appName),
          col((s) => s.appVersion),
          col((s) => s.node),
          col((s) => s.nodeUid),
          col((s) => new Date(s.connectedAt)),
        ],
      );
    }
    if (ended.length > 0) {
      await this.pool.query(
        `UPDATE parsec_activity_sessions s SET disconnected_at = e.at, disconnect_code = e.code, disconnect_reason = e.reason
         FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[]) AS e(client_id, at, code, reason) WHERE s.client_id = e.client_id`,
        [ended.map((e) => e.client), ended.map((e) => new Date(e.disconnectedAt)), ended.map((e) => e.code), ended.map((e) => e.reason)],
      );
    }
  }

  async writeChannels(rows: readonly ChannelMinute[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO parsec_activity_channels (channel, minute, publications, deliveries, bytes)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::bigint[])
       ON CONFLICT (minute, channel) DO UPDATE SET publications = parsec_activity_channels.publications + EXCLUDED.publications,
         deliveries = parsec_activity_channels.deliveries + EXCLUDED.deliveries, bytes = parsec_activity_channels.bytes + EXCLUDED.bytes`,
      [rows.map((r) => r.channel), rows.map((r) => new Date(r.minute)), rows.map((r) => r.publications), rows.map((r) => r.deliveries), rows.map((r) => r.bytes)],
    );
  }

  async sessions(q: SessionQuery): Promise<{ sessions: SessionRecord[]; nextCursor: string }> {
    const values: unknown[] = [];
    const where: string[] = [];
    const add = (sql: (n: number) => string, v: unknown): void => {
      values.push(v);
      where.push(sql(values.length));
    };
    if (q.user !== '') add((n) => `user_id = $${n}`, q.user);
    if (q.openOnly) where.push('disconnected_at IS NULL');
    if (q.since) add((n) => `connected_at >= $${n}`, new Date(q.since));
    if (q.until) add((n) => `connected_at < $${n}`, new Date(q.until));
    const after = parseCursor(q.cursor);
    if (after) {
      values.push(new Date(after.at), after.id);
      where.push(`(connected_at, client_id) < ($${values.length - 1}, $${values.length})`);
    }
    values.push(q.limit + 1);
    const { rows } = await this.pool.query<SessionRow>(
      `SELECT * FROM parsec_activity_sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY connected_at DESC, client_id DESC LIMIT $${values.length}`,
      values,
    );
    const sessions = rows.slice(0, q.limit).map(fromRow);
    return { sessions, nextCursor: rows.length > q.limit ? sessionCursor(sessions[sessions.length - 1]!) : '' };
  }

  async channels(q: ChannelQuery): Promise<ChannelTotals[]> {
    const values: unknown[] = [q.prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%', q.top];
    const where = ['channel LIKE $1', `channel IN (SELECT channel FROM parsec_activity_channels WHERE channel LIKE $1 GROUP BY channel ORDER BY sum(publications) DESC, sum(deliveries) DESC, channel LIMIT $2)`];
    if (q.since) {
      values.push(new Date(q.since));
      where.push(`minute >= $${values.length}`);
    }
    if (q.until) {
      values.push(new Date(q.until));
      where.push(`minute < $${values.length}`);
    }
    const { rows } = await this.pool.query<{ channel: string; minute: Date; publications: string; deliveries: string; bytes: string }>(
      `SELECT channel, minute, publications, deliveries, bytes FROM parsec_activity_channels WHERE ${where.join(' AND ')}`,
      values,
    );
    return totalsOf(
      rows.map((r) => ({ channel: r.channel, minute: r.minute.getTime(), publications: Number(r.publications), deliveries: Number(r.deliveries), bytes: Number(r.bytes) })),
      q.top,
    );
  }

  async cleanup(before: number): Promise<number> {
    const at = new Date(before);
    const s = await this.pool.query('DELETE FROM parsec_activity_sessions WHERE disconnected_at < $1', [at]);
    const c = await this.pool.query('DELETE FROM parsec_activity_channels WHERE minute < $1', [at]);
    return (s.rowCount ?? 0) + (c.rowCount ?? 0);
  }
}
