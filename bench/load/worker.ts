import { WebSocket } from 'ws';
import { Frame, dialects, signTokens, type ClientSpec } from './dialects.js';
import type { ClientsSpec, OpenReply, WorkerReply, WorkerRequest } from './messages.js';
import { closeMqttClients, openMqttClient } from './mqtt-client.js';
import { countStamps, received } from './stamps.js';

/** One load process: holds WebSocket or MQTT clients and counts the publications they receive. */
const HANDSHAKE_TIMEOUT_MS = 20_000;
const sockets = new Set<WebSocket>();

/** Opens one client; resolves once it is connected and subscribed. */
function openClient(dialectName: Exclude<ClientsSpec['dialect'], 'mqtt'>, spec: ClientSpec, keep: boolean, deflate: boolean): Promise<WebSocket> {
  const dialect = dialects[dialectName];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(dialect.url(spec), { perMessageDeflate: deflate });
    let ready = false;
    const timer = setTimeout(() => fail(new Error('handshake timed out')), HANDSHAKE_TIMEOUT_MS);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const markReady = (): void => {
      ready = true;
      clearTimeout(timer);
      if (keep) sockets.add(ws);
      resolve(ws);
    };
    ws.once('open', () => {
      if (dialect.onOpen(ws, spec)) markReady();
    });
    ws.on('message', (data: Buffer) => {
      let kind: Frame;
      try {
        kind = dialect.onMessage(ws, data, ready, spec);
      } catch (err) {
        fail(err as Error);
        return;
      }
      if (kind === Frame.Data && ready) countStamps(data);
      else if (kind === Frame.Ready && !ready) markReady();
    });
    ws.once('error', (err) => fail(err));
    ws.once('close', (code) => {
      sockets.delete(ws);
      if (!ready) fail(new Error(`closed ${code} during handshake`));
    });
  });
}

/** Connection tokens (MQTT: the CONNECT password, with a topic ACL) unless the servers take none. */
function tokensFor(spec: ClientsSpec): Promise<string[]> {
  if (spec.secret === undefined) return Promise.resolve([]);
  switch (spec.dialect) {
    case 'parsec':
    case 'parsec-map':
      return signTokens(spec.secret, spec.from, spec.count);
    case 'parsec-uni':
      return signTokens(spec.secret, spec.from, spec.count, { channels: spec.shared });
    case 'mqtt':
      return signTokens(spec.secret, spec.from, spec.count, { topicAcl: '#' });
    default:
      return Promise.resolve([]);
  }
}

async function openMany(spec: ClientsSpec, keep: boolean): Promise<OpenReply> {
  const tokens = spec.tokens ?? (await tokensFor(spec));
  const started = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lane = async (): Promise<void> => {
    while (next < spec.count) {
      const i = next++;
      const channels = spec.personal ? [`${spec.personal}${spec.from + i}`, ...spec.shared] : spec.shared;
      try {
        const client =
          spec.dialect === 'mqtt'
            ? await openMqttClient({ port: spec.port, clientId: `u${spec.from + i}`, password: tokens[i], topics: channels }, keep, HANDSHAKE_TIMEOUT_MS)
            : await openClient(spec.dialect, { port: spec.port, channels, token: tokens[i] }, keep, spec.deflate ?? false);
        if (!keep) client.terminate();
        opened++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  return { op: keep ? 'open' : 'storm', opened, failed, firstError, ms: performance.now() - started };
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.op) {
    case 'open':
      return openMany(req, true);
    case 'storm':
      return openMany(req, false);
    case 'stats': {
      const reply: WorkerReply = { op: 'stats', delivered: received.delivered, histogram: received.histogram.sparse() };
      if (req.reset) {
        received.delivered = 0;
        received.histogram.reset();
      }
      return reply;
    }
    case 'close':
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      closeMqttClients();
      return { op: 'close' };
  }
}

// Requests run one after another, so replies leave in request order.
let chain: Promise<void> = Promise.resolve();
process.on('message', (req: WorkerRequest) => {
  chain = chain.then(() => handle(req)).then(
    (reply) => {
      process.send!(reply);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
