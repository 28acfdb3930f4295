import { WebSocket } from 'ws';
import { SignJWT } from 'jose';
import { Agent, request } from 'node:http';
import { startParsec, type ServerProcess } from '../server-process.js';

export interface FanoutResult {
  setup: string;
  subscribers: number;
  published: number;
  delivered: number;
  lost: number;
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  serverCpuSeconds: number;
}

const SECRET = 'bench-secret-bench-secret-bench-secret';
const KEY = 'bench-api-key';
const STAMP = /"t":(\d+)/g;

/** A subscriber that counts publications and their latency without parsing JSON (regex on the frame text). */
function subscriber(url: string, token: string, latencies: number[], onPub: () => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => ws.send(`{"id":1,"connect":{"token":"${token}"}}\n{"id":2,"subscribe":{"channel":"fanout"}}`));
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.includes('"id":2')) resolve(ws);
      if (text === '{}') {
        ws.send('{}');
        return;
      }
      const now = Date.now();
      for (const m of text.matchAll(STAMP)) {
        latencies.push(now - Number(m[1]));
        onPub();
      }
    });
    ws.once('error', reject);
  });
}

function publish(agent: Agent, port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/publish', method: 'POST', agent, headers: { 'X-API-Key': KEY, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/**
 * Fan-out through the engine: subscribers spread over the nodes, a publisher on the first
 * node at a fixed rate (~100-byte payloads), delivered messages counted per subscriber.
 */
async function run(setup: string, servers: ServerProcess[], opts: { subscribers: number; rate: number; seconds: number }): Promise<FanoutResult> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const key = new TextEncoder().encode(SECRET);
  const latencies: number[] = [];
  let delivered = 0;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < opts.subscribers; i++) {
    const s = servers[i % servers.length]!;
    const token = await new SignJWT({ sub: `u${i}`, exp }).setProtectedHeader({ alg: 'HS256' }).sign(key);
    sockets.push(await subscriber(`ws://127.0.0.1:${s.port}/connection/websocket`, token, latencies, () => delivered++));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const pad = 'x'.repeat(70);
  const cpu0 = servers.map((s) => s.cpuSeconds());
  const total = opts.rate * opts.seconds;
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await publish(agent, servers[0]!.port, `{"channel":"fanout","data":{"t":${Date.now()},"p":"${pad}"}}`);
  }
  const expected = total * opts.subscribers;
  const deadline = performance.now() + 10_000;
  while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  const serverCpuSeconds = servers.reduce((sum, s, i) => sum + s.cpuSeconds() - cpu0[i]!, 0);
  for (const ws of sockets) ws.terminate();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    setup,
    subscribers: opts.subscribers,
    published: total,
    delivered,
    lost: expected - delivered,
    deliveredPerSecond: delivered / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    serverCpuSeconds,
  };
}

/** One node on the memory engine against two nodes sharing Redis, same load, same run. */
export async function runFanout(opts: { subscribers: number; rate: number; seconds: number; redisUrl: string }): Promise<FanoutResult[]> {
  const base = { log: { level: 'info' }, client: { token: { hmac_secret_key: SECRET }, queue_max_size: 16 << 20 }, http_api: { key: KEY }, channel: { without_namespace: { allow_subscribe_for_client: true } } };
  const results: FanoutResult[] = [];
  const memory = await startParsec(base);
  try {
    results.push(await run('1 node, memory', [memory], opts));
  } finally {
    await memory.stop();
  }
  const redis = { ...base, engine: { type: 'redis', redis: { address: opts.redisUrl, prefix: `parsec-bench-${Date.now()}` } } };
  const nodes = [await startParsec(redis), await startParsec(redis)];
  try {
    results.push(await run('2 nodes, Redis', nodes, opts));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
  return results;
}
