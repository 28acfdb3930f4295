import type { DialectName } from './load/dialects.js';
import { otlpSink } from './otlp-sink.js';
import { Publisher, type PublishRequest } from './publisher.js';
import { startParsec, startPeer, type ServerProcess } from './server-process.js';

export const SECRET = 'bench-secret-bench-secret-bench-secret';
export const API_KEY = 'bench-api-key';

/** Users blocked before a moderation run measures. */
export const BLOCKED_USERS = 10_000;

/** The operator instruments `parsec-moderation` turns on, each of which a run can leave out to see its share. */
export const INSTRUMENTS = ['blocks', 'activity', 'client_command', 'user_command', 'redis_user_command', 'client_error', 'ip_connect'] as const;
export type Instrument = (typeof INSTRUMENTS)[number];

/** The servers compared: Parsec and the peers written for the comparison (bench/peers). */
export type TargetKind = 'parsec' | 'parsec-metrics' | 'parsec-tracing' | 'parsec-bare' | 'parsec-moderation' | 'parsec-write-delay' | 'ws-naive' | 'ws-preframed' | 'socketio';

/** The servers a run compares unless `--servers` picks others. */
export const TARGET_KINDS: readonly TargetKind[] = ['ws-naive', 'ws-preframed', 'socketio', 'parsec'];

/**
 * Every server `--servers` may name: the default ones, and Parsec variants to measure what a
 * feature costs: Prometheus metrics on; API tracing on; operator instruments all off
 * (`parsec-bare`, activity recording is on by default) against all on (`parsec-moderation`:
 * 10k blocked users, every rate-limit layer, activity); `client.write_delay` (what batching saves).
 */
export const ALL_TARGET_KINDS: readonly TargetKind[] = [...TARGET_KINDS, 'parsec-metrics', 'parsec-tracing', 'parsec-bare', 'parsec-moderation', 'parsec-write-delay'];

/** The write delay of `parsec-write-delay`. */
export const BENCH_WRITE_DELAY = '20ms';

export const TARGET_NAMES: Record<TargetKind, string> = {
  'ws-naive': 'ws naive',
  'ws-preframed': 'ws pre-framed',
  socketio: 'Socket.IO 4',
  parsec: 'Parsec (memory)',
  'parsec-metrics': 'Parsec (memory, metrics on)',
  'parsec-tracing': 'Parsec (memory, API tracing on)',
  'parsec-bare': 'Parsec (memory, no limits, activity off)',
  'parsec-moderation': `Parsec (memory, ${BLOCKED_USERS / 1000}k blocks, rate limits, activity)`,
  'parsec-write-delay': `Parsec (memory, write_delay ${BENCH_WRITE_DELAY})`,
};

/** A running server under test: how clients talk to it and how to publish to it. */
export interface Target {
  kind: TargetKind;
  name: string;
  dialect: DialectName;
  server: ServerProcess;
  /** `data` is a JSON object text (~100 bytes). */
  publish(channel: string, data: string): PublishRequest;
  /** Publishes many at once when the server has a batch API. */
  publishBatch?(items: { channel: string; data: string }[]): PublishRequest;
}

/** Parsec as the comparison runs it: memory engine, HS256 tokens, any channel open to subscribers. */
export function parsecConfig(extra: object = {}, client: object = {}): object {
  return {
    log: { level: 'info' },
    client: { token: { hmac_secret_key: SECRET }, queue_max_size: 16 << 20, ...client },
    http_api: { key: API_KEY },
    channel: { without_namespace: { allow_subscribe_for_client: true } },
    ...extra,
  };
}

const bucket = (interval: string, rate: number) => ({ enabled: true, buckets: [{ interval, rate }] });

/**
 * Parsec with the operator instruments off: no limits (the default) and activity recording
 * off (it is on by default), the base the instruments' cost is measured against.
 */
export function bareConfig(): object {
  return parsecConfig({ parsec: { activity: { enabled: false } } });
}

/**
 * Parsec with every instrument on and nothing refused under the bench's load: activity
 * recorded, per-connection and per-user limits on every command, client errors counted,
 * connect attempts and open connections per address checked (the load comes from one
 * address, hence the large bucket and cap). The buckets are checked on every command; they are sized never to refuse.
 */
export function moderationConfig(without: readonly Instrument[] = []): object {
  const layer = <T extends object>(name: Instrument, on: T): T | { enabled: false } => (without.includes(name) ? { enabled: false } : on);
  return parsecConfig({
    parsec: { activity: { enabled: !without.includes('activity') } },
    client: {
      // The whole `client` section is replaced, so the comparison's own keys come along.
      token: { hmac_secret_key: SECRET },
      queue_max_size: 16 << 20,
      rate_limit: {
        client_command: layer('client_command', { enabled: true, total: bucket('1s', 1000), default: bucket('1s', 100) }),
        user_command: layer('user_command', { enabled: true, total: bucket('1s', 1000), default: bucket('1s', 100) }),
        // Memory engine: per-user buckets of this node.
        redis_user_command: layer('redis_user_command', { enabled: true, default: bucket('1s', 100) }),
        client_error: layer('client_error', { enabled: true, total: bucket('5s', 20) }),
        ip_connect: layer('ip_connect', { enabled: true, buckets: [{ interval: '1s', rate: 1_000_000 }], max_concurrent_per_ip: 1_000_000 }),
      },
    },
  });
}

/** Blocks `count` users (`blocked-<n>`, none of them a load user) through the server API, 1,000 a batch. */
export async function blockUsers(port: number, count = BLOCKED_USERS): Promise<void> {
  for (let from = 0; from < count; from += 1000) {
    const commands = Array.from({ length: Math.min(1000, count - from) }, (_, i) => ({ block_user: { user: `blocked-${from + i}`, reason: 'bench' } }));
    const res = await fetch(`http://127.0.0.1:${port}/api/batch`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify({ commands }) });
    if (!res.ok) throw new Error(`block_user batch failed: ${res.status}`);
    const body = (await res.json()) as { replies: { error?: { message: string } }[] };
    const failed = body.replies.find((r) => r.error);
    if (failed) throw new Error(`block_user failed: ${failed.error!.message}`);
  }
}

export function parsecPublish(channel: string, data: string): PublishRequest {
  return { path: '/api/publish', headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' }, body: `{"channel":"${channel}","data":${data}}` };
}

export function parsecBatch(items: { channel: string; data: string }[]): PublishRequest {
  const commands = items.map((i) => `{"publish":{"channel":"${i.channel}","data":${i.data}}}`);
  return { path: '/api/batch', headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/json' }, body: `{"commands":[${commands.join(',')}]}` };
}

function peerPublish(channel: string, data: string): PublishRequest {
  return { path: `/publish?channel=${encodeURIComponent(channel)}`, headers: {}, body: data };
}

/** Starts a server under test; `inspect` lets the harness force a garbage collection in it. */
export async function startTarget(kind: TargetKind, inspect = false): Promise<Target> {
  const name = TARGET_NAMES[kind];
  switch (kind) {
    case 'parsec':
      return { kind, name, dialect: 'parsec', server: await startParsec(parsecConfig(), inspect), publish: parsecPublish, publishBatch: parsecBatch };
    case 'parsec-metrics': {
      const server = await startParsec(parsecConfig({ prometheus: { enabled: true } }), inspect);
      return { kind, name, dialect: 'parsec', server, publish: parsecPublish, publishBatch: parsecBatch };
    }
    case 'parsec-tracing': {
      // Every API call is a span, exported over OTLP/HTTP (protobuf) to a sink in this process.
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = await otlpSink();
      const server = await startParsec(parsecConfig({ opentelemetry: { enabled: true, api: true } }), inspect);
      return { kind, name, dialect: 'parsec', server, publish: parsecPublish, publishBatch: parsecBatch };
    }
    case 'parsec-bare':
      return { kind, name, dialect: 'parsec', server: await startParsec(bareConfig(), inspect), publish: parsecPublish, publishBatch: parsecBatch };
    case 'parsec-moderation': {
      const server = await startParsec(moderationConfig(), inspect);
      try {
        await blockUsers(server.port);
      } catch (err) {
        await server.stop();
        throw err;
      }
      return { kind, name, dialect: 'parsec', server, publish: parsecPublish, publishBatch: parsecBatch };
    }
    case 'parsec-write-delay': {
      const server = await startParsec(parsecConfig({}, { write_delay: BENCH_WRITE_DELAY, reply_without_queue: true }), inspect);
      return { kind, name, dialect: 'parsec', server, publish: parsecPublish, publishBatch: parsecBatch };
    }
    case 'ws-naive':
      return { kind, name, dialect: 'ws', server: await startPeer('ws-broadcast', ['naive'], inspect), publish: peerPublish };
    case 'ws-preframed':
      return { kind, name, dialect: 'ws', server: await startPeer('ws-broadcast', ['preframed'], inspect), publish: peerPublish };
    case 'socketio':
      return { kind, name, dialect: 'socketio', server: await startPeer('socketio-broadcast', [], inspect), publish: peerPublish };
  }
}

/** A ~100-byte publication stamped with the send time in µs (what the load workers look for). */
export function stampedPayload(micros: number): string {
  return `{"t":${micros},"p":"${'x'.repeat(72)}"}`;
}

/** Runs `fn` against a fresh server of a kind with a publisher for it; stops both after. */
export async function withTarget(kind: TargetKind, fn: (target: Target, publisher: Publisher) => Promise<void>): Promise<void> {
  const target = await startTarget(kind);
  const publisher = new Publisher(target.server.port, 64);
  try {
    await fn(target, publisher);
  } finally {
    publisher.close();
    await target.server.stop();
  }
}
