import type { DialectName } from './load/dialects.js';
import { Publisher, type PublishRequest } from './publisher.js';
import { startParsec, startPeer, type ServerProcess } from './server-process.js';

export const SECRET = 'bench-secret-bench-secret-bench-secret';
export const API_KEY = 'bench-api-key';

/** The servers compared: Parsec and the peers written for the comparison (bench/peers). */
export type TargetKind = 'parsec' | 'parsec-metrics' | 'ws-naive' | 'ws-preframed' | 'socketio';

/** The servers a run compares unless `--servers` picks others. */
export const TARGET_KINDS: readonly TargetKind[] = ['ws-naive', 'ws-preframed', 'socketio', 'parsec'];

/** Every server `--servers` may name: the default ones, and Parsec with Prometheus metrics on (to measure their cost). */
export const ALL_TARGET_KINDS: readonly TargetKind[] = [...TARGET_KINDS, 'parsec-metrics'];

export const TARGET_NAMES: Record<TargetKind, string> = {
  'ws-naive': 'ws naive',
  'ws-preframed': 'ws pre-framed',
  socketio: 'Socket.IO 4',
  parsec: 'Parsec (memory)',
  'parsec-metrics': 'Parsec (memory, metrics on)',
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
export function parsecConfig(extra: object = {}): object {
  return {
    log: { level: 'info' },
    client: { token: { hmac_secret_key: SECRET }, queue_max_size: 16 << 20 },
    http_api: { key: API_KEY },
    channel: { without_namespace: { allow_subscribe_for_client: true } },
    ...extra,
  };
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
