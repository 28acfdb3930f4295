import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { clientTls, type ClientTls, type PostgresConsumerConfig } from '../config/index.js';
import { identityCheck, urlHost } from '../lib/index.js';
import { backoffDelay, sleep } from './backoff.js';
import type { Outcome } from './dispatch.js';
import type { Consumer, ConsumerDeps } from './types.js';
import { Wakeup } from './wakeup.js';

/** How long a partition worker waits for another node's lock before trying again (and seeing a shutdown). */
const LOCK_WAIT_MS = 1000;
/** lock_not_available: a `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

interface OutboxRow {
  id: string;
  method: string;
  payload: string;
}

/** The command at the head of a partition that keeps failing, and how many times it has. */
interface Stuck {
  id: string;
  attempts: number;
}

/** What one pass over a partition did. */
interface Pass {
  rows: number;
  /** The head row failed with a temporary error and stays: retry after a backoff. */
  stalled: boolean;
  /** Another node holds the partition (try-lock mode, or the wait ran out). */
  locked: boolean;
}

/**
 * The transactional outbox, as Centrifugo reads it: the application inserts
 * `(method, payload, partition)` rows in its own transaction; each partition is read in `id`
 * order under a transaction-scoped advisory lock (so nodes share partitions and never apply
 * one partition's rows concurrently), its rows are applied as server API commands and the
 * applied ones deleted in the same transaction. A row failing with a temporary error stops
 * its partition (order is kept) and is retried with backoff; other partitions go on.
 */
export class PostgresOutboxConsumer implements Consumer {
  private readonly stop = new AbortController();
  private readonly wakeups: Wakeup[];
  private readonly loops: Array<Promise<void>> = [];
  private listener: pg.Client | undefined;
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly cfg: PostgresConsumerConfig,
    private readonly deps: ConsumerDeps,
    private readonly pool: pg.Pool,
    /** The SELECT of one partition's next rows, with `payload` read as text whatever its column type. */
    private readonly selectSql: string,
    /** The `tls` block read at start (PEMs loaded once), for the LISTEN connection's reconnects too. */
    private readonly tls: ClientTls | undefined,
  ) {
    this.wakeups = Array.from({ length: cfg.numPartitions }, () => new Wakeup());
  }

  /**
   * Connects, checks the table, and starts a worker per partition (and the LISTEN connection).
   * @throws Error naming the consumer when the database or the table cannot be reached.
   */
  static async start(cfg: PostgresConsumerConfig, deps: ConsumerDeps): Promise<PostgresOutboxConsumer> {
    // A PEM that cannot be used is a config error naming its key, thrown as it is.
    const tls = clientTls(cfg.tls, `${deps.at}.postgresql.tls`);
    const pool = new pg.Pool({ connectionString: cfg.dsn, ssl: sslOf(tls, cfg.dsn), max: cfg.numPartitions, connectionTimeoutMillis: 10_000 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', (err) => deps.log.warn({ err }, 'outbox connection lost'));
    try {
      const payload = await payloadExpression(pool, cfg.outboxTableName);
      // node-postgres reads bigint as a string, which keeps ids past 2^53 exact.
      const selectSql = `SELECT id, COALESCE(method, '') AS method, ${payload} AS payload FROM ${cfg.outboxTableName} WHERE partition = $1 ORDER BY id ASC LIMIT $2`;
      const consumer = new PostgresOutboxConsumer(cfg, deps, pool, selectSql, tls);
      if (cfg.partitionNotificationChannel) await consumer.listen();
      for (let p = 0; p < cfg.numPartitions; p++) consumer.loops.push(consumer.run(p));
      return consumer;
    } catch (err) {
      await pool.end();
      const why = (err as Error).message;
      // A handshake's error alone rarely names the setting to look at.
      const hint = cfg.tls.enabled && /certificate|ssl|tls/i.test(why) ? `; check ${deps.at}.postgresql.tls (server_ca_pem, server_name, and cert_pem/key_pem for a server that verifies clients)` : '';
      throw new Error(`consumer "${deps.name}": cannot read the outbox table ${cfg.outboxTableName}: ${why}${hint}`, { cause: err });
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stop.abort();
      await Promise.all(this.loops);
      await this.listener?.end().catch(() => undefined);
      await this.pool.end();
    })();
    return this.closed;
  }

  /** LISTEN on the notification channel: a payload naming a partition wakes its worker. */
  private async listen(): Promise<void> {
    // Named, so an operator can tell this session apart in pg_stat_activity.
    const dsn = this.cfg.partitionNotificationDsn || this.cfg.dsn;
    const client = new pg.Client({ connectionString: dsn, ssl: sslOf(this.tls, dsn), application_name: `parsec-listen-${this.deps.name}`.slice(0, 63) });
    client.on('error', (err) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      void client.end().catch(() => undefined);
      if (this.stop.signal.aborted) return;
      this.deps.log.warn({ err }, 'outbox notifications lost: polling until they are back');
      void this.relisten();
    });
    client.on('notification', (n) => {
      const p = Number(n.payload);
      if (Number.isInteger(p) && p >= 0 && p < this.wakeups.length) this.wakeups[p]!.notify();
      else this.deps.log.warn({ payload: n.payload }, 'outbox notification names no partition of this consumer');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.cfg.partitionNotificationChannel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stop.signal.aborted) await client.end().catch(() => undefined);
    else this.listener = client;
  }

  /** Listens again with backoff after the LISTEN connection was lost; partitions poll meanwhile. */
  private async relisten(): Promise<void> {
    const { signal } = this.stop;
    for (let attempt = 1; !signal.aborted; attempt++) {
      await sleep(backoffDelay(attempt), signal);
      if (signal.aborted) return;
      try {
        await this.listen();
        // Rows inserted while nobody listened would wait for the next poll: look now.
        for (const w of this.wakeups) w.notify();
        return;
      } catch (err) {
        this.deps.log.warn({ err, attempt }, 'listening for outbox notifications failed: retrying');
      }
    }
  }

  private async run(partition: number): Promise<void> {
    const { signal } = this.stop;
    let failures = 0;
    let stuck: Stuck | undefined;
    while (!signal.aborted) {
      let pass: Pass;
      try {
        const result = await this.pass(partition, stuck);
        pass = result.pass;
        stuck = result.stuck;
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        this.deps.metrics.error(this.deps.name);
        this.deps.log.error({ err, partition }, 'outbox partition failed: retrying');
        await sleep(backoffDelay(failures), signal);
        continue;
      }
      failures = 0;
      if (pass.stalled) await sleep(backoffDelay(stuck?.attempts ?? 1), signal);
      else if (pass.locked || pass.rows < this.cfg.partitionSelectLimit) await this.wakeups[partition]!.wait(this.cfg.partitionPollInterval, signal);
    }
  }

  /** One transaction over a partition: lock, read, apply in order, delete what is done, commit. */
  private async pass(partition: number, stuck: Stuck | undefined): Promise<{ pass: Pass; stuck: Stuck | undefined }> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (!(await this.lock(client, partition))) {
        await client.query('ROLLBACK');
        return { pass: { rows: 0, stalled: false, locked: true }, stuck };
      }
      const { rows } = await client.query<OutboxRow>(this.selectSql, [partition, this.cfg.partitionSelectLimit]);
      const done: string[] = [];
      let stalled = false;
      for (const row of rows) {
        const outcome = await this.deps.dispatcher.dispatch(row.method, row.payload);
        const attempts = stuck?.id === row.id ? stuck.attempts + 1 : 1;
        if (this.settle(outcome, row, partition, attempts)) {
          done.push(row.id);
          stuck = undefined;
        } else {
          stuck = { id: row.id, attempts };
          stalled = true;
          break;
        }
      }
      if (done.length > 0) await client.query(`DELETE FROM ${this.cfg.outboxTableName} WHERE id = ANY($1::bigint[])`, [done]);
      await client.query('COMMIT');
      this.deps.metrics.processed(this.deps.name, done.length);
      return { pass: { rows: rows.length, stalled, locked: false }, stuck };
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Whether the row is finished with (applied, or skipped as poison or after max_attempts), logging why not. */
  private settle(outcome: Outcome, row: OutboxRow, partition: number, attempts: number): boolean {
    const { log, metrics, name, maxAttempts } = this.deps;
    if (outcome.kind === 'applied') return true;
    if (outcome.kind === 'poison') {
      metrics.error(name, 'skipped');
      log.error({ id: row.id, partition, method: row.method, reason: outcome.reason }, 'outbox row cannot be applied: skipped');
      return true;
    }
    if (maxAttempts > 0 && attempts >= maxAttempts) {
      metrics.error(name, 'skipped');
      log.error({ id: row.id, partition, method: row.method, reason: outcome.reason, attempts }, 'outbox row still failing after max_attempts: skipped');
      return true;
    }
    metrics.error(name, 'retried');
    log.warn({ id: row.id, partition, method: row.method, reason: outcome.reason, attempts }, 'outbox row failed: retrying its partition with backoff');
    return false;
  }

  /**
   * The partition's transaction-scoped advisory lock, keyed as Centrifugo keys it. Waiting is
   * bounded (lock_timeout) so that shutdown is never stuck behind another node; a wait that
   * runs out aborts the transaction, which the caller rolls back.
   */
  private async lock(client: pg.PoolClient, partition: number): Promise<boolean> {
    const key = `centrifugo_partition_lock_${this.deps.name}${partition}`;
    if (this.cfg.useTryLock) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [key]);
      return rows[0]!.ok;
    }
    await client.query(`SET LOCAL lock_timeout = ${LOCK_WAIT_MS}`);
    try {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      return false;
    }
  }
}

/** `payload` as text: JSON and JSONB print as JSON, bytea is decoded as UTF-8 (Centrifugo accepts both). */
async function payloadExpression(pool: pg.Pool, table: string): Promise<string> {
  const { rows } = await pool.query<{ type: string }>(
    `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'payload' AND NOT attisdropped`,
    [table],
  );
  if (rows.length === 0) throw new Error('the table has no "payload" column');
  return rows[0]!.type === 'bytea' ? `convert_from(payload, 'UTF8')` : 'payload::text';
}

/** The hosts a DSN names, in URL form (`postgres://h:5432/db`) or keyword form (`host=h port=5432`). */
function dsnHosts(dsn: string): string[] {
  const host = /^postgres(ql)?:\/\//.test(dsn) ? urlHost(dsn) : /(?:^|\s)host=(\S+)/.exec(dsn)?.[1];
  return host ? host.split(',') : [];
}

/**
 * The consumer's `tls` as node-postgres takes it (`ssl`, handed to Node's `tls.connect`), for
 * a connection to `dsn`; undefined when off (then the DSN's own `sslmode` applies). The
 * server's certificate is checked against `server_name` when set, else against the DSN's
 * host (node-postgres names no IP host to Node; see identityCheck). The rules refuse a DSN
 * with its own ssl settings next to `tls.enabled`: node-postgres would let the DSN win.
 */
function sslOf(t: ClientTls | undefined, dsn: string): ConnectionOptions | undefined {
  if (!t) return undefined;
  const ssl: ConnectionOptions = { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: !t.insecureSkipVerify };
  const identity = identityCheck(dsnHosts(dsn), t.serverName);
  if (identity) ssl.checkServerIdentity = identity;
  return ssl;
}
