import { WebSocket } from 'ws';
import { Frame, dialects, signTokens, type ClientSpec } from './dialects.js';
import { Histogram, nowMicros } from './histogram.js';
import type { ClientsSpec, OpenReply, WorkerReply, WorkerRequest } from './messages.js';

/**
 * One load process: holds WebSocket clients and counts the publications they receive.
 * A publication is found by its `"t":<µs>` stamp with Buffer.indexOf, never by parsing
 * JSON, so the load generator costs as little per message as possible.
 */
const STAMP = Buffer.from('"t":');
const HANDSHAKE_TIMEOUT_MS = 20_000;
const sockets = new Set<WebSocket>();
const histogram = new Histogram();
let delivered = 0;

function countStamps(data: Buffer): void {
  const now = nowMicros();
  let i = data.indexOf(STAMP);
  while (i !== -1) {
    let j = i + STAMP.length;
    let t = 0;
    for (let c = data[j]!; c >= 0x30 && c <= 0x39; c = data[++j]!) t = t * 10 + (c - 0x30);
    histogram.record(now - t);
    delivered++;
    i = data.indexOf(STAMP, j);
  }
}

/** Opens one client; resolves once it is connected and subscribed. */
function openClient(dialectName: ClientsSpec['dialect'], spec: ClientSpec, keep: boolean, deflate: boolean): Promise<WebSocket> {
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

async function openMany(spec: ClientsSpec, keep: boolean): Promise<OpenReply> {
  const tokens =
    spec.tokens ??
    (spec.dialect === 'parsec' || spec.dialect === 'parsec-map'
      ? await signTokens(spec.secret ?? '', spec.from, spec.count)
      : spec.dialect === 'parsec-uni'
        ? await signTokens(spec.secret ?? '', spec.from, spec.count, spec.shared)
        : []);
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
        const ws = await openClient(spec.dialect, { port: spec.port, channels, token: tokens[i] }, keep, spec.deflate ?? false);
        if (!keep) ws.terminate();
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
      const reply: WorkerReply = { op: 'stats', delivered, histogram: histogram.sparse() };
      if (req.reset) {
        delivered = 0;
        histogram.reset();
      }
      return reply;
    }
    case 'close':
      for (const ws of sockets) ws.terminate();
      sockets.clear();
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
