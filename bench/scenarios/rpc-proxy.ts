import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { startParsec } from '../server-process.js';

export interface RpcProxyResult {
  path: string;
  calls: number;
  seconds: number;
  callsPerSecond: number;
  /** Parsec's CPU per call, ms (undefined for the direct path, which bypasses Parsec). */
  serverCpuMsPerCall: number | undefined;
}

const BODY = { text: 'x'.repeat(80), n: 1 };

/** The application backend: answers every RPC with the data it got. */
async function startBackend(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown };
      const body = JSON.stringify({ result: { data: call.data ?? null } });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rpc` };
}

/** One client's sequential RPC loop over a raw JSON-protocol WebSocket. */
async function rpcClient(port: number, deadline: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  let pending: ((reply: string) => void) | undefined;
  ws.on('message', (data: Buffer) => {
    for (const line of data.toString('utf8').split('\n')) {
      // Pings (`{}`) get a pong; everything else is the reply to the one call in flight.
      if (line === '{}') ws.send('{}');
      else if (line) pending?.(line);
    }
  });
  const call = (cmd: object): Promise<string> =>
    new Promise((resolve) => {
      pending = resolve;
      ws.send(JSON.stringify({ id: ++id, ...cmd }));
    });
  await call({ connect: {} });
  let calls = 0;
  const rpc = { rpc: { method: 'echo', data: BODY } };
  while (performance.now() < deadline) {
    const reply = await call(rpc);
    if (!reply.includes('"rpc"')) throw new Error(`rpc failed: ${reply}`);
    calls++;
  }
  ws.close();
  return calls;
}

/** The same call made straight to the backend, with the keep-alive agent the proxy uses. */
async function directClient(agent: Agent, url: string, deadline: number): Promise<number> {
  const body = JSON.stringify({ client: 'c', transport: 'websocket', protocol: 'json', encoding: 'json', user: '', method: 'echo', data: BODY });
  let calls = 0;
  while (performance.now() < deadline) {
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
    calls++;
  }
  return calls;
}

async function measure(path: string, clients: number, durationMs: number, one: (deadline: number) => Promise<number>, cpu?: () => number): Promise<RpcProxyResult> {
  const cpu0 = cpu?.() ?? 0;
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: clients }, () => one(started + durationMs)));
  const seconds = (performance.now() - started) / 1000;
  const calls = counts.reduce((a, b) => a + b, 0);
  return { path, calls, seconds, callsPerSecond: calls / seconds, serverCpuMsPerCall: cpu ? ((cpu() - cpu0) * 1000) / calls : undefined };
}

/**
 * RPC round trips through Parsec's HTTP proxy (SDK-style clients → Parsec → backend) against
 * the same call made straight to the backend with a keep-alive agent, `clients` loops each.
 */
export async function runRpcProxy(opts: { clients: number; durationMs: number }): Promise<RpcProxyResult[]> {
  const backend = await startBackend();
  const server = await startParsec({
    log: { level: 'info' },
    client: { insecure: true },
    rpc: { proxy: { endpoint: backend.url, timeout: '5s' }, without_namespace: { proxy_enabled: true } },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  try {
    await measure('warm-up', 4, 500, (d) => rpcClient(server.port, d));
    const proxied = await measure('through the proxy', opts.clients, opts.durationMs, (d) => rpcClient(server.port, d), server.cpuSeconds);
    const direct = await measure('direct to the backend', opts.clients, opts.durationMs, (d) => directClient(agent, backend.url, d));
    return [proxied, direct];
  } finally {
    agent.destroy();
    await server.stop();
    await new Promise((resolve) => backend.server.close(resolve));
  }
}
