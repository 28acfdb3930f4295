import type pg from 'pg';
import type { Counter } from 'prom-client';
import { consumerSchema } from '../../src/config/consumers-schema.js';
import type { Config, ConsumerConfig } from '../../src/config/index.js';
import type { Parsec } from '../../src/app.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { sdk, type Sdk } from '../helpers/sdk.js';

/** A `consumers[]` entry as a file would give it (snake_case), with every default filled in. */
export function consumer(raw: Record<string, unknown>): ConsumerConfig {
  return consumerSchema.parse({ enabled: true, ...raw });
}

/** What a subscriber got: publication data by channel, in arrival order. */
export interface Received {
  client: Sdk;
  byChannel: Map<string, unknown[]>;
  total(): number;
}

/** A JSON SDK client subscribed to `channels`, recording every publication. */
export async function subscriber(url: string, channels: readonly string[]): Promise<Received> {
  const client = sdk('json', url, { token: await connToken('watcher') });
  const byChannel = new Map<string, unknown[]>(channels.map((c) => [c, []]));
  const subscribed = channels.map((channel) => {
    const sub = client.newSubscription(channel);
    sub.on('publication', (ctx) => byChannel.get(channel)!.push(ctx.data));
    sub.subscribe();
    return new Promise<void>((resolve) => sub.once('subscribed', () => resolve()));
  });
  client.connect();
  await Promise.all(subscribed);
  return { client, byChannel, total: () => [...byChannel.values()].reduce((n, l) => n + l.length, 0) };
}

/** A consumer counter's value on one server (`prometheus.enabled` must be on). */
export async function consumerCount(app: Parsec, metric: 'centrifugo_consumers_messages_processed_total' | 'parsec_consumers_messages_total', labels: Record<string, string>): Promise<number> {
  const counter = app.metrics.registry.getSingleMetric(metric) as Counter | undefined;
  if (!counter) return 0;
  const { values } = await counter.get();
  return values.filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((n, v) => n + v.value, 0);
}

/** The key `withHistory` sets for the server API. */
const API_KEY = 'api-key';

/**
 * Starts a server that lets clients subscribe to channels without a namespace and counts
 * (Prometheus on), with `edit` applied; it joins `servers`, which the suite closes.
 */
export async function consumerServer(servers: TestServer[], edit: (c: Config) => void): Promise<TestServer> {
  const s = await startServer(
    testConfig((c) => {
      c.channel.withoutNamespace.allowSubscribeForClient = true;
      c.prometheus.enabled = true;
      edit(c);
    }),
  );
  servers.push(s);
  return s;
}

/** History for channels without a namespace, and the server API open to `history()`. */
export function withHistory(c: Config): void {
  c.channel.withoutNamespace.historySize = 100;
  c.channel.withoutNamespace.historyTtl = 60_000;
  c.httpApi.key = API_KEY;
}

/** A channel's publication data from the server API's history (the server needs `withHistory`). */
export async function history(s: TestServer, channel: string): Promise<unknown[]> {
  const res = await fetch(`${s.httpUrl}/api/history`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
    body: JSON.stringify({ channel, limit: 100 }),
  });
  const body = (await res.json()) as { result?: { publications: Array<{ data: unknown }> } };
  return body.result?.publications.map((p) => p.data) ?? [];
}

/** Centrifugo's documented outbox table, with the trigger that notifies a row's partition. */
export async function createOutbox(db: pg.Client, table: string, payloadType: 'JSONB' | 'BYTEA' = 'JSONB'): Promise<void> {
  await db.query(`CREATE TABLE ${table} (
    id BIGSERIAL PRIMARY KEY,
    method text NOT NULL,
    payload ${payloadType} NOT NULL,
    partition INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL
  )`);
  await db.query(`CREATE FUNCTION ${table}_notify() RETURNS TRIGGER AS $$
    BEGIN PERFORM pg_notify('${table}', NEW.partition::text); RETURN NEW; END; $$ LANGUAGE plpgsql`);
  await db.query(`CREATE TRIGGER ${table}_notify AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_notify()`);
}

/** Inserts rows in one transaction, as an application writes its outbox next to its own data. */
export async function insertOutbox(db: pg.Client, table: string, rows: Array<{ method: string; payload: unknown; partition?: number }>): Promise<void> {
  await db.query('BEGIN');
  for (const r of rows) {
    const payload = Buffer.isBuffer(r.payload) || typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload);
    await db.query(`INSERT INTO ${table} (method, payload, partition) VALUES ($1, $2, $3)`, [r.method, payload, r.partition ?? 0]);
  }
  await db.query('COMMIT');
}
