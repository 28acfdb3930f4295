import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { signTrackGrant } from '../../src/auth/index.js';
import { startParsec } from '../server-process.js';

export interface SharedPollResult {
  connections: number;
  keys: number;
  seconds: number;
  backendCallsPerSecond: number;
  keysPolledPerSecond: number;
  updatesPerSecond: number;
  serverCpuMsPerSecond: number;
}

const SECRET = 'bench-poll-secret';
const CHANNEL = 'poll:bench';

/** The application backend: every key, with 1% of them changing each second. */
async function startBackend(): Promise<{ server: Server; url: string; calls: () => number; items: () => number }> {
  let calls = 0;
  let items = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items: Array<{ key: string }> };
      calls++;
      items += call.items.length;
      const tick = Math.floor(Date.now() / 1000);
      const out = call.items.map(({ key }) => {
        const i = Number(key.slice(1));
        // Key i last changed at the latest second whose remainder matches its own.
        const version = tick - ((tick - i) % 100 + 100) % 100;
        return { key, version, data: { price: version % 1000, key } };
      });
      const body = JSON.stringify({ result: { items: out } });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/refresh`, calls: () => calls, items: () => items };
}

/** One raw JSON-protocol client tracking `keys`; counts the publications it receives. */
async function tracker(port: number, keys: string[], onPub: () => void): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let tracked: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    for (const line of data.toString('utf8').split('\n')) {
      if (line === '{}') ws.send('{}');
      else if (line.startsWith('{"push"')) onPub();
      else if (line.includes('"id":3')) tracked?.();
    }
  });
  const now = Math.floor(Date.now() / 1000);
  const signature = signTrackGrant(SECRET, { issuedAt: now, expireAt: now + 3600, user: '', channel: CHANNEL, keys });
  const done = new Promise<void>((resolve) => (tracked = resolve));
  ws.send(
    [
      { id: 1, connect: {} },
      { id: 2, subscribe: { channel: CHANNEL, type: 4 } },
      { id: 3, sub_refresh: { channel: CHANNEL, type: 1, track: [{ signature, items: keys.map((key) => ({ key })) }] } },
    ]
      .map((c) => JSON.stringify(c))
      .join('\n'),
  );
  await done;
  return ws;
}

/**
 * Shared poll at scale: `connections` clients each tracking `keysPerConnection` distinct
 * keys on one channel (1 s interval, 1000 keys per backend call, 1% of keys changing each
 * second). What it costs the backend and Parsec, after the initial polls settle.
 */
export async function runSharedPoll(opts: { connections: number; keysPerConnection: number; durationMs: number }): Promise<SharedPollResult> {
  const backend = await startBackend();
  const server = await startParsec({
    log: { level: 'info' },
    client: { insecure: true },
    shared_poll: { hmac_secret_key: SECRET },
    channel: {
      proxy: { shared_poll_refresh: { endpoint: backend.url, timeout: '5s' } },
      namespaces: [
        { name: 'poll', subscription_type: 'shared_poll', allow_subscribe_for_client: true, shared_poll: { mode: 'versioned', refresh_interval: '1s', refresh_batch_size: 1000, max_keys_per_connection: 1000 } },
      ],
    },
  });
  const sockets: WebSocket[] = [];
  let pubs = 0;
  try {
    for (let c = 0; c < opts.connections; c++) {
      const keys = Array.from({ length: opts.keysPerConnection }, (_, i) => `k${c * opts.keysPerConnection + i}`);
      sockets.push(await tracker(server.port, keys, () => pubs++));
    }
    // Let the immediate polls of new keys and a first full cycle pass.
    await new Promise((r) => setTimeout(r, 2500));
    const calls0 = backend.calls();
    const items0 = backend.items();
    const pubs0 = pubs;
    const cpu0 = server.cpuSeconds();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, opts.durationMs));
    const seconds = (performance.now() - started) / 1000;
    return {
      connections: opts.connections,
      keys: opts.connections * opts.keysPerConnection,
      seconds,
      backendCallsPerSecond: (backend.calls() - calls0) / seconds,
      keysPolledPerSecond: (backend.items() - items0) / seconds,
      updatesPerSecond: (pubs - pubs0) / seconds,
      serverCpuMsPerSecond: ((server.cpuSeconds() - cpu0) * 1000) / seconds,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
    await new Promise((resolve) => backend.server.close(resolve));
  }
}
